"""Prints how many decisions per second the compliance gate's rules make on one core, the
rules alone (the ledger's look-ups, which the engine adds, are not in these figures).

    .venv/bin/python bench/compliance_decide.py [--attempts 100000] [--numbers 20000]

Makes --attempts candidate attempts over --numbers contacts, as an engine working a campaign
would hand them to the gate:

- numbers: most of one area code (Chicago, New York, Miami, Boston, Seattle, San Francisco,
  Phoenix, El Paso, Pensacola, Honolulu), some of an area code that spans zones (Alaska, Idaho,
  the Dakotas), some toll-free, a few of no known place; the address agrees with the number's
  area for two borrowers in three, is somewhere else in the states for most others (with or
  without a ZIP code, or a state only), and is missing for a few;
- the moment: a minute of two weeks across the spring change to daylight saving time, while
  the campaign dials (08:00 in New York to 21:00 in Los Angeles), not round the clock;
- the debt's placed calls: 0 to 12 within the last 9 days (what the ledger is asked for),
  fewer more often, one in twelve a conversation;
- now and then what refuses: a number on the tenant's or the campaign's do-not-call list, a
  flag, an inconvenient time the consumer named, a used bucket, a locked contact, a contact
  not yet begun, a number marked invalid or out of tries; every mode, line type and consent.

It decides them all twice: a first pass, in which every number is new, and a second, as an
engine working a campaign again. Prints decisions/s of CPU for each pass, the refusals by rule
and how many decisions had how many refusals.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from machine import describe, load, reference
from opendialer.compliance.frequency import PlacedCall
from opendialer.compliance.gate import Attempt, Decision, decide
from opendialer.compliance.rules import Bucket, ContactState, Flag, Inconvenient, LineType, Mode
from opendialer.compliance.states import Address

# Area codes, how often a borrower's number has one, and addresses in its area.
AREAS: list[tuple[str, int, list[Address]]] = [
    ("+1312", 14, [Address("IL", "60601"), Address("IL", None)]),
    ("+1212", 10, [Address("NY", "10001"), Address("NY", "11201"), Address("NY", "10701")]),
    ("+1305", 10, [Address("FL", "33101"), Address("FL", None)]),
    ("+1617", 8, [Address("MA", "02108")]),
    ("+1206", 8, [Address("WA", "98101")]),
    ("+1415", 8, [Address("CA", "94103")]),
    ("+1602", 6, [Address("AZ", "85001")]),
    ("+1915", 5, [Address("TX", "79901"), Address("TX", None)]),
    ("+1850", 4, [Address("FL", "32501")]),
    ("+1808", 2, [Address("HI", "96813")]),
    ("+1907", 4, [Address("AK", "99501"), Address("AK", None)]),  # Anchorage and Adak
    ("+1208", 3, [Address("ID", "83701"), Address("ID", "83814")]),  # Boise and Los Angeles
    ("+1605", 2, [Address("SD", "57501")]),  # Central and Mountain
    ("+1701", 2, [Address("ND", None)]),  # Central and Mountain
    ("+1800", 3, [Address("TX", "75201")]),  # toll-free: any zone of the states
    ("+1888", 2, [Address("OR", "97201")]),
    ("+1999", 3, [Address(None, None)]),  # no area code in service: no place
]
ELSEWHERE = [address for _, _, addresses in AREAS for address in addresses] + [
    Address("TX", None),
    Address(None, "60601"),
    Address(None, "98101"),
]
NOWHERE = Address(None, None)
INCONVENIENT = [
    Inconvenient(frozenset(range(5)), clock(9), clock(17)),  # at work on weekdays
    Inconvenient(frozenset(range(7)), clock(18), clock(20)),  # dinner
    Inconvenient(frozenset({6}), clock(0), clock(23, 59)),  # not on Sundays
    Inconvenient(frozenset({4, 5}), clock(20), clock(10)),  # Friday and Saturday nights
]
# The campaign dials from 08:00 in New York to 21:00 in Los Angeles.
DIALS_FROM, DIALS_TO = ZoneInfo("America/New_York"), ZoneInfo("America/Los_Angeles")
FIRST_DAY = date(2026, 3, 2)


@dataclass(frozen=True, slots=True)
class Contact:
    e164: str
    address: Address
    line_type: LineType
    consented: bool
    flags: frozenset[Flag]
    inconvenient: tuple[Inconvenient, ...]
    contact: ContactState


def contacts(count: int, rng: random.Random) -> list[Contact]:
    weights = [weight for _, weight, _ in AREAS]
    made = []
    for n in range(count):
        prefix, _, near = rng.choices(AREAS, weights)[0]
        roll = rng.random()
        address = rng.choice(near) if roll < 0.65 else NOWHERE if roll < 0.7 else None
        line_type = rng.choices(list(LineType), [60, 25, 15])[0]
        made.append(
            Contact(
                e164=f"{prefix}{5_550_000 + n:07d}",
                address=address or rng.choice(ELSEWHERE),
                line_type=line_type,
                consented=rng.random() < 0.75,
                flags=frozenset({rng.choice(list(Flag))}) if rng.random() < 0.02 else frozenset(),
                inconvenient=(rng.choice(INCONVENIENT),) if rng.random() < 0.05 else (),
                contact=ContactState(
                    locked=rng.random() < 0.01,
                    begins=datetime(2026, 3, 9, 14, tzinfo=UTC) if rng.random() < 0.01 else None,
                    number_invalid=rng.random() < 0.01,
                    number_tries=rng.randint(0, 14) if rng.random() < 0.97 else 15,
                    max_tries_per_number=15,
                ),
            )
        )
    return made


def moment(rng: random.Random) -> datetime:
    """A minute while the campaign dials, on one of 14 days."""
    day = FIRST_DAY + timedelta(days=rng.randrange(14))
    opens = datetime.combine(day, clock(8), tzinfo=DIALS_FROM).astimezone(UTC)
    closes = datetime.combine(day, clock(21), tzinfo=DIALS_TO).astimezone(UTC)
    minutes = int((closes - opens).total_seconds()) // 60
    return opens + timedelta(minutes=rng.randrange(minutes), seconds=rng.randrange(60))


def attempts(count: int, numbers: int, seed: int = 7) -> list[Attempt]:
    rng = random.Random(seed)
    people = contacts(numbers, rng)
    dnc_tenant = frozenset(c.e164 for c in rng.sample(people, numbers // 100))
    dnc_campaign = frozenset(c.e164 for c in rng.sample(people, numbers // 200))
    made = []
    for n in range(count):
        person = people[n % numbers]
        now = moment(rng)
        placed = rng.choices(range(13), [18, 14, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 2])[0]
        calls = sorted(
            (
                PlacedCall(
                    now - timedelta(seconds=rng.randint(600, 9 * 86400)), rng.random() < 1 / 12
                )
                for _ in range(placed)
            ),
            key=lambda call: call.at,
        )
        bucket = None
        if rng.random() < 0.9:
            used = rng.choices(range(4), [75, 18, 5, 2])[0]
            bucket = Bucket(now.date() + timedelta(days=rng.randint(0, 20)), rng.randint(0, 20),
                            used, 20, 3)  # fmt: skip
        made.append(
            Attempt(
                now=now,
                mode=rng.choices(list(Mode), [25, 30, 15, 25, 5])[0],
                e164=person.e164,
                address=person.address,
                calls=calls,
                line_type=person.line_type,
                consented=person.consented,
                dnc_lists=(dnc_tenant, dnc_campaign),
                flags=person.flags,
                inconvenient=person.inconvenient,
                bucket=bucket,
                contact=person.contact,
            )
        )
    return made


def summary(decisions: list[Decision]) -> str:
    refusals: Counter[str] = Counter()
    counts: Counter[int] = Counter()
    for decision in decisions:
        refusals.update(refusal.rule for refusal in decision.refusals)
        counts[len(decision.refusals)] += 1
    return (
        f"allowed {counts[0]} of {len(decisions)}; refusals by rule: {dict(refusals)}; "
        f"decisions by refusals: {dict(sorted(counts.items()))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--numbers", type=int, default=20_000)
    args = parser.parse_args()
    print(describe(), flush=True)
    candidates = attempts(args.attempts, args.numbers)
    for label in ("first pass, numbers new", "second pass, numbers seen"):
        started = time.process_time()
        # As an engine acts on each decision and drops it: kept all together, the decisions
        # would have the collector walk every attempt again and again, which is the bench's
        # cost, not the gate's.
        for attempt in candidates:
            decide(attempt)
        cpu = time.process_time() - started
        print(f"{label}: {len(candidates) / cpu:,.0f} decisions/s of CPU ({cpu:.2f} s)")
    print(summary([decide(attempt) for attempt in candidates]))


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
