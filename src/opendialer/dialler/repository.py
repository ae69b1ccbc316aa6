"""Every dialler query, each starting from a base scoped to one tenant."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, tuple_
from sqlalchemy.engine import RowMapping

from opendialer.db.base import utcnow
from opendialer.db.bulk import bulk_update, insert_values, new_ids
from opendialer.db.repository import TenantRepository, owned_by
from opendialer.db.rows import RowQuery
from opendialer.db.session import Database
from opendialer.dialler.models import Campaign, Contact, ContactHistory

CONTACTS: Table = Contact.__table__  # type: ignore[assignment]

# The one-contact read is the hottest query: built once, since building a select costs more
# than running it. Still scoped to the tenant, which each call binds.
CONTACT_BY_ID = select(Contact).where(
    owned_by(Contact, bindparam("tenant_id")), Contact.id == bindparam("contact_id")
)
CONTACT_BY_ID_FOR_UPDATE = CONTACT_BY_ID.with_for_update()
# Answering a read needs no ORM object, nor a session: a plain row straight off the driver.
CONTACT_ROW_BY_ID = RowQuery(
    select(CONTACTS).where(
        owned_by(CONTACTS, bindparam("tenant_id")), CONTACTS.c.id == bindparam("contact_id")
    )
)


def contact_row(database: Database, tenant_id: int, contact_id: int) -> dict[str, Any] | None:
    """One of the tenant's contacts as a plain row of column name to value, read outside any
    session."""
    return database.first(CONTACT_ROW_BY_ID, tenant_id=tenant_id, contact_id=contact_id)


class CampaignRepository(TenantRepository):
    def _base(self) -> Select[Campaign]:
        return self.scoped(Campaign)

    def get(self, campaign_id: int) -> Campaign | None:
        return self.session.scalars(self._base().where(Campaign.id == campaign_id)).first()

    def by_name(self, name: str) -> Campaign | None:
        return self.session.scalars(self._base().where(Campaign.name == name)).first()

    def all(self) -> Sequence[Campaign]:
        return self.session.scalars(self._base().order_by(Campaign.name, Campaign.id)).all()

    def add(self, campaign: Campaign) -> Campaign:
        campaign.tenant_id = self.tenant_id
        self.session.add(campaign)
        self.session.flush()
        return campaign

    def contact_count(self, campaign_id: int) -> int:
        query = self.scoped(Contact, func.count()).where(Contact.campaign_id == campaign_id)
        return int(self.session.scalar(query) or 0)

    def delete(self, campaign: Campaign) -> None:
        for table in (ContactHistory, Contact):
            self.session.execute(
                delete(table).where(self.owns(table), table.campaign_id == campaign.id)
            )
        self.session.delete(campaign)
        self.session.flush()


HISTORY: Table = ContactHistory.__table__  # type: ignore[assignment]
# What recording a call's outcome reads of its contact: where its history entry, CDR and
# tracked call come from, and each number with its tries.
_OUTCOME_COLUMNS = [
    CONTACTS.c[name]
    for name in (
        "id", "campaign_id", "user_data", "user_data2", "user_data3", "loan_id",
        *(f"phone_number{n}" for n in range(1, 7)),
        *(f"phone_number{n}_e164" for n in range(1, 7)),
        *(f"n_tries_phone_number{n}" for n in range(1, 7)),
    )
]  # fmt: skip
# Every column of a history entry, its id first.
_HISTORY_COLUMNS = ["id", *(c.key for c in HISTORY.columns if c.key != "id")]


class ContactRepository(TenantRepository):
    def _base(self) -> Select[Contact]:
        return self.scoped(Contact)

    def get(self, contact_id: int, *, for_update: bool = False) -> Contact | None:
        query = CONTACT_BY_ID_FOR_UPDATE if for_update else CONTACT_BY_ID
        params = {"tenant_id": self.tenant_id, "contact_id": contact_id}
        return self.session.scalars(query, params).first()

    def outcome_rows(self, contact_ids: Collection[int]) -> dict[int, dict[str, Any]]:
        """The columns a call's outcome reads of each of the contacts among `contact_ids`, as
        plain rows (dicts), locked in the order of their ids (as every batch locks them, so
        that two batches never wait on each other): an outcome changes a few of a contact's
        150 columns, which need not all be read."""
        query = (
            select(*_OUTCOME_COLUMNS)
            .where(owned_by(Contact, self.tenant_id, by_key=True))
            .where(self.one_of(CONTACTS.c.id, contact_ids))
            .order_by(CONTACTS.c.id)
            .with_for_update()
        )
        return {row["id"]: dict(row) for row in self.session.execute(query).mappings()}

    def first_by_user_data(self, user_data: str, *, for_update: bool = False) -> Contact | None:
        """The oldest contact with this UserData: the seed leaves which one open; we say oldest."""
        query = self._base().where(Contact.user_data == user_data).order_by(Contact.id).limit(1)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def first_in_campaign_by_user_data(self, campaign_id: int, user_data: str) -> Contact | None:
        query = (
            self._base()
            .where(Contact.campaign_id == campaign_id, Contact.user_data == user_data)
            .order_by(Contact.id)
            .limit(1)
            .with_for_update()
        )
        return self.session.scalars(query).first()

    def by_user_data(self, user_data: str) -> Sequence[Contact]:
        query = self._base().where(Contact.user_data == user_data).order_by(Contact.id)
        return self.session.scalars(query).all()

    def add(self, values: dict[str, Any]) -> Contact:
        contact = Contact(tenant_id=self.tenant_id, **values)
        self.session.add(contact)
        self.session.flush()
        return contact

    def update_many(self, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Set each contact's values by bulk_update, once per set of columns changed; no
        default applies, so the values name updated_at."""
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        key = {"tenant_id": self.tenant_id}
        for contact_id, values in rows:
            by_columns.setdefault(tuple(values), []).append({**values, **key, "id": contact_id})
        for batch in by_columns.values():
            bulk_update(self.session, CONTACTS, ("tenant_id", "id"), batch)

    def delete(self, contact: Contact) -> None:
        self.session.delete(contact)
        self.session.flush()

    def page(
        self,
        campaign_id: int | None,
        *,
        after: tuple[str, int] | None,
        offset: int,
        limit: int,
    ) -> list[RowMapping]:
        """Up to `limit` contacts ordered by Name then ID, resuming after the key `after`."""
        query = self.scoped(CONTACTS)
        if campaign_id is not None:
            query = query.where(CONTACTS.c.campaign_id == campaign_id)
        if after is not None:
            query = query.where(tuple_(CONTACTS.c.name, CONTACTS.c.id) > tuple_(*after))
        elif offset:
            query = query.offset(offset)
        query = query.order_by(CONTACTS.c.name, CONTACTS.c.id).limit(limit)
        return list(self.session.execute(query).mappings())

    def history_of(self, contact_ids: Sequence[int]) -> Sequence[ContactHistory]:
        query = (
            self.scoped(ContactHistory)
            .where(ContactHistory.contact_id.in_(contact_ids))
            .order_by(ContactHistory.dt_call_start, ContactHistory.id)
        )
        return self.session.scalars(query).all()

    def history_entry(self, entry_id: int) -> ContactHistory | None:
        query = self.scoped(ContactHistory, by_key=True).where(ContactHistory.id == entry_id)
        return self.session.scalars(query).one_or_none()

    def add_histories(self, entries: Sequence[ContactHistory]) -> None:
        """Store the new entries in one statement and give each its id (they stay out of the
        session: the unit of work cost more per entry than the insert). Their ids are taken
        first, so that they go in one executemany (SQLite) or COPY (PostgreSQL), not in one
        INSERT of many VALUES the driver parses anew for every batch."""
        if not entries:
            return  # an insert of no rows would be read as one row of defaults
        now = utcnow()
        ids = new_ids(self.session, HISTORY, len(entries))
        for entry, entry_id in zip(entries, ids, strict=True):
            entry.tenant_id, entry.created_at, entry.id = self.tenant_id, now, entry_id
        if self.dialect == "sqlite":
            rows = [{name: getattr(e, name) for name in _HISTORY_COLUMNS} for e in entries]
            self.session.execute(insert(HISTORY), rows)
            return
        values = [[getattr(e, name) for name in _HISTORY_COLUMNS] for e in entries]
        insert_values(self.session, HISTORY, _HISTORY_COLUMNS, values)

    # Built once, its values bound at each call: a statement built with them would hold them
    # in reference cycles, which an import (the cyclic collector paused) would keep till its end.
    _IDS_AMONG = (
        select(Contact.user_data, func.min(Contact.id))
        .where(
            owned_by(Contact, bindparam("tenant_id")),
            Contact.campaign_id == bindparam("campaign_id"),
            Contact.user_data.in_(bindparam("user_data", expanding=True)),
        )
        .group_by(Contact.user_data)
    )

    def ids_in_campaign_by_user_data_among(
        self, campaign_id: int, user_data: Iterable[str]
    ) -> dict[str, int]:
        """Each of `user_data` that a contact of the campaign holds, to the oldest such
        contact's id: an import's look-up, a chunk of its contacts at a time."""
        wanted = list(user_data)
        if not wanted:
            return {}
        params = {"tenant_id": self.tenant_id, "campaign_id": campaign_id, "user_data": wanted}
        rows = self.session.execute(self._IDS_AMONG, params)
        return {key: contact_id for key, contact_id in rows if key is not None}
