"""The count of failed credential checks behind the token endpoint's 429, on a clock the test
turns."""

from __future__ import annotations

from opendialer.auth.attempts import MAX_KEYS, FailedAttempts


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fail(attempts: FailedAttempts, *keys: str) -> None:
    attempts.start(keys)
    attempts.end(keys, failed=True)


def test_the_limit_holds_for_the_window_after_the_oldest_failure() -> None:
    clock = Clock()
    attempts = FailedAttempts(limit=2, window_seconds=60, clock=clock)
    fail(attempts, "client a")
    clock.now += 10
    fail(attempts, "client a")

    assert attempts.refused_for(["client a"]) == 50
    assert attempts.refused_for(["client b"]) is None
    clock.now += 50
    assert attempts.refused_for(["client a"]) is None


def test_any_key_over_its_limit_refuses_and_the_longest_wait_is_named() -> None:
    clock = Clock()
    attempts = FailedAttempts(limit=1, window_seconds=60, clock=clock)
    fail(attempts, "address x")
    clock.now += 30
    fail(attempts, "client a")

    assert attempts.refused_for(["client a", "address x"]) == 60
    assert attempts.refused_for(["client c", "address x"]) == 30


def test_attempts_in_flight_count_until_they_end() -> None:
    attempts = FailedAttempts(limit=2, window_seconds=60, clock=Clock())
    attempts.start(["client a"])
    attempts.start(["client a"])

    assert attempts.refused_for(["client a"]) is not None
    attempts.end(["client a"], failed=False)
    attempts.end(["client a"], failed=False)
    assert attempts.refused_for(["client a"]) is None


def test_a_success_forgets_nothing_that_failed() -> None:
    attempts = FailedAttempts(limit=2, window_seconds=60, clock=Clock())
    fail(attempts, "client a")
    attempts.start(["client a"])
    attempts.end(["client a"], failed=False)
    fail(attempts, "client a")

    assert attempts.refused_for(["client a"]) is not None


def test_memory_is_bounded_however_many_keys_are_tried() -> None:
    clock = Clock()
    attempts = FailedAttempts(limit=3, window_seconds=60, clock=clock)
    for n in range(MAX_KEYS + 10):
        fail(attempts, f"client {n}")

    assert len(attempts._tries) <= MAX_KEYS
    assert attempts.refused_for([f"client {MAX_KEYS + 9}"]) is None  # one failure of three
