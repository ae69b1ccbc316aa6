"""`opendialer calllist sync`: a servicer's call list becomes one campaign per call code, one
contact per loan, linked to it; run again it refreshes them, and loans that left the list are
no longer dialed."""

from __future__ import annotations

from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from opendialer.calllist.models import CallListEntry
from opendialer.db.session import Database
from opendialer.demo import load_demo
from opendialer.dialler.models import Campaign, Contact
from opendialer.engine.sync import campaign_name, sync_call_list
from opendialer.errors import NotFound
from opendialer.loans.models import Borrower
from tests.conftest import TokenFactory


def test_each_call_code_becomes_a_campaign_of_its_loans(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    with database.transaction() as session:
        load_demo(session)
        list_date, synced = sync_call_list(session, 314, 2)
        entries = list(session.scalars(select(CallListEntry).where(
            CallListEntry.tenant_id == 314, CallListEntry.list_date == list_date)))  # fmt: skip
        phones = {b.id: b for b in session.scalars(select(Borrower))}
    by_code = Counter(entry.call_code for entry in entries)
    assert {each.name for each in synced} == {campaign_name(code, 2) for code in by_code}
    assert all(each.created for each in synced)
    assert sum(each.imported + each.without_phone for each in synced) == len(entries)

    campaigns = client.get("/dialler/campaigns", headers=auth()).json()["records"]
    named = {c["Name"]: c for c in campaigns}
    entry = entries[0]
    campaign = named[campaign_name(entry.call_code, 2)]
    assert campaign["DialingState"] == "stopped"  # started by a person, not by the sync
    found = client.get(
        "/dialler/contacts/contact", params={"userData": entry.loan_id}, headers=auth()
    ).json()["records"]
    (contact,) = [c for c in found if c["DiallerCampaignsID"] == campaign["DiallerCampaignsID"]]
    borrower = phones[entry.borrower_id or ""]
    assert contact["LoanID"] == entry.loan_id
    assert contact["PhoneNumber1E164"] == borrower.phone_e164
    assert contact["PhoneNumber1Consent"] is borrower.cell_phone_consent
    assert contact["Region"] == borrower.state and contact["PostalCode"] == borrower.postal_code


def test_a_second_sync_refreshes_and_ends_the_loans_that_left(
    client: TestClient, auth: TokenFactory, database: Database
) -> None:
    with database.transaction() as session:
        load_demo(session)
        list_date, first = sync_call_list(session, 314, 2)
        gone = session.scalars(
            select(CallListEntry).where(CallListEntry.list_date == list_date).limit(1)
        ).one()
        session.delete(gone)  # as if the loan had been paid and left today's list
        session.flush()
        _, second = sync_call_list(session, 314, 2)
        left = session.scalars(select(Contact).where(Contact.user_data == gone.loan_id)).all()
    assert not any(each.created for each in second)
    assert sum(each.refreshed for each in second) == sum(each.imported for each in first) - 1
    assert sum(each.imported for each in second) == 0
    assert sum(each.left_the_list for each in second) == 1
    (contact,) = [c for c in left if c.user_data2 == gone.call_code]
    assert contact.dt_end_date is not None and contact.dt_end_date.date() == list_date


def test_sync_is_for_the_tenants_own_list(database: Database) -> None:
    with database.transaction() as session:
        load_demo(session)
        # Tenant 315 has no list of its own; 314's is not its.
        with pytest.raises(NotFound, match="tenant 315 has no call list"):
            sync_call_list(session, 315)
        assert session.scalars(select(Campaign).where(Campaign.tenant_id == 315)).all() == []
