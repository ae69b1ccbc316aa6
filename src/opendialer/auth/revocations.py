"""Tokens that no longer hold although their signature and lifetime do: those of a revoked
client, and those of a tenant or partner that no longer exists.

A token is checked against a copy of what the database says, read again when it is older than
the refresh interval, so that checking a token costs no query; a revoked client's tokens stop
working within that interval in every process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from opendialer.auth.principal import Principal
from opendialer.auth.repository import revoked_client_ids
from opendialer.db.session import Database
from opendialer.tenancy.repository import partner_ids, tenant_ids


@dataclass(frozen=True)
class Standing:
    """What the database said at one moment: who may still hold tokens."""

    revoked_clients: frozenset[str]
    tenants: frozenset[int]
    partners: frozenset[int]

    def refusal(self, principal: Principal) -> str | None:
        """Why the principal's tokens no longer hold, or None."""
        if principal.subject in self.revoked_clients:
            return "the access token's client has been revoked"
        if principal.tenant_id is not None and principal.tenant_id not in self.tenants:
            return "the access token's tenant no longer exists"
        if principal.partner_id is not None and principal.partner_id not in self.partners:
            return "the access token's partner no longer exists"
        return None


class Revocations:
    """The service's copy of the standing of clients, tenants and partners."""

    def __init__(
        self,
        database: Database,
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.refresh_seconds = refresh_seconds
        self.clock = clock
        self.refreshing = False
        self._read_at = float("-inf")
        self._standing: Standing | None = None

    def stale(self) -> bool:
        return self.clock() - self._read_at >= self.refresh_seconds

    def refresh(self) -> None:
        """Read the standing again (blocking: call it from a thread, or at start)."""
        self.refreshing = True
        try:
            started = self.clock()
            with self.database.transaction(write=False) as session:
                standing = Standing(
                    frozenset(revoked_client_ids(session)),
                    frozenset(tenant_ids(session)),
                    frozenset(partner_ids(session)),
                )
            self._standing, self._read_at = standing, started
        finally:
            self.refreshing = False

    def refusal(self, principal: Principal) -> str | None:
        """Why the principal's tokens no longer hold, as last read, or None."""
        if self._standing is None:
            self.refresh()
        assert self._standing is not None
        return self._standing.refusal(principal)

    def may_be_new(self, principal: Principal) -> bool:
        """Whether the principal names a tenant or partner not known at the last read, which
        may have been made since: read again before refusing it."""
        assert self._standing is not None
        standing = self._standing
        return (
            principal.tenant_id is not None and principal.tenant_id not in standing.tenants
        ) or (principal.partner_id is not None and principal.partner_id not in standing.partners)
