"""Request dependencies: the request's transaction and the authenticated caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal, Role
from opendialer.auth.tokens import read_token
from opendialer.config import Settings
from opendialer.db.session import Database
from opendialer.errors import Forbidden, Invalid, NotFound, Unauthorized
from opendialer.tenancy.service import partner_owns

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's transaction: committed when the endpoint returns, rolled back on error."""
    write = request.method not in READ_METHODS
    with get_database(request).transaction(write=write) as session:
        yield session


# scope="function": commit before the response is sent, so a client that reads right after a
# write sees it, and a failed commit still answers with an error.
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header or not header.strip():
        raise Unauthorized("the Authorization header is missing")
    parts = header.strip().split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    raise Unauthorized("the Authorization header must be 'Bearer <token>' or the bare token")


def requested_tenant(request: Request) -> int | None:
    """The tenant named by a tenantid header or tenantid/tenantId query parameter, if any."""
    raw = (
        request.headers.get("tenantid")
        or request.query_params.get("tenantid")
        or request.query_params.get("tenantId")
    )
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise Invalid(f"tenantid must be an integer, got {raw!r}") from None


def get_principal(request: Request, session: DbSession) -> Principal:
    principal = read_token(bearer_token(request), request.app.state.signing_key)
    tenant = requested_tenant(request)
    if principal.role is Role.PARTNER_ADMIN:
        if tenant is None:
            return principal
        if principal.partner_id is None or not partner_owns(session, principal.partner_id, tenant):
            raise NotFound(f"tenant {tenant} not found")
        return Principal(
            principal.subject, principal.role, tenant, principal.servicer_id, principal.partner_id
        )
    if tenant is not None and tenant != principal.tenant_id:
        raise Forbidden(f"tenantid {tenant} does not match the access token's tenant")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
