"""GET /call-reports: which role reads which tenant's records, by tenantId or billingCode."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from opendialer.tenancy.service import ensure_partner
from tests.callreports.conftest import admin, cdr, error, load, partner, report, unique_ids
from tests.conftest import TokenFactory

DAY = {"start": "2024-03-01 00:00:00", "end": "2024-03-01 23:59:59", "timezone": "UTC"}


@pytest.fixture
def calls(client: TestClient, auth: TokenFactory) -> None:
    """One call in each of tenants 314 (ACME), 315 (OTHER) and 316 (no partner)."""
    for tenant in (314, 315, 316):
        load(client, admin(auth, tenant), [cdr(f"call-{tenant}", "2024-03-01T12:00:00Z")])


@pytest.mark.parametrize("role", ["account_admin", "reports_admin"])
def test_an_account_user_reads_its_own_tenant(
    client: TestClient, auth: TokenFactory, calls: None, role: str
) -> None:
    headers = auth(role=role, tenant=314)

    assert unique_ids(client, headers, tenantId="314", **DAY) == ["call-314"]


@pytest.mark.parametrize("role", ["account_admin", "reports_admin"])
@pytest.mark.parametrize("other", ["315", "316", "999"])
def test_an_account_user_naming_another_tenant_gets_404(
    client: TestClient, auth: TokenFactory, calls: None, role: str, other: str
) -> None:
    response = report(client, auth(role=role, tenant=314), tenantId=other, **DAY)

    assert f"tenant {other}" in error(response, 404)


@pytest.mark.parametrize("role", ["account_admin", "reports_admin"])
def test_an_account_user_must_give_tenant_id(
    client: TestClient, auth: TokenFactory, calls: None, role: str
) -> None:
    response = report(client, auth(role=role, tenant=314), **DAY)

    assert "tenantId is required" in error(response, 400)


@pytest.mark.parametrize("role", ["account_admin", "reports_admin"])
@pytest.mark.parametrize("with_tenant", [True, False])
def test_billing_code_is_for_partner_admins_only(
    client: TestClient, auth: TokenFactory, calls: None, role: str, with_tenant: bool
) -> None:
    params = {"billingCode": "ACME", **DAY, **({"tenantId": "314"} if with_tenant else {})}

    response = report(client, auth(role=role, tenant=314), **params)

    message = error(response, 400)
    assert "billingCode" in message and "partner" in message


@pytest.mark.parametrize(
    "params",
    [{"tenantId": "314", **DAY}, DAY, {}, {"tenantId": "314", "start": "nonsense"}],
)
def test_an_agent_may_not_read_call_reports_whatever_it_asks(
    client: TestClient, auth: TokenFactory, calls: None, params: dict[str, str]
) -> None:
    response = report(client, auth(role="agent", tenant=314), **params)

    assert "agent" in error(response, 403)


def test_reading_needs_a_valid_token(client: TestClient, calls: None) -> None:
    assert client.get("/call-reports", params={"tenantId": "314", **DAY}).status_code == 401
    forged = {"Authorization": "Bearer not.a.token"}
    assert (
        client.get("/call-reports", params={"tenantId": "314", **DAY}, headers=forged).status_code
        == 401
    )


@pytest.mark.parametrize(("tenant", "expected"), [("314", "call-314"), ("315", "call-315")])
def test_a_partner_admin_names_any_of_its_tenants_by_id(
    client: TestClient, auth: TokenFactory, calls: None, tenant: str, expected: str
) -> None:
    assert unique_ids(client, partner(auth), tenantId=tenant, **DAY) == [expected]


def test_tenantid_in_lower_case_or_as_a_header_names_the_tenant_too(
    client: TestClient, auth: TokenFactory, calls: None
) -> None:
    # As on every other face: a seed client may send the tenant as a tenantid header, or the
    # query name in lower case, and must get that tenant's records only.
    assert unique_ids(client, partner(auth), tenantid="315", **DAY) == ["call-315"]
    by_header = {**partner(auth), "tenantid": "315"}
    assert unique_ids(client, by_header, **DAY) == ["call-315"]
    assert unique_ids(client, admin(auth, 314), tenantid="314", **DAY) == ["call-314"]
    assert "tenant 315" in error(report(client, admin(auth, 314), tenantid="315", **DAY), 404)


@pytest.mark.parametrize(("code", "expected"), [("ACME", "call-314"), ("OTHER", "call-315")])
def test_a_partner_admin_names_any_of_its_tenants_by_billing_code(
    client: TestClient, auth: TokenFactory, calls: None, code: str, expected: str
) -> None:
    assert unique_ids(client, partner(auth), billingCode=code, **DAY) == [expected]


def test_a_partner_admin_may_give_both_when_they_agree(
    client: TestClient, auth: TokenFactory, calls: None
) -> None:
    ids = unique_ids(client, partner(auth), tenantId="315", billingCode="OTHER", **DAY)

    assert ids == ["call-315"]


def test_tenant_id_and_billing_code_of_different_tenants_is_404(
    client: TestClient, auth: TokenFactory, calls: None
) -> None:
    response = report(client, partner(auth), tenantId="314", billingCode="OTHER", **DAY)

    assert "OTHER" in error(response, 404)


@pytest.mark.parametrize("tenant", ["316", "999"])
def test_a_tenant_outside_the_partner_is_404(
    client: TestClient, auth: TokenFactory, calls: None, tenant: str
) -> None:
    response = report(client, partner(auth), tenantId=tenant, **DAY)

    assert f"tenant {tenant}" in error(response, 404)


def test_an_unknown_billing_code_is_404(
    client: TestClient, auth: TokenFactory, calls: None
) -> None:
    response = report(client, partner(auth), billingCode="NOPE", **DAY)

    assert "NOPE" in error(response, 404)


def test_another_partner_reaches_none_of_partner_90s_tenants(
    client: TestClient, auth: TokenFactory, database: Database, calls: None
) -> None:
    with database.transaction() as session:
        ensure_partner(session, 91, "Another Partner")
    stranger = partner(auth, 91)

    error(report(client, stranger, tenantId="314", **DAY), 404)
    error(report(client, stranger, billingCode="ACME", **DAY), 404)
    error(report(client, stranger, **DAY), 404)


def test_a_partner_admin_naming_neither_gets_all_its_tenants(
    client: TestClient, auth: TokenFactory, calls: None
) -> None:
    ids = unique_ids(client, partner(auth), **DAY)

    assert sorted(ids) == ["call-314", "call-315"]


@pytest.mark.parametrize("tenant_id", ["abc", "0", "-5", "1.5", "99999999999"])
def test_a_tenant_id_that_is_not_a_tenant_number_is_400(
    client: TestClient, auth: TokenFactory, calls: None, tenant_id: str
) -> None:
    response = report(client, admin(auth), tenantId=tenant_id, **DAY)

    assert "tenantId" in error(response, 400)
