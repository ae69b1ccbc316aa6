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
# Digits and the separators people write between them, and nothing else: no +, no letters.
_DIGITS_ONLY = re.compile(r"[0-9\s.()/-]+", re.ASCII)
_SEPARATORS = re.compile(r"[\s.()/-]", re.ASCII)


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
    number = _parse(raw, region)
    if number is None or not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=4096)
def country_code(raw: str | None, region: str = "US") -> int | None:
    """The country calling code of `raw` (49 for a German number), if it parses."""
    if not raw:
        return None
    if region == "US" and _US_PLAIN.fullmatch(raw):
        return 1
    number = _parse(raw, region)
    return int(number.country_code) if number is not None and number.country_code else None


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    """`raw` read in `region` when it is a valid number there; else, when it is written in
    digits alone and they make a valid number with their country code first (49894614950703,
    or 0049894614950703 where 00 is not the way out of the country), that number; else the
    region's reading, possible or not, as before. Exports from dialers write international
    numbers so, without the +."""
    try:
        number: phonenumbers.PhoneNumber | None = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return number
    return _international(raw, region) or number


def _international(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    if not _DIGITS_ONLY.fullmatch(raw):
        return None
    digits = _SEPARATORS.sub("", raw)
    # Ten digits shaped as a US number are one, as the shortcut in to_e164 reads them, even
    # where phonenumbers knows no such area code yet (new ones open every year).
    if region == "US" and _US_PLAIN.fullmatch(digits):
        return None
    if digits.startswith("00"):
        digits = digits[2:]
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None
