"""Talking to the loan management API and the dialer call list as a client would."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from opendialer.calltracking.models import TrackedCall
from opendialer.db.session import Database
from tests.conftest import TokenFactory

CALLS = "/dialer/calls"
GATEWAY_CALLS = "/dialerapi/dialer/calls"


def scoped(
    auth: TokenFactory, tenant: int = 314, servicer: int | None = 2, role: str = "account_admin"
) -> dict[str, str]:
    """Headers as the seed sends them: a token, `tenantid` and (unless None) `servicerid`."""
    headers = {**auth(role=role, tenant=tenant), "tenantid": str(tenant)}
    if servicer is not None:
        headers["servicerid"] = str(servicer)
    return headers


def data(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def assert_error(response: Response, status: int, *words: str) -> None:
    """The loan-servicing faces' error envelope, naming what is wrong."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["status", "error", "message"]
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    for word in words:
        assert word in body["message"], body["message"]


class Book:
    """One servicer's lenders, borrowers, loans and buckets, created over HTTP."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.numbers = itertools.count(1)
        self.lenders: dict[str, str] = {}

    def lender(self, name: str = "Example Lender", **fields: Any) -> str:
        if name not in self.lenders:
            body = {"lenderName": name, "lenderShortName": name, **fields}
            created = data(self.client.post("/lenders", json=body, headers=self.headers), 201)
            self.lenders[name] = created["lenderId"]
        return self.lenders[name]

    def borrower(self, **fields: Any) -> dict[str, Any]:
        n = next(self.numbers)
        body = {
            "borrowerExternalReferenceId": f"BR-{n}",
            "borrowerFirstName": "Henry",
            "borrowerLastName": "Hudson",
            "borrowerPhoneNumber": f"(303) 555-{n:04d}",
            **fields,
        }
        record: dict[str, Any] = data(
            self.client.post("/borrowers", json=body, headers=self.headers), 201
        )
        return record

    def loan(
        self,
        paid_to: str | date | None,
        status: str = "repayment",
        *,
        lender: str | None = "Example Lender",
        borrower: dict[str, Any] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A loan paid to `paid_to`, with its own borrower unless one is given."""
        borrower = borrower if borrower is not None else self.borrower()
        n = next(self.numbers)
        body = {
            "loanExternalReferenceId": f"LN-{n}",
            "loanNumber": f"{672182867000 + n}",
            "loanStatus": status,
            "loanPaidToDate": paid_to.isoformat() if isinstance(paid_to, date) else paid_to,
            "borrowerId": borrower["borrowerId"],
            **fields,
        }
        if lender is not None:
            body["lenderId"] = self.lender(lender)
        record: dict[str, Any] = data(
            self.client.post("/loans", json=body, headers=self.headers), 201
        )
        record["borrower"] = borrower
        return record

    def bucket(
        self,
        code: str,
        start: int,
        end: int,
        attempts: int = 4,
        contacts: int = 1,
        lender: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "callCode": code,
            "callDaysStart": start,
            "callDaysEnd": end,
            "callAttemptsPerBucket": attempts,
            "callContactsPerBucket": contacts,
        }
        if lender is not None:
            body["lenderId"] = self.lender(lender)
        record: dict[str, Any] = data(
            self.client.post("/buckets", json=body, headers=self.headers), 201
        )
        return record

    def build(self, as_of: str | date) -> list[dict[str, Any]]:
        day = as_of.isoformat() if isinstance(as_of, date) else as_of
        response = self.client.post(CALLS + "/build", params={"asof": day}, headers=self.headers)
        built: list[dict[str, Any]] = data(response)
        return built

    def get(self, path: str = CALLS, **params: Any) -> Response:
        return self.client.get(path, params=params, headers=self.headers)

    def calls(self, **params: Any) -> list[dict[str, Any]]:
        """Every record of a GET /dialer/calls with `params`, on one page of up to 1000."""
        records: list[dict[str, Any]] = data(self.get(limit=1000, **params))
        return records


def track(
    database: Database,
    loan: dict[str, Any],
    when: datetime,
    status: str = "Attempted",
) -> None:
    """A tracked call on `loan` at `when` (aware), as call tracking records it."""
    with database.transaction() as session:
        session.add(
            TrackedCall(
                tenant_id=loan["tenantId"],
                servicer_id=loan["servicerId"],
                loan_id=loan["loanId"],
                borrower_id=loan["borrowerId"],
                phone_number="(303) 696-3303",
                phone_e164="+13036963303",
                call_status=status,
                call_timestamp=when,
                created_by="test",
            )
        )
