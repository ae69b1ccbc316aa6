"""E.164 normalisation: the shortcut for plain US spellings answers what phonenumbers answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendialer.kit.phones import _US_PLAIN, _parsed_e164, to_e164


@settings(max_examples=500)
@given(st.from_regex(_US_PLAIN, fullmatch=True))
def test_plain_us_spellings_normalise_as_phonenumbers_does(raw: str) -> None:
    assert to_e164(raw, "US") == _parsed_e164(raw, "US")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("(312) 555-0142", "+13125550142"),
        ("312.555.0142", "+13125550142"),
        ("1-312-555-0142", "+13125550142"),
        ("+1 (312) 555-0142", "+13125550142"),
        ("312 555 0142 ext. 12", "+13125550142"),
        (" 312 555 0142 ", "+13125550142"),
        ("+49 30 1234567", "+49301234567"),
        ("555-014", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_common_spellings(raw: str, e164: str | None) -> None:
    assert to_e164(raw, "US") == e164
