"""Loans to track calls against, created over HTTP as a client would."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from opendialer.tenancy.service import create_servicer
from tests.conftest import TokenFactory

CALLS = "/calltracking/calls"
GATEWAY_CALLS = "/calltrackingapi/calltracking/calls"

LoanFactory = Callable[..., dict[str, Any]]


def scoped(auth: TokenFactory, tenant: int = 314, servicer: int | None = 2) -> dict[str, str]:
    """Headers of an account_admin of `tenant`, naming `servicer` as the seed does."""
    headers = {**auth(tenant=tenant), "tenantid": str(tenant)}
    if servicer is not None:
        headers["servicerid"] = str(servicer)
    return headers


def call(loan: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A call record to post for `loan`: Attempted, on the borrower's number, in 2024."""
    return {
        "loanId": loan["loanId"],
        "phoneNumber": "(312) 555-0100",
        "callStatus": "Attempted",
        "callTimestamp": "2024-03-01T15:00:00.000Z",
        **fields,
    }


@pytest.fixture
def west(database: Database, tenants: list[int]) -> int:
    """A second servicer, 3, of tenant 314."""
    with database.transaction() as session:
        create_servicer(session, 314, 3, "Acme West")
    return 3


@pytest.fixture
def new_loan(client: TestClient, auth: TokenFactory) -> LoanFactory:
    """Creates a borrower and a loan in repayment for them; answers the loan's record."""
    numbers = itertools.count(1)

    def make(tenant: int = 314, servicer: int = 2, phone: str = "(312) 555-0100") -> dict[str, Any]:
        n = next(numbers)
        headers = scoped(auth, tenant, servicer)
        borrower = client.post(
            "/borrowers",
            json={"borrowerExternalReferenceId": f"B-{n}", "borrowerPhoneNumber": phone},
            headers=headers,
        )
        assert borrower.status_code == 201, borrower.text
        loan = client.post(
            "/loans",
            json={
                "loanStatus": "repayment",
                "loanExternalReferenceId": f"L-{n}",
                "borrowerId": borrower.json()["data"]["borrowerId"],
            },
            headers=headers,
        )
        assert loan.status_code == 201, loan.text
        record: dict[str, Any] = loan.json()["data"]
        return record

    return make


@pytest.fixture
def loan(new_loan: LoanFactory) -> dict[str, Any]:
    """A loan of tenant 314, servicer 2."""
    return new_loan()
