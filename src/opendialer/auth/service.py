"""API clients: creating them and exchanging their credentials for access tokens."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session

from opendialer.auth.models import ApiClient
from opendialer.auth.principal import Principal, Role
from opendialer.auth.repository import add_client, client_by_id, clients
from opendialer.auth.tokens import hash_secret, issue_token, verify_secret
from opendialer.db.base import utcnow
from opendialer.errors import Invalid, NotFound, Unauthorized
from opendialer.tenancy.service import find_partner, find_servicer, get_tenant


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str


def principal_for(
    session: Session,
    role: Role,
    *,
    tenant_id: int | None = None,
    servicer_id: int | None = None,
    partner_id: int | None = None,
    subject: str = "cli",
) -> Principal:
    """A principal for `role`, after checking that its tenant, servicer or partner exist."""
    if role is Role.PARTNER_ADMIN:
        if partner_id is None or tenant_id is not None:
            raise Invalid("a partner_admin names a partner, not a tenant")
        if find_partner(session, partner_id) is None:
            raise NotFound(f"partner {partner_id} does not exist")
    else:
        if tenant_id is None or partner_id is not None:
            raise Invalid(f"a {role.value} names a tenant, not a partner")
        get_tenant(session, tenant_id)
        if servicer_id is not None and find_servicer(session, tenant_id, servicer_id) is None:
            raise NotFound(f"servicer {servicer_id} of tenant {tenant_id} does not exist")
    return Principal(subject, role, tenant_id, servicer_id, partner_id)


def create_client(
    session: Session,
    role: Role,
    *,
    tenant_id: int | None = None,
    servicer_id: int | None = None,
    partner_id: int | None = None,
) -> NewClient:
    principal_for(
        session, role, tenant_id=tenant_id, servicer_id=servicer_id, partner_id=partner_id
    )
    client_id = "odc_" + secrets.token_hex(12)
    client_secret = secrets.token_urlsafe(32)
    add_client(
        session,
        ApiClient(
            client_id=client_id,
            secret_hash=hash_secret(client_secret),
            role=role.value,
            tenant_id=tenant_id,
            servicer_id=servicer_id,
            partner_id=partner_id,
        ),
    )
    return NewClient(client_id, client_secret)


@cache
def _decoy_hash() -> str:
    return hash_secret(secrets.token_urlsafe(32))


def token_for_client(
    session: Session, client_id: str, client_secret: str, key: str, ttl_seconds: int
) -> str:
    client: ApiClient | None = None
    if "\x00" not in client_id:  # no client id holds one, and PostgreSQL refuses it in a query
        client = client_by_id(session, client_id)
    if client is None or client.revoked_at is not None:
        # Check anyway, against a hash of the same cost, so that an unknown client id takes as
        # long as a known one with a wrong secret and tells a guesser nothing.
        verify_secret(client_secret, _decoy_hash())
        raise Unauthorized("unknown client or wrong secret")
    if not verify_secret(client_secret, client.secret_hash):
        raise Unauthorized("unknown client or wrong secret")
    principal = Principal(
        subject=client.client_id,
        role=Role(client.role),
        tenant_id=client.tenant_id,
        servicer_id=client.servicer_id,
        partner_id=client.partner_id,
    )
    return issue_token(principal, key, ttl_seconds)


def list_clients(session: Session, *, tenant_id: int | None = None) -> list[ApiClient]:
    return clients(session, tenant_id)


def revoke_client(session: Session, client_id: str) -> bool:
    """Revoke the client: True when it was live until now, False when already revoked."""
    client = client_by_id(session, client_id) if "\x00" not in client_id else None
    if client is None:
        raise NotFound(f"client {client_id} does not exist")
    if client.revoked_at is not None:
        return False
    client.revoked_at = utcnow()
    session.flush()
    return True
