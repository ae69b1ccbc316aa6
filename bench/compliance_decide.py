"""Prints how many decisions per second the compliance gate's rules make on one core, the
rules alone (the ledger's look-ups, which the engine adds, are not in these figures).

    .venv/bin/python bench/compliance_decide.py [--attempts 100000] [--numbers 20000]

Makes --attempts candidate attempts over --numbers phone numbers (Chicago, New York, Alaska,
toll-free, and numbers of no known place), with random addresses in five states, modes, line
types and consent, and 0 to 9 placed calls in the last two weeks with now and then a
conversation; then decides them all twice: a first pass, in which every number is new, and a
second, as an engine working a campaign again. Prints decisions/s of CPU for each pass, and
the refusals by rule.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from machine import describe, load, reference
from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.gate import Attempt, decide
from opendialer.compliance.rules import LineType, Mode
from opendialer.compliance.states import Address

PREFIXES = ["+1312555", "+1212555", "+1907555", "+1800555", "+1999555"]
ADDRESSES = [
    Address("IL", "60601"),
    Address("NY", "11201"),
    Address("MA", "02108"),
    Address("WA", "98101"),
    Address("TX", "79901"),
    Address(None, None),
]


def attempts(count: int, numbers: int, seed: int = 7) -> list[Attempt]:
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 12, tzinfo=UTC)
    made = []
    for n in range(count):
        now = start + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        calls = [
            PlacedCall(now - timedelta(minutes=rng.randint(1, 14 * 24 * 60)), rng.random() < 0.1)
            for _ in range(rng.randint(0, 9))
        ]
        number = n % numbers
        made.append(
            Attempt(
                now=now,
                mode=rng.choice(list(Mode)),
                e164=f"{PREFIXES[number % len(PREFIXES)]}{number % 10_000:04d}",
                address=rng.choice(ADDRESSES),
                calls=calls,
                line_type=rng.choice(list(LineType)),
                consented=rng.random() < 0.7,
            )
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--numbers", type=int, default=20_000)
    args = parser.parse_args()
    print(describe(), flush=True)
    candidates = attempts(args.attempts, args.numbers)
    refusals: Counter[str] = Counter()
    allowed = 0
    for label in ("first pass, numbers new", "second pass, numbers seen"):
        started = time.process_time()
        decisions = [decide(attempt) for attempt in candidates]
        cpu = time.process_time() - started
        print(f"{label}: {len(candidates) / cpu:,.0f} decisions/s of CPU ({cpu:.2f} s)")
    for decision in decisions:
        allowed += decision.allowed
        refusals.update(refusal.rule for refusal in decision.refusals)
    print(f"allowed {allowed} of {len(candidates)}; refusals by rule: {dict(refusals)}")


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
