"""Explaining the gate through the API: a contact's or a loan's numbers, each allowed or refused
now or at a given time, with every rule that refuses it; and the log of refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from opendialer.compliance.service import ComplianceService
from opendialer.db.session import Database
from opendialer.engine.models import Attempt
from tests.conftest import TokenFactory

# Wednesday 3 June 2026, 11:00 in Chicago (CDT) and 12:00 in New York.
DAYTIME = datetime(2026, 6, 3, 16, 0, tzinfo=UTC)
NIGHT = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # 03:00 in Chicago


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def import_contact(
    client: TestClient, auth: TokenFactory, campaign_id: int, **fields: Any
) -> dict[str, Any]:
    body = {
        "DiallerCampaignsID": campaign_id,
        "Name": "Doe",
        "UserData": "acct-1",
        "PhoneNumber1": "(312) 555-0101",
        "PhoneNumber1LineType": "landline",
        "Region": "IL",
        "PostalCode": "60601",
        **fields,
    }
    response = client.post("/dialler/contacts/import", json=body, headers=auth())
    assert response.status_code == 200, response.text
    record: dict[str, Any] = response.json()["records"][0]
    return record


def explain(
    client: TestClient, auth: TokenFactory, contact_id: int, at: datetime, **headers: Any
) -> dict[str, Any]:
    response = client.get(
        f"/dialler/contacts/{contact_id}/callability",
        params={"at": iso(at)},
        headers=auth(**headers),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def roomy(client: TestClient, auth: TokenFactory, campaign: dict[str, Any]) -> None:
    """Tries enough that the campaign's own limits do not refuse first."""
    response = client.post(
        "/dialler/campaigns/update",
        json={
            "DiallerCampaignsID": campaign["DiallerCampaignsID"],
            "nMaxTriesPerNumber": 50,
            "nMaxTriesPerContact": 50,
        },
        headers=auth(),
    )
    assert response.status_code == 200, response.text


def rules(number: dict[str, Any]) -> list[str]:
    return [refusal["rule"] for refusal in number["refusals"]]


def call(
    client: TestClient, auth: TokenFactory, contact_id: int, start: datetime, **fields: Any
) -> None:
    body = {
        "PhoneNumberOffset": 1,
        "dtCallStart": iso(start),
        "dtCallAlert": iso(start + timedelta(seconds=2)),
        "dtCallEnd": iso(start + timedelta(seconds=30)),
        "CauseCodesID": 19,
        **fields,
    }
    response = client.post(
        f"/dialler/contacts/contact/{contact_id}/results", json=body, headers=auth()
    )
    assert response.status_code == 200, response.text


def test_a_landline_in_daytime_is_allowed_and_at_night_refused_until_eight(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    day = explain(client, auth, contact["ID"], DAYTIME)
    assert day["contactId"] == contact["ID"]
    assert day["at"] == "2026-06-03T16:00:00.000Z"
    assert day["numbers"] == [
        {"offset": 1, "phoneNumber": "+13125550101", "allowed": True, "refusals": []}
    ]
    night = explain(client, auth, contact["ID"], NIGHT)["numbers"][0]
    assert night["allowed"] is False
    [refusal] = night["refusals"]
    assert refusal["rule"] == "calling_hours"
    assert refusal["citation"] == "15 U.S.C. 1692c(a)(1); 12 CFR 1006.6(b)(1)(i)"
    assert refusal["nextAllowedAt"] == "2026-06-03T13:00:00.000Z"  # 08:00 CDT
    assert refusal["reason"]


def test_every_number_is_judged_and_a_cell_needs_consent(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(
        client,
        auth,
        campaign["DiallerCampaignsID"],
        PhoneNumber2="312-555-0102",
        PhoneNumber2LineType="cell",
        PhoneNumber3="312 555 0103",
        PhoneNumber3LineType="cell",
        PhoneNumber3Consent=True,
        PhoneNumber3ConsentDate="2026-01-05T10:00:00",
        PhoneNumber3ConsentSource="application form",
    )
    numbers = explain(client, auth, contact["ID"], DAYTIME)["numbers"]
    assert [(n["offset"], n["allowed"], rules(n)) for n in numbers] == [
        (1, True, []),
        (2, False, ["consent"]),
        (3, True, []),
    ]
    assert numbers[1]["refusals"][0]["nextAllowedAt"] is None
    # Revoked: refused again.
    response = client.post(
        "/dialler/contacts/update",
        json={"ID": contact["ID"], "PhoneNumber3Consent": False},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    numbers = explain(client, auth, contact["ID"], DAYTIME)["numbers"]
    assert rules(numbers[2]) == ["consent"]


def test_the_eighth_call_in_seven_days_is_refused(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    roomy(client, auth, campaign)
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    for day in range(7):
        call(
            client, auth, contact["ID"], DAYTIME - timedelta(days=6) + timedelta(days=day, hours=-1)
        )
    number = explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["frequency_7_in_7"]
    # The first call fell on 28 May (Chicago): from 4 June it is out of the seven days.
    assert number["refusals"][0]["nextAllowedAt"] == "2026-06-04T05:00:00.000Z"


def test_a_call_that_failed_before_it_rang_is_not_counted(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    roomy(client, auth, campaign)
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    for day in range(7):
        call(
            client,
            auth,
            contact["ID"],
            DAYTIME - timedelta(days=6) + timedelta(days=day, hours=-1),
            dtCallAlert=None,
            CauseCodesID=38,
        )
    assert explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]["allowed"] is True


def test_no_call_within_seven_days_after_a_conversation(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    talked = DAYTIME - timedelta(days=2)
    call(
        client,
        auth,
        contact["ID"],
        talked,
        dtCallConnect=iso(talked + timedelta(seconds=5)),
        CauseCodesID=16,
    )
    number = explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["after_conversation"]
    # 1 June was day 1: from 8 June, in every zone the consumer may be in.
    assert number["refusals"][0]["nextAllowedAt"] == "2026-06-08T05:00:00.000Z"


def test_a_locked_contact_and_an_invalid_number_are_refused(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    response = client.patch(f"/dialler/contacts/contact/{contact['ID']}/lock", headers=auth())
    assert response.status_code == 200, response.text
    number = explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["contact_state"]
    assert "locked" in number["refusals"][0]["reason"]


def test_by_user_data_and_for_the_first_contact_with_it(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    first = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="shared")
    import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="shared")
    response = client.get(
        "/dialler/contacts/contact/callability",
        params={"userData": "shared", "at": iso(NIGHT)},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["contactId"] == first["ID"]
    assert rules(response.json()["numbers"][0]) == ["calling_hours"]


def test_bad_input_and_other_tenants_answer_in_the_dialler_envelope(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    bad = client.get(
        f"/dialler/contacts/{contact['ID']}/callability", params={"at": "noon"}, headers=auth()
    )
    assert bad.status_code == 400
    assert bad.json()["status"] == 400
    assert "at must be a date" in bad.json()["message"]
    other = client.get(f"/dialler/contacts/{contact['ID']}/callability", headers=auth(tenant=315))
    assert other.status_code == 404
    assert set(other.json()) == {"status", "message"}
    missing = client.get(
        "/dialler/contacts/contact/callability", params={"userData": "nobody"}, headers=auth()
    )
    assert missing.status_code == 404


def test_another_tenants_dnc_entry_changes_nothing(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    listed = client.post(
        "/compliance/dnc", json={"phoneNumber": "3125550101"}, headers=auth(tenant=315)
    )
    assert listed.status_code == 201, listed.text
    assert explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]["allowed"] is True
    mine = client.post("/compliance/dnc", json={"phoneNumber": "+1 312 555 0101"}, headers=auth())
    assert mine.status_code == 201, mine.text
    number = explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["dnc"]


def test_a_campaigns_dnc_list_refuses_only_in_that_campaign(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    other = client.post("/dialler/campaigns", json={"Name": "Late Stage"}, headers=auth())
    assert other.status_code == 200, other.text
    elsewhere = import_contact(
        client, auth, other.json()["records"][0]["DiallerCampaignsID"], UserData="acct-2"
    )
    listed = client.post(
        "/compliance/dnc",
        json={"phoneNumber": "3125550101", "campaignId": campaign["DiallerCampaignsID"]},
        headers=auth(),
    )
    assert listed.status_code == 201, listed.text
    assert rules(explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]) == ["dnc"]
    assert explain(client, auth, elsewhere["ID"], DAYTIME)["numbers"][0]["allowed"] is True


def test_flags_on_a_contact_refuse_every_number(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"])
    response = client.put(
        f"/compliance/contacts/{contact['ID']}", json={"flags": ["attorney"]}, headers=auth()
    )
    assert response.status_code == 200, response.text
    number = explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["borrower_flag"]
    assert number["refusals"][0]["citation"] == "12 CFR 1006.6(b)(2)"


# -- a loan, on the Velocity side ------------------------------------------------------------


def make_loan(client: TestClient, headers: dict[str, str], **borrower: Any) -> dict[str, Any]:
    created = client.post(
        "/borrowers",
        json={
            "borrowerExternalReferenceId": "B-1",
            "borrowerPhoneNumber": "+16175550123",
            "borrowerPhoneLineType": "landline",
            "borrowerState": "MA",
            "borrowerPostalCode": "02108",
            **borrower,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    loan = client.post(
        "/loans",
        json={
            "loanExternalReferenceId": "L-1",
            "loanStatus": "repayment",
            "borrowerId": created.json()["data"]["borrowerId"],
        },
        headers=headers,
    )
    assert loan.status_code == 201, loan.text
    record: dict[str, Any] = loan.json()["data"]
    return record


def loan_callability(
    client: TestClient, headers: dict[str, str], loan_id: str, at: datetime
) -> dict[str, Any]:
    response = client.get(f"/loans/{loan_id}/callability", params={"at": iso(at)}, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_a_massachusetts_debt_is_called_at_most_twice_in_seven_days(
    client: TestClient, auth: TokenFactory
) -> None:
    headers = auth(servicer=2)
    loan = make_loan(client, headers)
    before = loan_callability(client, headers, loan["loanId"], DAYTIME)
    assert before["numbers"] == [
        {
            "contactId": None,
            "offset": None,
            "phoneNumber": "+16175550123",
            "allowed": True,
            "refusals": [],
        }
    ]
    calls = [
        {
            "loanId": loan["loanId"],
            "phoneNumber": "+16175550123",
            "callStatus": "Attempted",
            "callTimestamp": iso(DAYTIME - timedelta(days=days)),
        }
        for days in (1, 3)
    ]
    response = client.post("/calltracking/calls", json=calls, headers=headers)
    assert response.status_code == 201, response.text
    after = loan_callability(client, headers, loan["loanId"], DAYTIME)
    assert rules(after["numbers"][0]) == ["state_cap"]
    assert after["numbers"][0]["refusals"][0]["citation"] == "940 CMR 7.04(1)(f)"


def test_a_contacted_call_from_call_tracking_is_a_conversation(
    client: TestClient, auth: TokenFactory
) -> None:
    headers = auth(servicer=2)
    loan = make_loan(client, headers, borrowerState="IL", borrowerPostalCode="60601")
    response = client.post(
        "/calltracking/calls",
        json={
            "loanId": loan["loanId"],
            "phoneNumber": "+16175550123",
            "callStatus": "Contacted",
            "callTimestamp": iso(DAYTIME - timedelta(days=1)),
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    after = loan_callability(client, headers, loan["loanId"], DAYTIME)
    assert rules(after["numbers"][0]) == ["after_conversation"]


def test_a_dialler_contact_linked_to_the_loan_shares_its_debt(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    headers = auth(servicer=2)
    loan = make_loan(client, headers, borrowerState="IL", borrowerPostalCode="60601")
    contact = import_contact(client, auth, campaign["DiallerCampaignsID"], LoanID=loan["loanId"])
    # The borrower's flag holds for every contact called about the loan.
    response = client.put(
        f"/compliance/borrowers/{loan['borrowerId']}", json={"flags": ["cease"]}, headers=headers
    )
    assert response.status_code == 200, response.text
    numbers = loan_callability(client, headers, loan["loanId"], DAYTIME)["numbers"]
    assert [(n["contactId"], n["offset"], rules(n)) for n in numbers] == [
        (None, None, ["borrower_flag"]),
        (contact["ID"], 1, ["borrower_flag"]),
    ]
    assert rules(explain(client, auth, contact["ID"], DAYTIME)["numbers"][0]) == ["borrower_flag"]


def test_a_call_under_way_counts_for_its_debt_until_it_is_recorded(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], database: Database
) -> None:
    roomy(client, auth, campaign)
    loan = make_loan(client, auth(servicer=2), borrowerState="IL", borrowerPostalCode="60601")
    first = import_contact(client, auth, campaign["DiallerCampaignsID"], LoanID=loan["loanId"])
    second = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="acct-2",
                            LoanID=loan["loanId"], PhoneNumber1="(312) 555-0102")  # fmt: skip
    for day in range(6):
        call(client, auth, first["ID"], DAYTIME - timedelta(days=6, hours=1) + timedelta(days=day))
    assert rules(explain(client, auth, second["ID"], DAYTIME)["numbers"][0]) == []

    # The engine is calling the first contact: the debt's seventh call, not yet recorded.
    with database.transaction() as session:
        session.add(Attempt(tenant_id=314, campaign_id=campaign["DiallerCampaignsID"],
                            contact_id=first["ID"], engine_id=1, phone_number_offset=1,
                            phone_e164="+13125550101", mode="progressive",
                            started_at=DAYTIME - timedelta(seconds=20)))  # fmt: skip
    number = explain(client, auth, second["ID"], DAYTIME)["numbers"][0]
    assert rules(number) == ["frequency_7_in_7"]


def test_another_servicers_or_tenants_loan_is_not_found(
    client: TestClient, auth: TokenFactory
) -> None:
    loan = make_loan(client, auth(servicer=2))
    for headers in (auth(servicer=3), auth(tenant=315)):
        response = client.get(f"/loans/{loan['loanId']}/callability", headers=headers)
        assert response.status_code == 404
        assert response.json()["status"] == 404


# -- the refusal log -------------------------------------------------------------------------


def test_refusals_of_real_attempts_are_listed_and_counted(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], database: Database
) -> None:
    contact = import_contact(
        client,
        auth,
        campaign["DiallerCampaignsID"],
        PhoneNumber2="+13125550102",
        PhoneNumber2LineType="landline",
    )
    with database.transaction() as session:
        gate = ComplianceService(session, 314)
        judged = gate.judge_contacts(gate.contact_rows([contact["ID"]]), NIGHT)
        assert gate.record(judged, NIGHT) == 2
    response = client.get(
        "/compliance/refusals",
        params={"campaignid": campaign["DiallerCampaignsID"], "rule": "calling_hours"},
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["paging"]["offset"] == 0
    assert [r["phoneNumberOffset"] for r in body["data"]] == [2, 1]
    first = body["data"][1]
    assert first["contactId"] == contact["ID"]
    assert first["phoneNumber"] == "+13125550101"
    assert first["refusedDate"] == "2026-06-03T08:00:00.000Z"
    assert first["nextAllowedDate"] == "2026-06-03T13:00:00.000Z"
    counts = client.get("/compliance/refusals/counts", headers=auth())
    assert counts.json() == {
        "data": [
            {"campaignId": campaign["DiallerCampaignsID"], "rule": "calling_hours", "refusals": 2}
        ]
    }
    # Filtered out, and invisible to another tenant.
    later = client.get("/compliance/refusals", params={"startdate": "2026-06-04"}, headers=auth())
    assert later.json()["data"] == []
    other = client.get("/compliance/refusals", headers=auth(tenant=315))
    assert other.json()["data"] == []
    assert client.get("/compliance/refusals/counts", headers=auth(tenant=315)).json() == {
        "data": []
    }
    bad = client.get("/compliance/refusals", params={"rule": "hours"}, headers=auth())
    assert bad.status_code == 400
    assert "rule must be one of" in bad.json()["message"]


def test_with_borrower_lender_grouping_a_loans_calls_count_for_the_borrowers_other_loans(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any]
) -> None:
    roomy(client, auth, campaign)
    headers = auth(servicer=2)
    grouped = client.patch(
        "/compliance/settings", json={"debtGrouping": "borrower_lender"}, headers=auth()
    )
    assert grouped.status_code == 200, grouped.text
    lender = client.post("/lenders", json={"lenderName": "Example Lender"}, headers=headers)
    assert lender.status_code == 201, lender.text
    lender_id = lender.json()["data"]["lenderId"]
    first = make_loan(client, headers, borrowerState="IL", borrowerPostalCode="60601")
    second = client.post(
        "/loans",
        json={"loanExternalReferenceId": "L-2", "loanStatus": "repayment",
              "borrowerId": first["borrowerId"], "lenderId": lender_id},
        headers=headers,
    )  # fmt: skip
    assert second.status_code == 201, second.text
    changed = client.patch(
        f"/loans/{first['loanId']}", json={"lenderId": lender_id}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    second_id = second.json()["data"]["loanId"]
    # Each loan is called through its own dialler contact, at its own number.
    called = import_contact(client, auth, campaign["DiallerCampaignsID"], LoanID=first["loanId"])
    other = import_contact(client, auth, campaign["DiallerCampaignsID"], UserData="acct-2",
                           LoanID=second_id, PhoneNumber1="(312) 555-0102")  # fmt: skip
    for day in range(7):
        call(client, auth, called["ID"], DAYTIME - timedelta(days=6, hours=1) + timedelta(days=day))

    # The seven calls about the first loan are calls about the one debt both loans make.
    assert rules(explain(client, auth, other["ID"], DAYTIME)["numbers"][0]) == ["frequency_7_in_7"]
    numbers = loan_callability(client, headers, second_id, DAYTIME)["numbers"]
    assert [(n["contactId"], rules(n)) for n in numbers] == [
        (None, ["frequency_7_in_7"]),
        (other["ID"], ["frequency_7_in_7"]),
    ]
    # Grouped by loan again, the second loan's debt has had no call.
    client.patch("/compliance/settings", json={"debtGrouping": "loan"}, headers=auth())
    assert rules(explain(client, auth, other["ID"], DAYTIME)["numbers"][0]) == []
