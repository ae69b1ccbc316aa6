"""Every query on do-not-call entries, each scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Select, String, Table, bindparam, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import CursorResult

from opendialer.db.bulk import bulk_load, insert_values
from opendialer.db.repository import TenantRepository
from opendialer.dialler.models import Campaign
from opendialer.dnc.models import DncEntry

ENTRIES: Table = DncEntry.__table__  # type: ignore[assignment]
INSERTED = ["tenant_id", "campaign_id", "e164", "source", "created_at"]


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

    def add_new(
        self, campaign_id: int | None, sources: Mapping[str, str | None], now: datetime
    ) -> int:
        """Store those of `sources` (E.164 to source) that are not on the list yet, all in one
        or two statements; answers how many."""
        if not sources:
            return 0
        if self.dialect == "postgresql":
            return self._insert_missing(campaign_id, sources, now)
        listed = self._listed(campaign_id, sources)
        rows = [
            [self.tenant_id, campaign_id, e164, source, now]
            for e164, source in sources.items()
            if e164 not in listed
        ]
        insert_values(self.session, ENTRIES, INSERTED, rows)
        return len(rows)

    def _insert_missing(
        self, campaign_id: int | None, sources: Mapping[str, str | None], now: datetime
    ) -> int:
        """PostgreSQL: the unique index finds the listed numbers as the rows go in. Looking them
        up first went wrong there: a table filling up inside the load's transaction has no
        statistics, and the planner scanned it whole for each chunk's numbers."""
        sent = (
            func.unnest(
                bindparam("numbers", type_=ARRAY(String)), bindparam("sources", type_=ARRAY(String))
            )
            .table_valued("e164", "source")
            .render_derived(name="sent")
        )
        rows = select(
            bindparam("tenant", type_=ENTRIES.c.tenant_id.type),
            bindparam("campaign", type_=ENTRIES.c.campaign_id.type),
            sent.c.e164,
            sent.c.source,
            bindparam("now", type_=ENTRIES.c.created_at.type),
        ).select_from(sent)
        key = ["tenant_id", "e164"] if campaign_id is None else ["tenant_id", "e164", "campaign_id"]
        statement = (
            postgresql.insert(ENTRIES)
            .from_select(INSERTED, rows)
            .on_conflict_do_nothing(index_elements=key, index_where=on_list(ENTRIES, campaign_id))
            .execution_options(preserve_rowcount=True)
        )
        values = {
            "numbers": list(sources),
            "sources": list(sources.values()),
            "tenant": self.tenant_id,
            "campaign": campaign_id,
            "now": now,
        }
        result = self.session.execute(statement, values)
        assert isinstance(result, CursorResult)
        return result.rowcount

    def _listed(self, campaign_id: int | None, numbers: Collection[str]) -> set[str]:
        """SQLite: those of `numbers` that are on the list already, the numbers bound as one
        value (`one_of`): an IN (...) of thousands of parameters took SQLAlchemy longer to
        expand, at each chunk of an import, than SQLite took to look them up."""
        query = self.scoped(ENTRIES, ENTRIES.c.e164).where(
            on_list(ENTRIES, campaign_id), self.one_of(ENTRIES.c.e164, numbers)
        )
        return set(self.session.scalars(query))

    def loading(self) -> AbstractContextManager[None]:
        """Around a load of many entries: bulk_load on PostgreSQL. Not on SQLite, where its
        larger page cache would keep every page the load writes until the commit."""
        if self.dialect == "postgresql":
            return bulk_load(self.session, ENTRIES)
        return nullcontext()
