"""Consumer flags and inconvenient times (`/compliance/borrowers/...`,
`/compliance/contacts/...`) and the tenant's compliance settings (`/compliance/settings`),
over HTTP: set, replace and clear; bad input; roles; another tenant's or servicer's consumer
never reached; and the columns the compliance gate reads, written exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opendialer.db.session import Database
from opendialer.dialler.models import Contact
from opendialer.loans.models import Borrower
from opendialer.tenancy.models import Tenant
from opendialer.tenancy.service import create_servicer
from tests.conftest import TokenFactory
from tests.loans.helpers import Book, assert_error, data, scoped

NIGHT = {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "21:00", "to": "08:00"}
SUNDAY = {"days": ["sun"], "from": "10:00", "to": "12:30"}


@pytest.fixture
def headers(auth: TokenFactory) -> dict[str, str]:
    """An account_admin of tenant 314 acting for servicer 2."""
    return scoped(auth)


@pytest.fixture
def borrower(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """A borrower of servicer 2 of tenant 314."""
    return Book(client, headers).borrower()


@pytest.fixture
def other_borrower(client: TestClient, auth: TokenFactory) -> dict[str, Any]:
    """A borrower of servicer 7 of tenant 315."""
    return Book(client, scoped(auth, tenant=315, servicer=7)).borrower()


def new_contact(client: TestClient, headers: dict[str, str], name: str) -> dict[str, Any]:
    """A dialler contact in a campaign of its own, of the tenant `headers` name."""
    response = client.post("/dialler/campaigns", json={"Name": name}, headers=headers)
    assert response.status_code == 200, response.text
    campaign_id = response.json()["records"][0]["DiallerCampaignsID"]
    body = {"DiallerCampaignsID": campaign_id, "Name": name, "PhoneNumber1": "3125550100"}
    response = client.post("/dialler/contacts/import", json=body, headers=headers)
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


@pytest.fixture
def contact(client: TestClient, auth: TokenFactory) -> dict[str, Any]:
    """A dialler contact of tenant 314."""
    return new_contact(client, auth(), "Doe")


@pytest.fixture
def other_contact(client: TestClient, auth: TokenFactory) -> dict[str, Any]:
    """A dialler contact of tenant 315."""
    return new_contact(client, auth(tenant=315), "Roe")


def borrower_path(borrower: dict[str, Any]) -> str:
    return f"/compliance/borrowers/{borrower['borrowerId']}"


def contact_path(contact: dict[str, Any]) -> str:
    return f"/compliance/contacts/{contact['ID']}"


def stored(database: Database, model: type[Borrower | Contact], row_id: Any) -> tuple[Any, Any]:
    """The columns the compliance gate reads: compliance_flags and inconvenient_times."""
    with database.transaction() as session:
        row = session.get(model, row_id)
        assert isinstance(row, Borrower | Contact)
        return row.compliance_flags, row.inconvenient_times


# -- borrowers -------------------------------------------------------------------------------


def test_a_new_borrower_has_no_flags_and_no_inconvenient_times(
    client: TestClient, headers: dict[str, str], borrower: dict[str, Any]
) -> None:
    holds = data(client.get(borrower_path(borrower), headers=headers))

    assert holds == {
        "borrowerId": borrower["borrowerId"],
        "flags": [],
        "inconvenientTimes": [],
        "updatedDate": borrower["updatedDate"],
    }


def test_put_sets_a_borrowers_flags_and_times_and_stores_them_as_the_gate_reads_them(
    client: TestClient, headers: dict[str, str], borrower: dict[str, Any], database: Database
) -> None:
    body = {
        "flags": ["deceased", "cease"],
        "inconvenientTimes": [{**NIGHT, "days": ["fri", "mon"]}, SUNDAY],
    }

    holds = data(client.put(borrower_path(borrower), json=body, headers=headers))

    # Flags come in the order cease, attorney, bankruptcy, deceased; days from Monday.
    assert holds["flags"] == ["cease", "deceased"]
    assert holds["inconvenientTimes"] == [
        {"days": ["mon", "fri"], "from": "21:00", "to": "08:00"},
        SUNDAY,
    ]
    assert data(client.get(borrower_path(borrower), headers=headers)) == holds
    record = data(client.get(f"/borrowers/{borrower['borrowerId']}", headers=headers))
    assert holds["updatedDate"] == record["updatedDate"] >= borrower["updatedDate"]
    flags, times = stored(database, Borrower, borrower["borrowerId"])
    assert flags == "cease,deceased"
    assert json.loads(times) == [
        {"days": [0, 4], "from": "21:00", "to": "08:00"},
        {"days": [6], "from": "10:00", "to": "12:30"},
    ]


def test_put_replaces_what_it_sends_and_leaves_what_it_does_not(
    client: TestClient, headers: dict[str, str], borrower: dict[str, Any], database: Database
) -> None:
    path = borrower_path(borrower)
    client.put(path, json={"flags": ["attorney"], "inconvenientTimes": [NIGHT]}, headers=headers)

    flags_only = data(client.put(path, json={"flags": ["bankruptcy"]}, headers=headers))
    times_only = data(client.put(path, json={"inconvenientTimes": [SUNDAY]}, headers=headers))
    nothing = data(client.put(path, json={}, headers=headers))

    assert (flags_only["flags"], flags_only["inconvenientTimes"]) == (["bankruptcy"], [NIGHT])
    assert (times_only["flags"], times_only["inconvenientTimes"]) == (["bankruptcy"], [SUNDAY])
    assert nothing == times_only
    assert stored(database, Borrower, borrower["borrowerId"])[0] == "bankruptcy"


@pytest.mark.parametrize("empty", [[], None])
def test_an_empty_list_or_null_clears_and_stores_null(
    client: TestClient,
    headers: dict[str, str],
    borrower: dict[str, Any],
    database: Database,
    empty: list[Any] | None,
) -> None:
    path = borrower_path(borrower)
    client.put(path, json={"flags": ["cease"], "inconvenientTimes": [NIGHT]}, headers=headers)

    cleared = data(client.put(path, json={"flags": empty}, headers=headers))
    assert (cleared["flags"], cleared["inconvenientTimes"]) == ([], [NIGHT])
    cleared = data(client.put(path, json={"inconvenientTimes": empty}, headers=headers))

    assert (cleared["flags"], cleared["inconvenientTimes"]) == ([], [])
    assert stored(database, Borrower, borrower["borrowerId"]) == (None, None)


def test_a_range_past_midnight_and_twenty_ranges_are_kept(
    client: TestClient, headers: dict[str, str], borrower: dict[str, Any]
) -> None:
    ranges = [
        {"days": ["sat"], "from": f"{hour:02d}:00", "to": f"{(hour + 5) % 24:02d}:59"}
        for hour in range(20)
    ]

    holds = data(
        client.put(borrower_path(borrower), json={"inconvenientTimes": ranges}, headers=headers)
    )

    assert holds["inconvenientTimes"] == ranges
    assert ranges[19] == {"days": ["sat"], "from": "19:00", "to": "00:59"}


def one_range(**fields: Any) -> dict[str, Any]:
    """A body of one inconvenient time: NIGHT with `fields` changed."""
    return {"inconvenientTimes": [{**NIGHT, **fields}]}


FIRST = "inconvenientTimes[0]"
# Bodies answered 400, and what the message names.
BAD_BODIES: dict[str, tuple[Any, str]] = {
    "unknown flag": ({"flags": ["cease", "fraud"]}, "flags[1]"),
    "flag in capitals": ({"flags": ["Cease"]}, "flags[0]"),
    "flag twice": ({"flags": ["cease", "attorney", "cease"]}, "flags: Value error, cease is sent"),
    "flags not a list": ({"flags": "cease"}, "flags"),
    "unknown day": (one_range(days=["monday"]), f"{FIRST}.days[0]"),
    "day twice": (one_range(days=["sun", "sun"]), f"{FIRST}.days: Value error, sun is sent twice"),
    "no day": (one_range(days=[]), f"{FIRST}.days"),
    "no days field": ({"inconvenientTimes": [{"to": "08:00"}]}, f"{FIRST}.days is required"),
    "hour 24": ({"inconvenientTimes": [SUNDAY, {**NIGHT, "from": "24:00"}]}, "Times[1].from"),
    "hour without its zero": (one_range(**{"from": "9:00"}), f"{FIRST}.from"),
    "seconds": (one_range(to="08:00:00"), f"{FIRST}.to"),
    "time as a number": (one_range(to=800), f"{FIRST}.to"),
    "from equals to": (one_range(to="21:00"), f"{FIRST}.to"),
    "21 ranges": ({"inconvenientTimes": [NIGHT] * 21}, "inconvenientTimes"),
    "unknown field in a range": (one_range(zone="UTC"), f"{FIRST}.zone is not a known field"),
    "unknown field": ({"flags": [], "borrowerId": "x"}, "borrowerId is not a known field"),
    "array body": ([{"flags": []}], "request body"),
}  # fmt: skip


@pytest.mark.parametrize("body, named", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    client: TestClient,
    auth: TokenFactory,
    headers: dict[str, str],
    borrower: dict[str, Any],
    contact: dict[str, Any],
    body: Any,
    named: str,
) -> None:
    kept = {"flags": ["attorney"], "inconvenientTimes": [NIGHT]}
    for path, sent in ((borrower_path(borrower), headers), (contact_path(contact), auth())):
        before = data(client.put(path, json=kept, headers=sent))

        assert_error(client.put(path, json=body, headers=sent), 400, named)

        assert data(client.get(path, headers=sent)) == before


def test_ids_that_cannot_be_ids_are_400(
    client: TestClient, auth: TokenFactory, headers: dict[str, str]
) -> None:
    assert_error(client.get("/compliance/contacts/abc", headers=auth()), 400, "diallerContactsID")
    assert_error(
        client.get("/compliance/borrowers/" + "x" * 37, headers=headers), 400, "borrowerId"
    )


def test_an_unknown_id_is_404(
    client: TestClient, auth: TokenFactory, headers: dict[str, str]
) -> None:
    assert_error(client.get("/compliance/contacts/999999", headers=auth()), 404, "999999")
    assert_error(
        client.put("/compliance/borrowers/no-such", json={"flags": []}, headers=headers),
        404,
        "no-such",
    )


# -- dialler contacts ------------------------------------------------------------------------


def test_a_contacts_holds_are_set_replaced_and_cleared(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any], database: Database
) -> None:
    path = contact_path(contact)
    assert data(client.get(path, headers=auth())) == {
        "contactId": contact["ID"],
        "flags": [],
        "inconvenientTimes": [],
        "updatedDate": contact["dtUpdated"] + "Z",
    }

    body = {"flags": ["bankruptcy", "attorney"], "inconvenientTimes": [NIGHT]}
    holds = data(client.put(path, json=body, headers=auth()))

    assert (holds["contactId"], holds["flags"]) == (contact["ID"], ["attorney", "bankruptcy"])
    assert holds["inconvenientTimes"] == [NIGHT]
    assert data(client.get(path, headers=auth())) == holds
    flags, times = stored(database, Contact, contact["ID"])
    assert flags == "attorney,bankruptcy"
    assert json.loads(times) == [{"days": [0, 1, 2, 3, 4], "from": "21:00", "to": "08:00"}]
    # The contact's own record says it changed then.
    record = client.get(f"/dialler/contacts/{contact['ID']}", headers=auth()).json()["records"][0]
    assert holds["updatedDate"] == record["dtUpdated"] + "Z"

    replaced = data(client.put(path, json={"inconvenientTimes": [SUNDAY]}, headers=auth()))
    assert (replaced["flags"], replaced["inconvenientTimes"]) == (
        ["attorney", "bankruptcy"],
        [SUNDAY],
    )
    cleared = data(client.put(path, json={"flags": [], "inconvenientTimes": []}, headers=auth()))
    assert (cleared["flags"], cleared["inconvenientTimes"]) == ([], [])
    assert stored(database, Contact, contact["ID"]) == (None, None)


def test_a_contacts_holds_are_kept_when_its_fields_are_updated(
    client: TestClient, auth: TokenFactory, contact: dict[str, Any]
) -> None:
    path = contact_path(contact)
    holds = data(
        client.put(path, json={"flags": ["cease"], "inconvenientTimes": [NIGHT]}, headers=auth())
    )

    response = client.post(
        "/dialler/contacts/update", json={"ID": contact["ID"], "Company": "Acme"}, headers=auth()
    )

    assert response.status_code == 200, response.text
    after = data(client.get(path, headers=auth()))
    assert (after["flags"], after["inconvenientTimes"]) == (
        holds["flags"],
        holds["inconvenientTimes"],
    )


# -- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reports_admin", "agent"])
def test_readers_read_holds_and_settings_but_may_not_change_them(
    client: TestClient,
    auth: TokenFactory,
    borrower: dict[str, Any],
    contact: dict[str, Any],
    role: str,
) -> None:
    reader = scoped(auth, role=role)
    for path in (borrower_path(borrower), contact_path(contact)):
        assert data(client.get(path, headers=reader))["flags"] == []
        assert_error(client.put(path, json={"flags": ["cease"]}, headers=reader), 403, role)
        assert data(client.get(path, headers=reader))["flags"] == []
    assert data(client.get("/compliance/settings", headers=reader)) == {"debtGrouping": "loan"}
    change = {"debtGrouping": "borrower_lender"}
    assert_error(client.patch("/compliance/settings", json=change, headers=reader), 403, role)
    assert data(client.get("/compliance/settings", headers=reader)) == {"debtGrouping": "loan"}


def test_a_partner_admin_reaches_the_holds_of_the_tenant_it_names(
    client: TestClient,
    auth: TokenFactory,
    other_borrower: dict[str, Any],
    other_contact: dict[str, Any],
) -> None:
    partner = auth(role="partner_admin", partner=90)
    for path in (borrower_path(other_borrower), contact_path(other_contact)):
        holds = client.put(path, json={"flags": ["cease"]}, headers={**partner, "tenantid": "315"})
        assert data(holds)["flags"] == ["cease"]
        assert_error(client.get(path, headers={**partner, "tenantid": "316"}), 404, "316")
        assert_error(client.get(path, headers=partner), 400, "tenantid")


# -- tenant and servicer isolation -----------------------------------------------------------


def test_another_tenants_borrower_and_contact_answer_404_and_are_never_changed(
    client: TestClient,
    auth: TokenFactory,
    headers: dict[str, str],
    other_borrower: dict[str, Any],
    other_contact: dict[str, Any],
    database: Database,
) -> None:
    theirs = {
        borrower_path(other_borrower): scoped(auth, tenant=315, servicer=7),
        contact_path(other_contact): auth(tenant=315),
    }
    kept = {"flags": ["deceased"], "inconvenientTimes": [SUNDAY]}
    before = {
        path: data(client.put(path, json=kept, headers=sent)) for path, sent in theirs.items()
    }
    ours = {borrower_path(other_borrower): headers, contact_path(other_contact): auth()}

    for path, sent in ours.items():
        assert_error(client.get(path, headers=sent), 404, "not found")
        assert_error(client.put(path, json={"flags": []}, headers=sent), 404, "not found")
        # Naming the other tenant is refused, not a way in.
        assert_error(client.get(path, headers={**sent, "tenantid": "315"}), 403, "tenantid")

    for path, sent in theirs.items():
        assert data(client.get(path, headers=sent)) == before[path]
    assert stored(database, Borrower, other_borrower["borrowerId"])[0] == "deceased"
    assert stored(database, Contact, other_contact["ID"])[0] == "deceased"


def test_a_servicer_reaches_only_its_own_borrowers(
    client: TestClient,
    auth: TokenFactory,
    headers: dict[str, str],
    database: Database,
    tenants: list[int],
) -> None:
    with database.transaction() as session:
        create_servicer(session, 314, 3, "Acme West")
    west = Book(client, scoped(auth, servicer=3)).borrower()
    path = borrower_path(west)

    assert_error(client.get(path, headers=headers), 404, "not found")
    assert_error(client.put(path, json={"flags": ["cease"]}, headers=headers), 404, "not found")
    servicer_token = {**auth(servicer=2), "tenantid": "314"}
    assert_error(client.get(path, headers=servicer_token), 404, "not found")

    whole_tenant = scoped(auth, servicer=None)
    assert data(client.get(path, headers=whole_tenant))["flags"] == []
    changed = client.put(path, json={"flags": ["attorney"]}, headers=whole_tenant)
    assert data(changed)["flags"] == ["attorney"]
    assert data(client.get(path, headers=scoped(auth, servicer=3)))["flags"] == ["attorney"]


# -- compliance settings ---------------------------------------------------------------------


def tenant_grouping(database: Database, tenant_id: int) -> str:
    with database.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        return tenant.debt_grouping


def test_debt_grouping_is_loan_until_changed_and_changes_only_the_callers_tenant(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    assert data(client.get("/compliance/settings", headers=auth())) == {"debtGrouping": "loan"}

    changed = client.patch(
        "/compliance/settings", json={"debtGrouping": "borrower_lender"}, headers=auth()
    )

    assert data(changed) == {"debtGrouping": "borrower_lender"}
    assert data(client.get("/compliance/settings", headers=auth())) == data(changed)
    assert tenant_grouping(database, 314) == "borrower_lender"
    other = auth(tenant=315)
    assert data(client.get("/compliance/settings", headers=other)) == {"debtGrouping": "loan"}
    assert tenant_grouping(database, 315) == "loan"
    # A body without the field leaves it; "loan" sets it back.
    assert data(client.patch("/compliance/settings", json={}, headers=auth())) == data(changed)
    back = client.patch("/compliance/settings", json={"debtGrouping": "loan"}, headers=auth())
    assert data(back) == {"debtGrouping": "loan"}


def test_a_partner_admin_changes_the_settings_of_the_tenant_it_names(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    partner = {**auth(role="partner_admin", partner=90), "tenantid": "315"}

    changed = client.patch(
        "/compliance/settings", json={"debtGrouping": "borrower_lender"}, headers=partner
    )

    assert data(changed) == {"debtGrouping": "borrower_lender"}
    assert (tenant_grouping(database, 314), tenant_grouping(database, 315)) == (
        "loan",
        "borrower_lender",
    )


@pytest.mark.parametrize(
    "body, named",
    [
        ({"debtGrouping": "borrower"}, "debtGrouping"),
        ({"debtGrouping": "LOAN"}, "debtGrouping"),
        ({"debtGrouping": None}, "debtGrouping"),
        ({"debtGrouping": 1}, "debtGrouping"),
        ({"debtgrouping": "loan"}, "debtgrouping is not a known field"),
    ],
)
def test_a_debt_grouping_that_is_neither_is_400_and_changes_nothing(
    client: TestClient, auth: TokenFactory, database: Database, body: Any, named: str
) -> None:
    assert_error(client.patch("/compliance/settings", json=body, headers=auth()), 400, named)

    assert tenant_grouping(database, 314) == "loan"


def test_an_unknown_compliance_path_answers_in_the_velocity_envelope(
    client: TestClient, auth: TokenFactory
) -> None:
    assert_error(client.get("/compliance/nothing", headers=auth()), 404, "no such path")
    assert_error(client.post("/compliance/settings", json={}, headers=auth()), 405, "POST")
