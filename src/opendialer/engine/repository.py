"""Every query of the engine: the running campaigns (of every tenant: the engine serves them
all), a campaign's due contacts and claims, its attempts, and the processes and the lease that
let several engines share one database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached

from opendialer.compliance.models import RefusalRecord
from opendialer.compliance.repository import NUMBER_COLUMNS
from opendialer.db.bulk import bulk_update, insert_values, new_ids
from opendialer.db.repository import TenantRepository, owned_by
from opendialer.dialler.models import Campaign, Contact, ContactHistory
from opendialer.engine.models import DIALING, QUEUED, Attempt, EngineLease, EngineProcess

CONTACTS: Table = Contact.__table__  # type: ignore[assignment]
ATTEMPTS: Table = Attempt.__table__  # type: ignore[assignment]
SQLITE_LEASE = "sqlite"
# Every column of an attempt, and the scalar defaults of those that have one.
_ATTEMPT_COLUMNS = [column.key for column in ATTEMPTS.columns]
_DEFAULTS: dict[int, Any] = {
    i: getattr(column.default, "arg", None)
    for i, column in enumerate(ATTEMPTS.columns)
    if column.default is not None and column.default.is_scalar
}
# What closing an attempt reads of it.
_CLOSING_COLUMNS = [
    ATTEMPTS.c[name]
    for name in ("id", "contact_id", "phone_number_offset", "phone_e164", "caller_id",
                 "started_at", "ended_at")
]  # fmt: skip


def running_campaigns(session: Session) -> Sequence[Campaign]:
    """Every tenant's running campaigns, the highest priority first."""
    query = (
        select(Campaign)
        .where(Campaign.dialing_state == "running")
        .order_by(Campaign.priority.desc(), Campaign.id)
    )
    return session.execute(query).scalars().all()


def dialing_states(session: Session, campaign_ids: set[int]) -> dict[int, str]:
    """Each campaign's dialing state, of those that still exist."""
    query = select(Campaign.id, Campaign.dialing_state).where(Campaign.id.in_(list(campaign_ids)))
    return {campaign_id: state for campaign_id, state in session.execute(query)}


class EngineRepository(TenantRepository):
    """The engine's queries on one tenant's campaigns, contacts and attempts."""

    def campaign(self, campaign_id: int) -> Campaign | None:
        query = self.scoped(Campaign).where(Campaign.id == campaign_id)
        return self.session.execute(query).scalar_one_or_none()

    def with_open_attempts(self, contact_ids: Sequence[int]) -> set[int]:
        """Those of the contacts that have an attempt under way (or held for an agent)."""
        query = select(ATTEMPTS.c.contact_id).where(
            self.owns(Attempt),
            self.one_of(ATTEMPTS.c.contact_id, contact_ids),
            ATTEMPTS.c.ended_at.is_(None),
        )
        return set(self.session.execute(query).scalars())

    def lock_campaign(self, campaign_id: int) -> Campaign | None:
        """The campaign, locked and read afresh (on PostgreSQL: engines store one campaign's
        attempts one claim at a time, so that its lines and calls per second hold across
        them)."""
        query = (
            self.scoped(Campaign)
            .where(Campaign.id == campaign_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self.session.execute(query).scalar_one_or_none()

    def due_contacts(self, campaign: Campaign, now: datetime, limit: int) -> list[int]:
        """Up to `limit` contacts of the campaign due at `now`, the longest waiting first
        (those never tried before all): not locked, within their begin and end dates, next try
        reached, with a number left that is not marked invalid and has tries left, and no call
        under way. On PostgreSQL they are locked, and those another engine is claiming are
        skipped."""
        statements = _due_statements(
            campaign.max_tries_per_number, campaign.max_tries_per_contact, self.dialect
        )
        params = {"tenant_id": self.tenant_id, "campaign_id": campaign.id, "now": now,
                  "wall": now.replace(tzinfo=None)}  # fmt: skip
        found: list[int] = []
        # By the index on (campaign, next try): the never tried, then the longest waiting.
        for statement in statements:
            if len(found) < limit:
                rows = self.session.execute(statement, {**params, "limit": limit - len(found)})
                found += rows.scalars()
        return found

    def postpone(self, next_tries: dict[int, datetime]) -> None:
        """Move each contact's next try to its moment, in one statement for them all."""
        rows = [
            {"dt_next_try": moment, "tenant_id": self.tenant_id, "id": contact_id}
            for contact_id, moment in next_tries.items()
        ]
        bulk_update(self.session, CONTACTS, ("tenant_id", "id"), rows)

    def end_all_but(self, campaign_id: int, user_data: set[str], ends: datetime) -> int:
        """End (at `ends`, a wall-clock value) the campaign's contacts whose UserData is none
        of `user_data` and that have no end date; answers how many."""
        query = (
            update(Contact)
            .where(
                self.owns(Contact),
                Contact.campaign_id == campaign_id,
                Contact.dt_end_date.is_(None),
                or_(Contact.user_data.is_(None), self.none_of(CONTACTS.c.user_data, user_data)),
            )
            .values(dt_end_date=ends)
        )
        return int(self.session.execute(query).rowcount)  # type: ignore[attr-defined]

    def in_flight(self, campaign_id: int) -> int:
        """The campaign's calls under way, whichever engine placed them (not those an agent
        previews or has asked for: they hold no line yet)."""
        query = self.scoped(Attempt, func.count()).where(
            Attempt.campaign_id == campaign_id,
            Attempt.ended_at.is_(None),
            Attempt.state == DIALING,
        )
        return int(self.session.execute(query).scalar_one())

    def queued(self, campaign_id: int, limit: int) -> list[Attempt]:
        """Up to `limit` of the calls the campaign's agents asked for, the oldest first, locked
        (on PostgreSQL, those another engine is placing are skipped)."""
        query = (
            self.scoped(Attempt)
            .where(
                Attempt.campaign_id == campaign_id,
                Attempt.ended_at.is_(None),
                Attempt.state == QUEUED,
            )
            .order_by(Attempt.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.execute(query).scalars())

    def running(self, mode: str) -> list[Campaign]:
        """The tenant's running campaigns of a dialing mode, the highest priority first."""
        query = (
            self.scoped(Campaign)
            .where(Campaign.dialing_state == "running", Campaign.dialing_mode == mode)
            .order_by(Campaign.priority.desc(), Campaign.id)
        )
        return list(self.session.execute(query).scalars())

    def without_agent(self, campaign_id: int) -> int:
        """The campaign's calls under way that no agent has taken (yet)."""
        query = self.scoped(Attempt, func.count()).where(
            Attempt.campaign_id == campaign_id,
            Attempt.ended_at.is_(None),
            Attempt.agent_id.is_(None),
        )
        return int(self.session.execute(query).scalar_one())

    def started_since(self, campaign_id: int, since: datetime) -> int:
        query = self.scoped(Attempt, func.count()).where(
            Attempt.campaign_id == campaign_id, Attempt.started_at >= since
        )
        return int(self.session.execute(query).scalar_one())

    def add(self, attempts: Sequence[Attempt]) -> None:
        """Store the new attempts, their ids taken first. On PostgreSQL in one COPY, each then
        joining the session as a stored row (what is set on it later, its agent, is written
        as for any other): the unit of work cost more per attempt than the insert, and an
        INSERT of many VALUES with RETURNING is parsed anew by the driver each time. On
        SQLite the unit of work writes them in one executemany, times as it stores them."""
        if attempts:
            ids = new_ids(self.session, ATTEMPTS, len(attempts))
            for attempt, attempt_id in zip(attempts, ids, strict=True):
                attempt.id = attempt_id
            if self.dialect == "postgresql":
                self._copy(attempts)
        self.session.add_all(attempts)
        self.session.flush()

    def _copy(self, attempts: Sequence[Attempt]) -> None:
        values = []
        for attempt in attempts:
            row = [getattr(attempt, name) for name in _ATTEMPT_COLUMNS]
            for i, default in _DEFAULTS.items():
                if row[i] is None:
                    row[i] = default
                    setattr(attempt, _ATTEMPT_COLUMNS[i], default)
            # Every column set, so that none is read back from the database when used.
            given = vars(attempt)
            for name, value in zip(_ATTEMPT_COLUMNS, row, strict=True):
                if name not in given:
                    setattr(attempt, name, value)
            values.append(row)
        insert_values(self.session, ATTEMPTS, _ATTEMPT_COLUMNS, values)
        for attempt in attempts:
            make_transient_to_detached(attempt)

    def closing(self, attempt_ids: Sequence[int]) -> dict[int, Any]:
        """What closing an attempt reads of those among `attempt_ids` still open, as plain
        rows, locked in the order of their ids."""
        query = (
            select(*_CLOSING_COLUMNS)
            .where(self.owns(Attempt), self.one_of(ATTEMPTS.c.id, attempt_ids))
            .order_by(ATTEMPTS.c.id)
            .with_for_update()
        )
        return {row.id: row for row in self.session.execute(query) if row.ended_at is None}

    def close(self, rows: Sequence[dict[str, Any]]) -> None:
        """Write each attempt's outcome (dicts of the same columns, with `id`): one statement
        for them all, not one per set of the columns that changed."""
        key = {"tenant_id": self.tenant_id}
        bulk_update(self.session, ATTEMPTS, ("tenant_id", "id"), [row | key for row in rows])

    def attempt(self, attempt_id: int, *, for_update: bool = False) -> Attempt | None:
        query = self.scoped(Attempt).where(Attempt.id == attempt_id)
        if for_update:
            query = query.with_for_update()
        return self.session.execute(query).scalar_one_or_none()


class ProgressRepository(TenantRepository):
    """The figures of a campaign's progress, each one aggregate query."""

    def contact_counts(self, campaign: Campaign, now: datetime) -> tuple[int, int, int]:
        """(contacts, done, due now): done when no number is left to call or the end date
        has passed; due as the engine takes them."""
        wall = now.replace(tzinfo=None)
        done = _done(campaign, wall)
        due = and_(
            ~done,
            Contact.locked == false(),
            or_(Contact.dt_begin_date.is_(None), Contact.dt_begin_date <= wall),
            or_(Contact.dt_next_try.is_(None), Contact.dt_next_try <= now),
        )
        query = self.scoped(
            Contact,
            func.count(),
            func.coalesce(func.sum(case((done, 1), else_=0)), 0),
            func.coalesce(func.sum(case((due, 1), else_=0)), 0),
        ).where(Contact.campaign_id == campaign.id)
        total, finished, ready = self.session.execute(query).one()
        return int(total), int(finished), int(ready)

    def held(self, campaign_id: int) -> int:
        """The campaign's contacts with an attempt open: a call under way, or held by an agent
        in preview."""
        query = self.scoped(Attempt, func.count()).where(
            Attempt.campaign_id == campaign_id, Attempt.ended_at.is_(None)
        )
        return int(self.session.execute(query).scalar_one())

    def final_calls(self, campaign: Campaign, now: datetime) -> list[tuple[int, bool, bool, int]]:
        """(cause, connected, mailbox, contacts) of the last call of each done contact."""
        wall = now.replace(tzinfo=None)
        done = self.scoped(Contact, Contact.id).where(
            Contact.campaign_id == campaign.id,
            _done(campaign, wall),
        )
        last = (
            self.scoped(ContactHistory, func.max(ContactHistory.id))
            .where(ContactHistory.contact_id.in_(done))
            .group_by(ContactHistory.contact_id)
        )
        query = (
            self.scoped(
                ContactHistory,
                ContactHistory.cause_code,
                ContactHistory.dt_call_connect.is_not(None),
                ContactHistory.mailbox,
                func.count(),
            )
            .where(ContactHistory.id.in_(last))
            .group_by(
                ContactHistory.cause_code,
                ContactHistory.dt_call_connect.is_not(None),
                ContactHistory.mailbox,
            )
        )
        return [(c or 0, bool(on), bool(m), int(n)) for c, on, m, n in self.session.execute(query)]

    def calls_since(self, campaign_id: int, since: datetime) -> tuple[int, int]:
        """(calls, conversations) of the campaign from `since`, whoever placed them."""
        talked = and_(
            ContactHistory.dt_call_connect.is_not(None), ContactHistory.mailbox.is_not(True)
        )
        query = self.scoped(
            ContactHistory,
            func.count(),
            func.coalesce(func.sum(case((talked, 1), else_=0)), 0),
        ).where(ContactHistory.campaign_id == campaign_id, ContactHistory.dt_call_start >= since)
        calls, conversations = self.session.execute(query).one()
        return int(calls), int(conversations)

    def live_answers(self, campaign_id: int, since: datetime) -> tuple[int, int]:
        """(calls a person answered with an agent to take them, those no agent took) from
        `since`: the abandon rate's terms."""
        live = and_(
            Attempt.campaign_id == campaign_id,
            Attempt.started_at >= since,
            Attempt.mode != "agentless",
            Attempt.answered_at.is_not(None),
            Attempt.answer_type != "machine",
        )
        abandoned = case((Attempt.connected_at.is_(None), 1), else_=0)
        query = self.scoped(Attempt, func.count(), func.coalesce(func.sum(abandoned), 0)).where(
            live
        )
        answered, dropped = self.session.execute(query).one()
        return int(answered), int(dropped)

    def refused_since(self, campaign_id: int, since: datetime) -> dict[str, int]:
        query = (
            self.scoped(RefusalRecord, RefusalRecord.rule, func.count())
            .where(RefusalRecord.campaign_id == campaign_id, RefusalRecord.at >= since)
            .group_by(RefusalRecord.rule)
        )
        return {rule: int(count) for rule, count in self.session.execute(query)}


@lru_cache(maxsize=256)
def _due_statements(per_number: int, per_contact: int, dialect: str) -> tuple[Any, Any]:
    """The look-ups of a campaign's due contacts (never tried; then by next try), built once
    per campaign's tries limits: building one cost more than running it."""
    due = (
        select(Contact.id)
        .where(
            owned_by(Contact, bindparam("tenant_id")),
            Contact.campaign_id == bindparam("campaign_id"),
            Contact.locked == false(),
            or_(Contact.dt_begin_date.is_(None), Contact.dt_begin_date <= bindparam("wall")),
            or_(Contact.dt_end_date.is_(None), Contact.dt_end_date >= bindparam("wall")),
            _tries_left_within(per_number, per_contact),
            ~select(ATTEMPTS.c.id)
            .where(ATTEMPTS.c.contact_id == Contact.id, ATTEMPTS.c.ended_at.is_(None))
            .exists(),
        )
        .limit(bindparam("limit"))
    )
    never = due.where(Contact.dt_next_try.is_(None)).order_by(Contact.id)
    waited = due.where(Contact.dt_next_try <= bindparam("now")).order_by(
        Contact.dt_next_try, Contact.id
    )
    if dialect == "postgresql":
        never = never.with_for_update(skip_locked=True, of=CONTACTS)
        waited = waited.with_for_update(skip_locked=True, of=CONTACTS)
    return never, waited


def _done(campaign: Campaign, wall: datetime) -> ColumnElement[bool]:
    """The contact will not be called again: no number is left, or its end date has passed
    (never null: a contact without an end date is not done by it)."""
    ended = and_(Contact.dt_end_date.is_not(None), Contact.dt_end_date < wall)
    return or_(~_tries_left(campaign), ended)


def _tries_left(campaign: Campaign) -> ColumnElement[bool]:
    return _tries_left_within(campaign.max_tries_per_number, campaign.max_tries_per_contact)


def _tries_left_within(per_number: int, per_contact: int) -> ColumnElement[bool]:
    """A number of the contact is left to call: it has a number, not marked invalid, with
    tries left; and the contact has tries left (a limit of 0 sets none)."""
    numbers = []
    for names in NUMBER_COLUMNS:
        number, tries = CONTACTS.c[names.number], CONTACTS.c[names.tries]
        invalid = CONTACTS.c[names.invalid]
        condition: list[Any] = [number.is_not(None), number != "", invalid.is_not(True)]
        if per_number > 0:
            condition.append(tries < per_number)
        numbers.append(and_(*condition))
    left = or_(*numbers)
    if per_contact > 0:
        total = sum((CONTACTS.c[names.tries] for names in NUMBER_COLUMNS[1:]),
                    CONTACTS.c[NUMBER_COLUMNS[0].tries])  # fmt: skip
        left = and_(left, total < per_contact)
    return left


# -- processes, the lease and attempts left behind: the engines' own, not a tenant's ---------


def register(session: Session, name: str, now: datetime) -> int:
    """A new engine process; answers its id."""
    process = EngineProcess(name=name, started_at=now, heartbeat_at=now)
    session.add(process)
    session.flush()
    return process.id


def beat(session: Session, engine_id: int, now: datetime, *, stopped: bool = False) -> None:
    values: dict[str, Any] = {"heartbeat_at": now}
    if stopped:
        values["stopped_at"] = now
    session.execute(update(EngineProcess).where(EngineProcess.id == engine_id).values(**values))


def take_lease(session: Session, engine_id: int, now: datetime, lasts: timedelta) -> int:
    """Hold (or keep holding) the SQLite lease when it is free, expired or ours; answers the
    id of the engine that holds it now."""
    lease = session.get(EngineLease, SQLITE_LEASE, with_for_update=True)
    if lease is None:
        session.add(EngineLease(name=SQLITE_LEASE, holder_id=engine_id, expires_at=now + lasts))
        session.flush()
        return engine_id
    if lease.holder_id == engine_id or lease.expires_at <= now:
        lease.holder_id, lease.expires_at = engine_id, now + lasts
        session.flush()
    return lease.holder_id


def release_lease(session: Session, engine_id: int) -> None:
    session.execute(
        delete(EngineLease).where(
            EngineLease.name == SQLITE_LEASE, EngineLease.holder_id == engine_id
        )
    )


def orphaned(session: Session, engine_id: int, dead_before: datetime, limit: int) -> list[Attempt]:
    """Open attempts of engines that are gone (stopped, or silent since `dead_before`): no one
    will hear how they ended."""
    gone = select(EngineProcess.id).where(
        or_(EngineProcess.stopped_at.is_not(None), EngineProcess.heartbeat_at < dead_before)
    )
    query = (
        select(Attempt)
        .where(
            Attempt.ended_at.is_(None),
            Attempt.state == DIALING,
            Attempt.engine_id != engine_id,
            or_(Attempt.engine_id.in_(gone), ~Attempt.engine_id.in_(select(EngineProcess.id))),
        )
        .order_by(Attempt.id)
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def ring_times(session: Session, campaign_ids: set[int]) -> dict[int, timedelta]:
    """Each campaign's ring time."""
    query = select(Campaign.id, Campaign.ring_timeout_seconds).where(
        Campaign.id.in_(list(campaign_ids))
    )
    return {
        campaign_id: timedelta(seconds=seconds) for campaign_id, seconds in session.execute(query)
    }
