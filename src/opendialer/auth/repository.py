"""Every query on API clients."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from opendialer.auth.models import ApiClient
from opendialer.db.repository import owned_by


def client_by_id(session: Session, client_id: str) -> ApiClient | None:
    return session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).first()


def add_client(session: Session, client: ApiClient) -> ApiClient:
    session.add(client)
    session.flush()
    return client


def clients(session: Session, tenant_id: int | None = None) -> list[ApiClient]:
    query = select(ApiClient).order_by(ApiClient.created_at, ApiClient.id)
    if tenant_id is not None:
        query = query.where(owned_by(ApiClient, tenant_id))
    return list(session.scalars(query))


def revoked_client_ids(session: Session) -> set[str]:
    query = select(ApiClient.client_id).where(ApiClient.revoked_at.is_not(None))
    return set(session.scalars(query))
