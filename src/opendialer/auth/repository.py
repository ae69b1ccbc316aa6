"""Every query on API clients."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from opendialer.auth.models import ApiClient


def client_by_id(session: Session, client_id: str) -> ApiClient | None:
    return session.scalars(select(ApiClient).where(ApiClient.client_id == client_id)).first()


def add_client(session: Session, client: ApiClient) -> ApiClient:
    session.add(client)
    session.flush()
    return client
