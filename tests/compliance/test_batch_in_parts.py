"""A large batch is looked up and judged in parts (on PostgreSQL, the next part's look-ups are
sent while a part is judged): every contact is decided as it would be alone, a debt's calls
counting across the parts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from opendialer.compliance.service import PART, ComplianceService, Judgement
from opendialer.db.session import Database
from opendialer.dialler.schemas import ContactImport
from opendialer.dialler.service import ContactService
from tests.compliance.test_callability_api import (
    DAYTIME,
    call,
    import_contact,
    make_loan,
    roomy,
)
from tests.conftest import TokenFactory

# Area codes of four zones (New York, Chicago, Denver, Los Angeles), with their states.
PLACES = [("212", "NY", "10001"), ("312", "IL", "60601"), ("303", "CO", "80202"),
          ("213", "CA", "90012")]  # fmt: skip
CONTACTS = 3 * PART


def decided(judgement: Judgement) -> tuple[Any, ...]:
    refusals = judgement.decision.refusals
    return (
        judgement.contact_id,
        judgement.offset,
        judgement.e164,
        tuple((refusal.rule, refusal.next_allowed_at) for refusal in refusals),
    )


def test_a_batch_in_parts_decides_each_contact_as_alone(
    client: TestClient, auth: TokenFactory, campaign: dict[str, Any], database: Database
) -> None:
    roomy(client, auth, campaign)
    campaign_id = campaign["DiallerCampaignsID"]
    loan = make_loan(client, auth(servicer=2), borrowerState="IL", borrowerPostalCode="60601")
    # The loan's first contact is in the batch's first part, its second in the last part.
    first = import_contact(client, auth, campaign_id, LoanID=loan["loanId"])
    for day in range(7):
        call(client, auth, first["ID"], DAYTIME - timedelta(days=6, hours=1) + timedelta(days=day))
    with database.transaction() as session:
        contacts = ContactService(session, 314)
        for n in range(CONTACTS):
            code, state, postal_code = PLACES[n % len(PLACES)]
            body = {
                "DiallerCampaignsID": campaign_id,
                "Name": f"Doe {n}",
                "UserData": f"acct-{n}",
                "PhoneNumber1": f"({code}) 555-{n:04d}",
                "PhoneNumber1LineType": ("landline", "cell", "unknown")[n % 3],
                "PhoneNumber2": f"+1{code}556{n:04d}",
                "PhoneNumber2LineType": "landline",
                "Region": state,
                "PostalCode": postal_code,
            }
            contacts.import_contact(ContactImport.model_validate(body), overwrite=False)
    last = import_contact(client, auth, campaign_id, LoanID=loan["loanId"], UserData="acct-z",
                          PhoneNumber1="(312) 555-0199")  # fmt: skip

    with database.transaction() as session:
        gate = ComplianceService(session, 314)
        rows = gate.contact_rows(range(first["ID"], last["ID"] + 1))
        assert len(rows) == CONTACTS + 2
        together = [decided(judgement) for judgement in gate.judge_contacts(rows, DAYTIME)]
        alone = [decided(j) for row in rows for j in gate.judge_contacts([row], DAYTIME)]
    assert together == alone
    by_contact = {contact_id: refusals for contact_id, _, _, refusals in together}
    # Seven calls about the loan through its first contact: the last one, parts apart, may
    # not be called either.
    assert [rule for rule, _ in by_contact[last["ID"]]] == ["frequency_7_in_7"]
    assert [rule for rule, _ in by_contact[first["ID"]]] == ["frequency_7_in_7"]
    assert sum(1 for _, _, _, refusals in together if not refusals) > CONTACTS // 2
