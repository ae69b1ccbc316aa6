"""Fixtures of the loan management tests: a servicer's headers, its book, a second servicer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from opendialer.tenancy.service import create_servicer
from tests.conftest import TokenFactory
from tests.loans.helpers import Book, scoped


@pytest.fixture
def headers(auth: TokenFactory) -> dict[str, str]:
    """An account_admin of tenant 314 acting for servicer 2."""
    return scoped(auth)


@pytest.fixture
def book(client: TestClient, headers: dict[str, str]) -> Book:
    """Servicer 2 of tenant 314."""
    return Book(client, headers)


@pytest.fixture
def west(database: Database, tenants: list[int]) -> int:
    """A second servicer, 3, of tenant 314."""
    with database.transaction() as session:
        create_servicer(session, 314, 3, "Acme West")
    return 3


@pytest.fixture
def west_book(client: TestClient, auth: TokenFactory, west: int) -> Book:
    """Servicer 3 of tenant 314."""
    return Book(client, scoped(auth, servicer=west))


@pytest.fixture
def other_book(client: TestClient, auth: TokenFactory) -> Book:
    """Servicer 7 of tenant 315."""
    return Book(client, scoped(auth, tenant=315, servicer=7))
