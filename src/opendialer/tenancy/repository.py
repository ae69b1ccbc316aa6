"""Every query on partners, tenants and servicers: the accounts themselves, which no tenant
owns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from opendialer.tenancy.models import Partner, Servicer, Tenant


def partner(session: Session, partner_id: int) -> Partner | None:
    return session.get(Partner, partner_id)


def tenant(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def servicer(session: Session, tenant_id: int, servicer_id: int) -> Servicer | None:
    return session.get(Servicer, (tenant_id, servicer_id))


def tenant_by_billing_code(session: Session, partner_id: int, billing_code: str) -> Tenant | None:
    query = select(Tenant).where(
        Tenant.partner_id == partner_id, Tenant.billing_code == billing_code
    )
    return session.scalars(query).first()


def partner_tenant_ids(session: Session, partner_id: int) -> list[int]:
    return list(session.scalars(select(Tenant.id).where(Tenant.partner_id == partner_id)))


def tenant_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Tenant.id)))


def partner_ids(session: Session) -> set[int]:
    return set(session.scalars(select(Partner.id)))
