"""Creating and finding partners, tenants and servicers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opendialer.errors import Conflict, Invalid, NotFound
from opendialer.tenancy import repository
from opendialer.tenancy.models import Partner, Servicer, Tenant


def get_tenant(session: Session, tenant_id: int) -> Tenant:
    tenant = repository.tenant(session, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} does not exist")
    return tenant


def get_servicer(session: Session, tenant_id: int, servicer_id: int) -> Servicer:
    get_tenant(session, tenant_id)
    servicer = repository.servicer(session, tenant_id, servicer_id)
    if servicer is None:
        raise NotFound(f"servicer {servicer_id} of tenant {tenant_id} does not exist")
    return servicer


def ensure_partner(session: Session, partner_id: int, name: str | None = None) -> Partner:
    partner = repository.partner(session, partner_id)
    if partner is None:
        partner = Partner(id=partner_id, name=name or f"Partner {partner_id}")
        session.add(partner)
        session.flush()
    return partner


def create_tenant(
    session: Session,
    tenant_id: int,
    name: str,
    partner_id: int | None = None,
    billing_code: str | None = None,
) -> Tenant:
    if tenant_id <= 0:
        raise Invalid("a tenant id is a positive integer")
    if repository.tenant(session, tenant_id) is not None:
        raise Conflict(f"tenant {tenant_id} already exists")
    if billing_code is not None and partner_id is None:
        raise Invalid("a billing code belongs to a partner: give --partner too")
    if partner_id is not None:
        ensure_partner(session, partner_id)
        if billing_code is not None and tenant_for_billing_code(session, partner_id, billing_code):
            raise Conflict(f"partner {partner_id} already has billing code {billing_code}")
    tenant = Tenant(id=tenant_id, name=name, partner_id=partner_id, billing_code=billing_code)
    session.add(tenant)
    session.flush()
    return tenant


def create_servicer(session: Session, tenant_id: int, servicer_id: int, name: str) -> Servicer:
    get_tenant(session, tenant_id)
    if repository.servicer(session, tenant_id, servicer_id) is not None:
        raise Conflict(f"servicer {servicer_id} of tenant {tenant_id} already exists")
    servicer = Servicer(tenant_id=tenant_id, id=servicer_id, name=name)
    session.add(servicer)
    session.flush()
    return servicer


def tenant_for_billing_code(session: Session, partner_id: int, billing_code: str) -> Tenant | None:
    return repository.tenant_by_billing_code(session, partner_id, billing_code)


def partner_owns(session: Session, partner_id: int, tenant_id: int) -> bool:
    tenant = repository.tenant(session, tenant_id)
    return tenant is not None and tenant.partner_id == partner_id


def partner_tenants(session: Session, partner_id: int) -> list[int]:
    """The ids of the partner's tenants."""
    return repository.partner_tenant_ids(session, partner_id)


def find_servicer(session: Session, tenant_id: int, servicer_id: int) -> Servicer | None:
    """The tenant's servicer, if it exists."""
    return repository.servicer(session, tenant_id, servicer_id)


def find_partner(session: Session, partner_id: int) -> Partner | None:
    """The partner, if it exists."""
    return repository.partner(session, partner_id)


def find_tenant(session: Session, tenant_id: int) -> Tenant | None:
    """The tenant, if it exists."""
    return repository.tenant(session, tenant_id)
