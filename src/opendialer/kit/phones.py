"""Phone numbers: normalising any common spelling to E.164 with the phonenumbers library."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# The spellings of a US number that nearly every file holds: an optional +1 or 1, the area code
# (in parentheses or not), exchange and line, one separator at most between the groups, and an
# optional extension. For these, E.164 is +1 and the ten digits, exactly what phonenumbers
# answers, at a hundredth of the cost; anything else goes to phonenumbers.
_US_PLAIN = re.compile(
    r"(?:\+?1[ .-]?)?(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[ .-]?)"
    r"([2-9][0-9]{2})[ .-]?([0-9]{4})(?: ?(?:ext\.?|x) ?[0-9]{1,6})?",
    re.ASCII,
)


@lru_cache(maxsize=65536)
def to_e164(raw: str | None, region: str = "US") -> str | None:
    """The E.164 form of `raw` read in `region`, or None when it is no possible phone number."""
    if not raw:
        return None
    if region == "US":
        plain = _US_PLAIN.fullmatch(raw)
        if plain is not None:
            area, area_bare, exchange, line = plain.groups()
            return f"+1{area or area_bare}{exchange}{line}"
    return _parsed_e164(raw, region)


def _parsed_e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def country_code(raw: str | None, region: str = "US") -> int | None:
    """The country calling code of `raw` (49 for a German number), if it parses."""
    if not raw:
        return None
    try:
        code = phonenumbers.parse(raw, region).country_code
    except phonenumbers.NumberParseException:
        return None
    return int(code) if code else None
