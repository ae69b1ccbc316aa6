"""Roles, what each may do, and the Principal that every service receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from opendialer.errors import Forbidden, Invalid


class Role(StrEnum):
    PARTNER_ADMIN = "partner_admin"
    ACCOUNT_ADMIN = "account_admin"
    REPORTS_ADMIN = "reports_admin"
    AGENT = "agent"


class Action(StrEnum):
    READ = "read"  # list and fetch, including call history
    LOCK = "lock"  # lock and unlock contacts
    WRITE = "write"  # create, change, delete, reset, record results


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.PARTNER_ADMIN: frozenset(Action),
    Role.ACCOUNT_ADMIN: frozenset(Action),
    Role.REPORTS_ADMIN: frozenset({Action.READ}),
    Role.AGENT: frozenset({Action.READ, Action.LOCK}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the role and the tenant (and servicer, partner) the token names."""

    subject: str
    role: Role
    tenant_id: int | None
    servicer_id: int | None = None
    partner_id: int | None = None

    def require(self, action: Action) -> None:
        if action not in ALLOWED[self.role]:
            raise Forbidden(f"role {self.role.value} may not {action.value} here")

    @property
    def tenant(self) -> int:
        """The tenant this call acts on; a partner names it with the tenantid header or query."""
        if self.tenant_id is None:
            raise Invalid("name the tenant with a tenantid header or query parameter")
        return self.tenant_id
