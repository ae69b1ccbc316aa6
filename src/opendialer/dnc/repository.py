"""Every query on do-not-call entries, each scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select

from opendialer.db.bulk import bulk_load, insert_values
from opendialer.db.repository import TenantRepository
from opendialer.dialler.models import Campaign
from opendialer.dnc.models import DncEntry

ENTRIES: Table = DncEntry.__table__  # type: ignore[assignment]
INSERTED = ["tenant_id", "campaign_id", "e164", "source", "created_at"]

# Numbers per IN (...) look-up: well under the bound parameters either database takes.
LOOKUP_CHUNK = 2000


def on_list(entity: Any, campaign_id: int | None) -> ColumnElement[bool]:
    """The condition that an entry of `entity` is on the tenant's list (None) or a campaign's."""
    column: ColumnElement[int | None] = getattr(entity, "__table__", entity).c.campaign_id
    return column.is_(None) if campaign_id is None else column == campaign_id


class DncRepository(TenantRepository):
    def _base(self, campaign_id: int | None) -> Select[Any]:
        return self.scoped(DncEntry).where(on_list(DncEntry, campaign_id))

    def campaign_region(self, campaign_id: int) -> str | None:
        """The region of the tenant's campaign `campaign_id`; None when it has no such one."""
        query = self.scoped(Campaign, Campaign.region, by_key=True).where(
            Campaign.id == campaign_id
        )
        region: str | None = self.session.scalar(query)
        return region

    def page(
        self, campaign_id: int | None, e164: str | None, offset: int, limit: int
    ) -> tuple[int, Sequence[DncEntry]]:
        query = self._base(campaign_id)
        if e164 is not None:
            query = query.where(DncEntry.e164 == e164)
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = self.session.scalars(query.order_by(DncEntry.id).offset(offset).limit(limit))
        return int(total), rows.all()

    def get(self, campaign_id: int | None, e164: str) -> DncEntry | None:
        entry: DncEntry | None = self.session.scalars(
            self._base(campaign_id).where(DncEntry.e164 == e164)
        ).first()
        return entry

    def add(self, campaign_id: int | None, e164: str, source: str | None) -> DncEntry:
        entry = DncEntry(
            tenant_id=self.tenant_id, campaign_id=campaign_id, e164=e164, source=source
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def delete(self, entry: DncEntry) -> None:
        self.session.delete(entry)
        self.session.flush()

    def listed(self, campaign_id: int | None, numbers: Collection[str]) -> set[str]:
        """Those of `numbers` (E.164) that are on the list already."""
        query = self.scoped(ENTRIES, ENTRIES.c.e164).where(on_list(ENTRIES, campaign_id))
        found: set[str] = set()
        wanted = list(numbers)
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            found.update(self.session.scalars(query.where(ENTRIES.c.e164.in_(chunk))))
        return found

    def insert(
        self, campaign_id: int | None, entries: Sequence[tuple[str, str | None]], now: datetime
    ) -> None:
        """Store `entries` ((E.164, source) pairs none of which is listed) in one statement."""
        rows = [[self.tenant_id, campaign_id, e164, source, now] for e164, source in entries]
        insert_values(self.session, ENTRIES, INSERTED, rows)

    def loading(self) -> AbstractContextManager[None]:
        """Around a load of many entries: bulk_load on PostgreSQL. Not on SQLite, where its
        larger page cache would keep every page the load writes until the commit."""
        if self.dialect == "postgresql":
            return bulk_load(self.session, ENTRIES)
        return nullcontext()
