"""Phone numbers: normalising any common spelling to E.164 with the phonenumbers library."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


@lru_cache(maxsize=65536)
def to_e164(raw: str | None, region: str = "US") -> str | None:
    """The E.164 form of `raw` read in `region`, or None when it is no possible phone number."""
    if not raw:
        return None
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
