"""Row ids: version 7 UUIDs that sort, as text, in the order they were made."""

from __future__ import annotations

import uuid

from opendialer.db.ids import id_series, new_id, new_ids


def test_ids_are_version_7_uuids_in_the_order_they_were_made() -> None:
    made = [new_id(), *new_ids(3), new_id(), *new_ids(50_000), new_id()]
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    for made_id in made[:5] + made[-5:]:
        parsed = uuid.UUID(made_id)
        assert str(parsed) == made_id
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122


def test_ids_carry_their_time_and_random_bits() -> None:
    first, second = new_ids(2)
    # The same millisecond, one apart in the counter; the last 44 bits are random.
    assert first[:14] == second[:14]
    assert uuid.UUID(second).int >> 44 == (uuid.UUID(first).int >> 44) + 1
    assert len({made_id[-11:] for made_id in new_ids(1000)}) == 1000


def test_an_id_series_is_its_callers_alone_and_sorts_between_earlier_and_later_ids() -> None:
    before = new_id()
    series = id_series()
    after = new_ids(20)
    assert len(series) == 24 and series.endswith("-")
    numbered = [f"{series}{n:012x}" for n in (0, 1, 2**48 - 1)]
    assert uuid.UUID(numbered[1]).version == 7
    assert before < numbered[0] < numbered[-1] < after[0]
    assert not any(made_id.startswith(series) for made_id in after)
