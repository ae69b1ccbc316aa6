"""Request dependencies: the request's transaction and the authenticated caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from opendialer.auth.principal import Action, Principal, Role
from opendialer.auth.revocations import Revocations
from opendialer.auth.tokens import read_token
from opendialer.db.base import utcnow
from opendialer.db.session import Database
from opendialer.errors import Forbidden, Invalid, NotFound, Unauthorized
from opendialer.kit.apimodel import whole_number
from opendialer.tenancy.service import find_servicer, partner_owns
from opendialer.web.writes import READ_METHODS, WriteTurns


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


@asynccontextmanager
async def request_transaction(request: Request, *, write: bool) -> AsyncIterator[Session]:
    """The request's transaction: committed when the endpoint returns, rolled back on error.
    A writer first waits its turn (`web/writes.py`), as a coroutine, and keeps it until its
    transaction has ended."""
    if not write:
        async with _transaction(request, write=False) as session:
            yield session
        return
    turns: WriteTurns = request.app.state.write_turns
    async with turns.turn(), _transaction(request, write=True) as session:
        yield session


@asynccontextmanager
async def _transaction(request: Request, *, write: bool) -> AsyncIterator[Session]:
    # Opening the session does no I/O (a writer's BEGIN comes with its first statement, in the
    # endpoint's thread), so it stays on the event loop, as do the dependencies below unless
    # they must query: each hop to a thread costs more than reading one record does, and a
    # writer holding its turn would wait for the hop behind every queued reader. The end gets
    # a limiter of its own, as FastAPI gives a sync dependency's exit, so that it never waits
    # for a pool that busy requests fill up.
    transaction = get_database(request).transaction(write=write, lazy=True)
    session = transaction.__enter__()
    end = CapacityLimiter(1)
    try:
        yield session
    except BaseException as exc:
        with CancelScope(shield=True):
            await to_thread.run_sync(
                transaction.__exit__, type(exc), exc, exc.__traceback__, limiter=end
            )
        raise
    if session.in_transaction():
        await to_thread.run_sync(transaction.__exit__, None, None, None, limiter=end)
    else:
        transaction.__exit__(None, None, None)  # never touched the database: nothing blocks


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's transaction, a writer's unless the method only reads. Every write needs
    a token: one without a valid token is refused before it takes a turn, so that a flood of
    them cannot push the others' writes past their wait."""
    write = request.method not in READ_METHODS
    if write:
        await token_principal(request)
    async with request_transaction(request, write=write) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A transaction that only reads, whatever the method: it waits for no writer."""
    async with request_transaction(request, write=False) as session:
        yield session


# scope="function": commit before the response is sent, so a client that reads right after a
# write sees it, and a failed commit still answers with an error.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
ReadSession = Annotated[Session, Depends(get_read_session, scope="function")]


def current_time() -> datetime:
    """The moment a request acts at: the server's clock."""
    return utcnow()


Now = Annotated[datetime, Depends(current_time)]


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


def named_tenant(request: Request) -> str | None:
    """The tenantid header or tenantid/tenantId query parameter as sent, if any."""
    raw = (
        request.headers.get("tenantid")
        or request.query_params.get("tenantid")
        or request.query_params.get("tenantId")
    )
    return raw or None


def requested_tenant(request: Request) -> int | None:
    """The tenant named by a tenantid header or tenantid/tenantId query parameter, if any."""
    raw = named_tenant(request)
    return None if raw is None else whole_number("tenantid", raw)


async def token_principal(request: Request) -> Principal:
    """The caller exactly as its access token names it, before any tenant is chosen; 401 when
    the token is malformed, forged or expired, or its client revoked or tenant deleted. Read
    once per request: a write's session checks it before the endpoint's role does."""
    known: Principal | None = getattr(request.state, "token_principal", None)
    if known is not None:
        return known
    principal = read_token(bearer_token(request), request.app.state.signing_key)
    revocations: Revocations = request.app.state.revocations
    if revocations.stale() and not revocations.refreshing:
        await run_in_threadpool(revocations.refresh)
    refusal = revocations.refusal(principal)
    if refusal is not None and revocations.may_be_new(principal):
        await run_in_threadpool(revocations.refresh)
        refusal = revocations.refusal(principal)
    if refusal is not None:
        raise Unauthorized(refusal)
    request.state.token_principal = principal
    return principal


async def get_token_principal(request: Request) -> Principal:
    return await token_principal(request)


TokenPrincipal = Annotated[Principal, Depends(get_token_principal)]


async def get_principal(request: Request) -> Principal:
    """The caller acting on one tenant: its own, or for a partner the one it names."""
    # One dependency rather than a chain of them: FastAPI's solving of each costs more than
    # what it does here.
    principal = await token_principal(request)
    tenant = requested_tenant(request)
    if principal.role is Role.PARTNER_ADMIN:
        if tenant is None:
            return principal
        if principal.partner_id is None or not await run_in_threadpool(
            _partner_owns, get_database(request), principal.partner_id, tenant
        ):
            raise NotFound(f"tenant {tenant} not found")
        return Principal(
            principal.subject, principal.role, tenant, principal.servicer_id, principal.partner_id
        )
    if tenant is not None and tenant != principal.tenant_id:
        raise Forbidden(f"tenantid {tenant} does not match the access token's tenant")
    return principal


def _partner_owns(database: Database, partner_id: int, tenant_id: int) -> bool:
    # A read of its own, so that a request that needs no session of its own opens none.
    with database.transaction(write=False) as session:
        return partner_owns(session, partner_id, tenant_id)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


@dataclass(frozen=True, slots=True)
class Scope:
    """The tenant a loan-servicing call acts on and, when named, the one servicer within it."""

    principal: Principal
    tenant: int
    servicer: int | None

    def require_servicer(self) -> int:
        if self.servicer is None:
            raise Invalid("name the servicer with a servicerid header")
        return self.servicer


async def get_scope(request: Request, principal: CurrentPrincipal, session: DbSession) -> Scope:
    """The caller's tenant and servicer: a `servicerid` header (or query parameter) picks the
    servicer, which must match the token's servicer when the token names one."""
    raw = request.headers.get("servicerid") or request.query_params.get("servicerid")
    servicer = principal.servicer_id
    if raw:
        requested = whole_number("servicerid", raw)
        if principal.servicer_id is not None and requested != principal.servicer_id:
            raise Forbidden(f"servicerid {requested} does not match the access token's servicer")
        if await run_in_threadpool(find_servicer, session, principal.tenant, requested) is None:
            raise NotFound(f"servicer {requested} not found")
        servicer = requested
    return Scope(principal, principal.tenant, servicer)


CurrentScope = Annotated[Scope, Depends(get_scope)]


def allowed(action: Action) -> Any:
    """A dependency answering the caller's Principal, once it may do `action` (else 403)."""

    async def check(request: Request) -> Principal:
        principal = await get_principal(request)
        principal.require(action)
        return principal

    return Depends(check)


def scoped(action: Action) -> Any:
    """A dependency answering the caller's Scope, once it may do `action` (else 403)."""

    async def check(scope: CurrentScope) -> Scope:
        scope.principal.require(action)
        return scope

    return Depends(check)


Reader = Annotated[Principal, allowed(Action.READ)]
Locker = Annotated[Principal, allowed(Action.LOCK)]
Writer = Annotated[Principal, allowed(Action.WRITE)]
ScopeReader = Annotated[Scope, scoped(Action.READ)]
ScopeWriter = Annotated[Scope, scoped(Action.WRITE)]
