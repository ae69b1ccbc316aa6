"""Rules of the do-not-call lists: numbers kept as E.164, one entry per number and list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.dnc.models import DncEntry
from opendialer.dnc.repository import DncRepository
from opendialer.dnc.schemas import DncInput
from opendialer.errors import Invalid, NotFound
from opendialer.kit.phones import to_e164

# Numbers without a country code on the tenant's list are read as US numbers; a campaign's
# list reads them in the campaign's region, as its contacts' numbers are read.
DEFAULT_REGION = "US"
# Lines of a file parsed, looked up and stored at a time.
IMPORT_CHUNK = 5000


@dataclass
class DncCounts:
    added: int = 0
    already_listed: int = 0
    rejected: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "alreadyListed": self.already_listed}


def list_name(campaign_id: int | None) -> str:
    if campaign_id is None:
        return "the tenant's do-not-call list"
    return f"the do-not-call list of campaign {campaign_id}"


class DncLists:
    """The do-not-call lists of one tenant: its own, and one per campaign."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.entries = DncRepository(session, tenant_id)
        self._regions: dict[int, str] = {}

    def region(self, campaign_id: int | None, name: str = "") -> str:
        """The region a list's numbers are read in; a campaign that is not the tenant's is
        not found (`name` prefixes the message)."""
        if campaign_id is None:
            return DEFAULT_REGION
        if campaign_id not in self._regions:
            region = self.entries.campaign_region(campaign_id)
            if region is None:
                raise NotFound(f"{name}campaign {campaign_id} not found")
            self._regions[campaign_id] = region
        return self._regions[campaign_id]

    def number(self, raw: str, campaign_id: int | None, name: str) -> str:
        """`raw` as E.164, read in the list's region; 400 naming `name` when it is none."""
        e164 = to_e164(raw, self.region(campaign_id))
        if e164 is None:
            raise Invalid(f"{name} {raw!r} is not a phone number")
        return e164

    def page(
        self, campaign_id: int | None, phone: str | None, offset: int, limit: int
    ) -> tuple[int, Sequence[DncEntry]]:
        """One page of a list, oldest entry first, or of its entries for number `phone`."""
        self.region(campaign_id)  # an unknown campaign is 404, with a filter or without
        e164 = None if phone is None else self.number(phone, campaign_id, "phonenumber")
        return self.entries.page(campaign_id, e164, offset, limit)

    def get(self, phone: str, campaign_id: int | None) -> DncEntry:
        e164 = self.number(phone, campaign_id, "phoneNumber")
        entry = self.entries.get(campaign_id, e164)
        if entry is None:
            raise NotFound(f"{e164} is not on {list_name(campaign_id)}")
        return entry

    def add(self, body: DncInput) -> tuple[DncEntry, bool]:
        """The entry of the number sent, and whether it was added now: a number listed
        already keeps its entry as it is."""
        e164 = self.number(body.phone_number, body.campaign_id, "phoneNumber")
        entry = self.entries.get(body.campaign_id, e164)
        if entry is not None:
            return entry, False
        return self.entries.add(body.campaign_id, e164, body.source), True

    def delete(self, phone: str, campaign_id: int | None) -> None:
        self.entries.delete(self.get(phone, campaign_id))

    def add_many(self, bodies: Sequence[DncInput]) -> DncCounts:
        """Add every number sent, or none when one is no phone number (each named by its
        index) or names a campaign that is not the tenant's."""
        by_list: dict[int | None, dict[str, str | None]] = {}
        problems: list[str] = []
        for index, body in enumerate(bodies):
            region = self.region(body.campaign_id, f"[{index}].campaignId: ")
            e164 = to_e164(body.phone_number, region)
            if e164 is None:
                problems.append(
                    f"[{index}].phoneNumber: {body.phone_number!r} is not a phone number"
                )
                continue
            # Sent twice, a number is added once, with the first one's source.
            by_list.setdefault(body.campaign_id, {}).setdefault(e164, body.source)
        if problems:
            raise Invalid("; ".join(problems))
        added = sum(
            self.entries.add_new(campaign_id, sources, utcnow())
            for campaign_id, sources in by_list.items()
        )
        return DncCounts(added=added, already_listed=len(bodies) - added)

    def import_lines(
        self,
        campaign_id: int | None,
        lines: Iterable[tuple[int, str]],
        source: str | None,
        *,
        strict: bool,
        on_chunk: Callable[[int, list[str]], None],
    ) -> DncCounts:
        """Add the numbers of (line number, text) pairs to a list, a chunk at a time so that
        a file of millions of numbers never sits in memory whole; the caller's transaction
        takes all of it or none. `on_chunk` hears how many lines each chunk read and a message
        for each bad one. A strict import stores nothing once a line is bad: the rest is only
        checked. The file's reader may raise (UnicodeDecodeError) at any chunk."""
        region = self.region(campaign_id)
        counts = DncCounts()
        with self.entries.loading():
            for chunk in _chunks(lines, IMPORT_CHUNK):
                sources: dict[str, str | None] = {}
                problems: list[str] = []
                for line, raw in chunk:
                    e164 = to_e164(raw, region)
                    if e164 is None:
                        problems.append(f"line {line}: {raw!r} is not a phone number")
                    else:
                        sources[e164] = source
                counts.rejected += len(problems)
                if not (strict and counts.rejected):
                    added = self.entries.add_new(campaign_id, sources, utcnow())
                    counts.added += added
                    counts.already_listed += len(chunk) - len(problems) - added
                on_chunk(len(chunk), problems)
        return counts


def _chunks(lines: Iterable[tuple[int, str]], size: int) -> Iterator[list[tuple[int, str]]]:
    iterator = iter(lines)
    while chunk := list(islice(iterator, size)):
        yield chunk
