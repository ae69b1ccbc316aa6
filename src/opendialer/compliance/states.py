"""State and city caps on calls per debt, kept as data: each cap names where it applies (by
the borrower's address), how many calls it allows within how many consecutive days, and its
citation. Every cap that applies is checked, so the strictest wins. Days are counted as for
Reg F's seven in seven (`compliance/frequency.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from opendialer.compliance.frequency import History, PlacedCall, held_until, history, no_days
from opendialer.compliance.refusal import Refusal, refusal
from opendialer.compliance.zones import Local, county_of_zip, local

RULE = "state_cap"
# The five boroughs, by the counties their ZIP codes lie in.
NEW_YORK_CITY = frozenset(
    {"New York County", "Kings County", "Queens County", "Bronx County", "Richmond County"}
)


@dataclass(frozen=True, slots=True)
class Address:
    state: str | None
    postal_code: str | None


@dataclass(frozen=True, slots=True)
class StateCap:
    where: str
    applies: Callable[[Address], bool]
    calls: int
    days: int
    citation: str


def _in_state(code: str) -> Callable[[Address], bool]:
    """Whether the address is in the state by its state or by its ZIP code: an address that
    names no state, or a state its ZIP code is not in, is held by both (the reading that
    calls less)."""

    def applies(address: Address) -> bool:
        place = county_of_zip(address.postal_code)
        by_zip = place is not None and place[0] == code
        return by_zip or (address.state or "").strip().upper() == code

    return applies


def _in_new_york_city(address: Address) -> bool:
    place = county_of_zip(address.postal_code)
    return place is not None and place[0] == "NY" and place[1] in NEW_YORK_CITY


# "In each seven-day period", "in a single week", "in a seven-calendar-day period": each read
# as any seven consecutive days, which also bounds every calendar week.
CAPS: tuple[StateCap, ...] = (
    StateCap("Massachusetts", _in_state("MA"), 2, 7, "940 CMR 7.04(1)(f)"),
    StateCap("Washington", _in_state("WA"), 3, 7, "RCW 19.16.250"),
    StateCap("New York City", _in_new_york_city, 2, 7, "6 RCNY 5-77"),
)


def state_cap(
    now: datetime,
    calls: Iterable[PlacedCall],
    zones: Sequence[str],
    address: Address,
    caps: Sequence[StateCap] = CAPS,
) -> Refusal | None:
    """The refusal of the cap that applies to the address and is reached, the one that holds
    the call longest when several are; None when none is reached (or none applies)."""
    return state_cap_at(local(now, zones), history(now, calls), address, caps)


def state_cap_at(
    seen: Local, calls: History, address: Address, caps: Sequence[StateCap] = CAPS
) -> Refusal | None:
    """`state_cap` on `now` as read in its zones, with the debt's history at `now`."""
    if caps is CAPS:
        applying: Sequence[StateCap] = caps_at(address)
    else:
        applying = [cap for cap in caps if cap.applies(address)]
    if not seen.zones:
        refusals = [no_days(RULE, cap.citation) for cap in applying]
    else:
        refusals = [
            refusal(RULE, _reason(cap), cap.citation, held[0])
            for cap in applying
            if calls.may_reach(cap.calls)
            and (held := held_until(seen, calls.placed, cap.calls, cap.days)) is not None
        ]
    if not refusals:
        return None
    return max(refusals, key=lambda r: (r.next_allowed_at is None, r.next_allowed_at or seen.now))


def _reason(cap: StateCap) -> str:
    return f"{cap.where} allows {cap.calls} calls about a debt within {cap.days} consecutive days"


def caps_at(address: Address) -> tuple[StateCap, ...]:
    """The caps of CAPS that apply to the address."""
    return _caps_at(address.state, address.postal_code)


# A campaign's borrowers live at a few thousand addresses: which caps apply to each is kept.
@lru_cache(maxsize=100_000)
def _caps_at(state: str | None, postal_code: str | None) -> tuple[StateCap, ...]:
    address = Address(state, postal_code)
    return tuple(cap for cap in CAPS if cap.applies(address))
