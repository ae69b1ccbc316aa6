"""The service's daily work: each servicer's call list is built, expired Idempotency-Keys
are dropped."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from opendialer.calllist.repository import servicers_without_list
from opendialer.calllist.service import CallList
from opendialer.db.base import utcnow
from opendialer.db.session import Database
from opendialer.engine.sync import sync_call_list
from opendialer.idempotency.repository import forget_expired_requests
from opendialer.idempotency.service import KEY_LIFETIME

log = logging.getLogger("opendialer.daily")


def build_missing_lists(database: Database) -> int:
    """Build today's (UTC) list for every servicer with buckets that has none yet; answers how
    many lists were built. Several processes may run this at once: a list another one built
    first is left alone."""
    today = utcnow().date()
    with database.transaction(write=False) as session:
        scopes = servicers_without_list(session, today)
    built = 0
    for tenant_id, servicer_id in scopes:
        try:
            with database.transaction() as session:
                _, counts = CallList(session, tenant_id).build(servicer_id, today)
                # Dialed without an export: the list's campaigns take its loans at once.
                _, synced = sync_call_list(session, tenant_id, servicer_id)
        except IntegrityError:
            log.info("call list of tenant %s servicer %s built elsewhere", tenant_id, servicer_id)
            continue
        log.info(
            "built %s call list of tenant %s servicer %s: %s calls, in %s campaigns",
            today,
            tenant_id,
            servicer_id,
            counts.get(servicer_id, 0),
            len(synced),
        )
        built += 1
    return built


def forget_expired_keys(database: Database) -> int:
    """Drop the tracked-call requests whose Idempotency-Key has expired; answers how many."""
    with database.transaction() as session:
        forgotten = forget_expired_requests(session, utcnow() - KEY_LIFETIME)
    log.info("dropped %s expired idempotency keys", forgotten)
    return forgotten


def seconds_until_next_day(now: datetime) -> float:
    tomorrow = (now + timedelta(days=1)).date()
    start = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)
    return (start - now).total_seconds() + 60


async def build_daily(database: Database) -> None:
    """Forever: build what is missing for today and drop expired keys, then wait for the next
    UTC day. A job that fails is tried again an hour later; one failing does not stop the
    other."""
    while True:
        failed = False
        for job in (build_missing_lists, forget_expired_keys):
            try:
                await asyncio.to_thread(job, database)
            except Exception:
                log.exception("daily %s failed; retrying in an hour", job.__name__)
                failed = True
        await asyncio.sleep(3600 if failed else seconds_until_next_day(utcnow()))
