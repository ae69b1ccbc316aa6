"""State and city caps on calls per debt, kept as data: each cap names where it applies (by
the borrower's address), how many calls it allows within how many consecutive days, and its
citation. Every cap that applies is checked, so the strictest wins. Days are counted as for
Reg F's seven in seven (`compliance/frequency.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from opendialer.compliance.frequency import PlacedCall, calls_within
from opendialer.compliance.refusal import Refusal
from opendialer.compliance.zones import county_of_zip

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
    return lambda address: (address.state or "").strip().upper() == code


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
    placed = list(calls)
    refusals = [
        refusal
        for cap in caps
        if cap.applies(address)
        and (
            refusal := calls_within(
                now,
                placed,
                zones,
                limit=cap.calls,
                days=cap.days,
                rule=RULE,
                reason=f"{cap.where} allows {cap.calls} calls about a debt within {cap.days} "
                "consecutive days",
                citation=cap.citation,
            )
        )
        is not None
    ]
    if not refusals:
        return None
    return max(refusals, key=lambda r: (r.next_allowed_at is None, r.next_allowed_at or now))
