"""E.164 normalisation: the shortcut for plain US spellings answers what phonenumbers answers,
and every spelling of an international number, with or without its + or 00, reads the same."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from opendialer.kit.phones import _US_PLAIN, _parsed_e164, country_code, to_e164

REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
# Regions a campaign is commonly set to, with strict and loose numbering plans alike.
CAMPAIGN_REGIONS = ("US", "CA", "GB", "DE", "FR", "IT", "AU", "IN", "BR", "JP", "MX")
KINDS = (
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
)
SEPARATORS = ("", " ", "-", ".", "  ", " - ", "/")


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


@pytest.mark.parametrize(
    "raw",
    [
        "49894614950703",
        "49 89 4614950703",
        "49 (89) 4614-950703",
        "0049 89 4614950703",
        "0049.89.4614950703",
        "+49 89 4614950703",
    ],
)
@pytest.mark.parametrize("region", ["US", "GB", "DE"])
def test_the_seeds_history_number_is_german_however_it_is_written(raw: str, region: str) -> None:
    assert to_e164(raw, region) == "+49894614950703"
    assert country_code(raw, region) == 49


@pytest.mark.parametrize("raw", ["2302000142", "(230) 200-0142", "230 - 200 - 0142"])
def test_ten_digits_shaped_as_a_us_number_stay_american_in_a_us_campaign(raw: str) -> None:
    # 230 is no US area code (yet), and +230 2000142 is a number of Mauritius.
    assert to_e164(raw, "US") == "+12302000142"
    assert country_code(raw, "US") == 1


def reads_as_national(spelling: str, region: str) -> bool:
    """Whether `spelling` is a valid number of `region` as it stands: the rule keeps it there."""
    digits = re.sub(r"\D", "", spelling)
    if region == "US" and _US_PLAIN.fullmatch(digits):
        return True
    try:
        return bool(phonenumbers.is_valid_number(phonenumbers.parse(spelling, region)))
    except phonenumbers.NumberParseException:
        return False


@st.composite
def valid_numbers(draw: st.DrawFn) -> phonenumbers.PhoneNumber:
    """A valid number of any region: one of its examples with the last digits drawn anew."""
    region = draw(st.sampled_from(REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(KINDS)))
    assume(example is not None)
    national = phonenumbers.national_significant_number(example)
    keep = draw(st.integers(min_value=max(1, len(national) - 4), max_value=len(national)))
    tail = draw(st.text("0123456789", min_size=len(national) - keep, max_size=len(national) - keep))
    number = phonenumbers.parse(f"+{example.country_code}{national[:keep]}{tail}", None)
    assume(phonenumbers.is_valid_number(number))
    return number


@st.composite
def written(draw: st.DrawFn, digits: str) -> str:
    """`digits` in groups, with separators and maybe parentheses around one group."""
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(digits) - 1)), max_size=4)))
    groups = [digits[a:b] for a, b in zip([0, *cuts], [*cuts, len(digits)], strict=True)]
    groups = [group for group in groups if group]
    if len(groups) > 1 and draw(st.booleans()):
        index = draw(st.integers(0, len(groups) - 1))
        groups[index] = f"({groups[index]})"
    return draw(st.sampled_from(SEPARATORS)).join(groups)


@settings(max_examples=400)
@given(st.data(), valid_numbers(), st.sampled_from(CAMPAIGN_REGIONS))
def test_spellings_of_one_number_give_one_e164(
    data: st.DataObject, number: phonenumbers.PhoneNumber, region: str
) -> None:
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    code = str(number.country_code)
    national = data.draw(written(phonenumbers.national_significant_number(number)))
    bare = f"{code} {national}"
    double_zero = f"00{code} {national}"

    assert to_e164(f"+{code} {national}", region) == e164
    assert country_code(f"+{code} {national}", region) == number.country_code
    for spelling in (bare, double_zero):
        if not reads_as_national(spelling, region):
            assert to_e164(spelling, region) == e164, spelling
            assert country_code(spelling, region) == number.country_code, spelling


TEXT = st.text() | st.text(alphabet="0123456789 +-.()/x")


@settings(max_examples=1000)
@given(TEXT, st.sampled_from([*REGIONS, "ZZ"]))
def test_no_text_raises_and_the_country_code_agrees_with_the_e164(raw: str, region: str) -> None:
    e164 = to_e164(raw, region)
    code = country_code(raw, region)

    if e164 is not None:
        assert re.fullmatch(r"\+[1-9][0-9]{1,17}", e164), e164
        assert e164.startswith(f"+{code}")
