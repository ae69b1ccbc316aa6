"""Every CDR query, scoped to one tenant or to a partner's set of tenants."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, tuple_
from sqlalchemy.orm import Session

from opendialer.callreports.models import CallDetailRecord
from opendialer.callreports.schemas import CDR_COLUMNS
from opendialer.db.bulk import bulk_insert

CDRS: Table = CallDetailRecord.__table__  # type: ignore[assignment]
LOOKUP_CHUNK = 500


class CdrRepository:
    def __init__(self, session: Session, tenant_ids: Sequence[int]) -> None:
        if not tenant_ids:
            raise ValueError("a CDR query needs at least one tenant")
        self.session = session
        self.tenant_ids = list(tenant_ids)

    def known_unique_ids(self, tenant_id: int, unique_ids: Iterable[str]) -> set[str]:
        wanted = list(unique_ids)
        known: set[str] = set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            query = select(CDRS.c.unique_id).where(
                CDRS.c.tenant_id == tenant_id,
                CDRS.c.unique_id.in_(wanted[start : start + LOOKUP_CHUNK]),
            )
            known.update(self.session.scalars(query))
        return known

    def taken_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` a record already has. Record ids are keys across all tenants, so
        this one lookup is not scoped to the repository's tenants."""
        wanted = list(ids)
        taken: set[str] = set()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            query = select(CDRS.c.id).where(CDRS.c.id.in_(wanted[start : start + LOOKUP_CHUNK]))
            taken.update(self.session.scalars(query))
        return taken

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        bulk_insert(self.session, CDRS, rows)

    def newest_first(
        self, start: datetime, end: datetime, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[Any]:
        """Up to `limit` records with start <= time <= end, newest first, resuming after the
        (time, id) key of the last record of the previous batch."""
        columns = [CDRS.c[c] for c in CDR_COLUMNS]
        # After a batch, the range ends at its last record's time (which the key implies): as
        # the upper bound of the index range, each batch starts where the last one ended
        # instead of walking past every record the earlier batches sent.
        last = end if after is None else after[0]
        query = select(*columns).where(
            CDRS.c.tenant_id.in_(self.tenant_ids), CDRS.c.time >= start, CDRS.c.time <= last
        )
        if after is not None:
            query = query.where(tuple_(CDRS.c.time, CDRS.c.id) < after)
        query = query.order_by(CDRS.c.time.desc(), CDRS.c.id.desc()).limit(limit)
        return self.session.execute(query).all()
