"""Consumer holds (flags and inconvenient times of borrowers and dialler contacts) and the
tenant's compliance settings: their rules and their queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opendialer.compliance.consumer import (
    DAY_NAMES,
    decode_flags,
    decode_times,
    encode_flags,
    encode_times,
)
from opendialer.compliance.holds_schemas import ComplianceSettingsInput, ConsumerHoldsInput
from opendialer.compliance.rules import Flag, Inconvenient
from opendialer.db.repository import TenantRepository
from opendialer.dialler.models import Contact
from opendialer.errors import NotFound
from opendialer.loans.models import Borrower
from opendialer.tenancy.models import Tenant


class HoldsRepository(TenantRepository):
    """The tenant's borrowers and dialler contacts, and the tenant's own row, as the holds and
    settings read and change them."""

    def _base(self, entity: Any, *, for_update: bool) -> Select[Any]:
        query = self.scoped(entity, by_key=True)
        return query.with_for_update() if for_update else query

    def borrower(
        self, borrower_id: str, servicer_id: int | None, *, for_update: bool = False
    ) -> Borrower | None:
        query = self._base(Borrower, for_update=for_update).where(Borrower.id == borrower_id)
        if servicer_id is not None:
            query = query.where(Borrower.servicer_id == servicer_id)
        found: Borrower | None = self.session.scalars(query).first()
        return found

    def contact(self, contact_id: int, *, for_update: bool = False) -> Contact | None:
        query = self._base(Contact, for_update=for_update).where(Contact.id == contact_id)
        found: Contact | None = self.session.scalars(query).first()
        return found

    def tenant(self, *, for_update: bool = False) -> Tenant | None:
        # The tenant's own row: its id is the tenant's, there is no tenant_id to scope by.
        query = select(Tenant).where(Tenant.id == self.tenant_id)
        if for_update:
            query = query.with_for_update()
        found: Tenant | None = self.session.scalars(query).first()
        return found

    def flush(self) -> None:
        self.session.flush()


@dataclass(frozen=True, slots=True)
class Holds:
    """One consumer's flags and inconvenient times, and when its row last changed."""

    consumer_id: str | int
    flags: frozenset[Flag]
    times: tuple[Inconvenient, ...]
    updated_at: datetime


def _holds(row: Borrower | Contact) -> Holds:
    return Holds(
        row.id,
        decode_flags(row.compliance_flags),
        decode_times(row.inconvenient_times),
        row.updated_at,
    )


def _replace(row: Borrower | Contact, body: ConsumerHoldsInput) -> None:
    """Set what `body` sends of the row's holds; null is read as none."""
    sent = body.model_fields_set
    if "flags" in sent:
        row.compliance_flags = encode_flags(body.flags or ())
    if "inconvenient_times" in sent:
        row.inconvenient_times = encode_times(
            Inconvenient(
                weekdays=frozenset(DAY_NAMES.index(day) for day in stated.days),
                start=time.fromisoformat(stated.start),
                end=time.fromisoformat(stated.end),
            )
            for stated in body.inconvenient_times or ()
        )


class ConsumerHolds:
    """The flags and inconvenient times of one tenant's borrowers and dialler contacts."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.rows = HoldsRepository(session, tenant_id)

    def borrower(self, borrower_id: str, servicer_id: int | None) -> Holds:
        """A borrower's holds; another servicer's (when one is named) is not found."""
        return _holds(self._borrower(borrower_id, servicer_id, for_update=False))

    def replace_borrower(
        self, borrower_id: str, servicer_id: int | None, body: ConsumerHoldsInput
    ) -> Holds:
        """Set the holds `body` sends of a borrower."""
        borrower = self._borrower(borrower_id, servicer_id, for_update=True)
        _replace(borrower, body)
        self.rows.flush()
        return _holds(borrower)

    def contact(self, contact_id: int) -> Holds:
        """A dialler contact's holds."""
        return _holds(self._contact(contact_id, for_update=False))

    def replace_contact(self, contact_id: int, body: ConsumerHoldsInput) -> Holds:
        """Set the holds `body` sends of a dialler contact."""
        contact = self._contact(contact_id, for_update=True)
        _replace(contact, body)
        self.rows.flush()
        return _holds(contact)

    def _borrower(self, borrower_id: str, servicer_id: int | None, *, for_update: bool) -> Borrower:
        borrower = self.rows.borrower(borrower_id, servicer_id, for_update=for_update)
        if borrower is None:
            raise NotFound(f"borrower {borrower_id} not found")
        return borrower

    def _contact(self, contact_id: int, *, for_update: bool) -> Contact:
        contact = self.rows.contact(contact_id, for_update=for_update)
        if contact is None:
            raise NotFound(f"dialler contact {contact_id} not found")
        return contact


class ComplianceSettings:
    """One tenant's compliance settings: what its calls count as one debt."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.rows = HoldsRepository(session, tenant_id)

    def debt_grouping(self) -> str:
        """`loan`, or `borrower_lender`: a borrower's loans of one lender are one debt."""
        return self._tenant(for_update=False).debt_grouping

    def change(self, body: ComplianceSettingsInput) -> str:
        """Set the settings `body` sends; answers the debt grouping then stored."""
        tenant = self._tenant(for_update=True)
        if body.debt_grouping is not None:
            tenant.debt_grouping = body.debt_grouping
            self.rows.flush()
        return tenant.debt_grouping

    def _tenant(self, *, for_update: bool) -> Tenant:
        tenant = self.rows.tenant(for_update=for_update)
        if tenant is None:
            raise NotFound(f"tenant {self.rows.tenant_id} not found")
        return tenant
