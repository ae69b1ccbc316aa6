"""From a servicer's dialer call list to campaigns: one campaign per call code, one contact per
loan on the list (UserData and LoanID the loan's id, the borrower's phone, consent, line type
and address), so that the day's list is dialed without any export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from opendialer.calllist.models import CallListEntry
from opendialer.calllist.repository import CallListRepository
from opendialer.dialler.models import Campaign
from opendialer.dialler.schemas import CampaignCreate, ContactImport
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.engine.repository import EngineRepository
from opendialer.errors import NotFound


@dataclass
class Synced:
    """What a sync did to one campaign."""

    campaign_id: int
    name: str
    created: bool
    imported: int = 0
    refreshed: int = 0
    without_phone: int = 0
    left_the_list: int = 0


def campaign_name(call_code: str, servicer_id: int) -> str:
    return f"Call list {call_code} (servicer {servicer_id})"


def sync_call_list(
    session: Session, tenant_id: int, servicer_id: int | None = None
) -> tuple[date, list[Synced]]:
    """Make or refresh the campaigns of the latest call list of the tenant (or one servicer).
    A loan that left the list keeps its contact, history and all, but is not dialed again
    (its end date is the list's day) until it comes back."""
    lists = CallListRepository(session, tenant_id)
    list_date = lists.latest_date(servicer_id)
    if list_date is None:
        raise NotFound(f"tenant {tenant_id} has no call list to sync; build one first")
    entries = lists.entries(list_date, servicer_id)
    borrowers = lists.borrowers({e.borrower_id for e in entries if e.borrower_id})
    groups: defaultdict[tuple[int, str], list[CallListEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.servicer_id, entry.call_code)].append(entry)
    campaigns = CampaignService(session, tenant_id)
    contacts = ContactService(session, tenant_id)
    done = []
    for (servicer, call_code), listed in sorted(groups.items()):
        name = campaign_name(call_code, servicer)
        campaign = campaigns.campaigns.by_name(name)
        synced = Synced(0, name, created=campaign is None)
        if campaign is None:
            campaign = campaigns.create(CampaignCreate.model_validate({"Name": name}))
        synced.campaign_id = campaign.id
        bodies = []
        for entry in listed:
            body = _contact(campaign, entry, borrowers.get(entry.borrower_id or ""))
            if body is None:
                synced.without_phone += 1
            else:
                bodies.append(ContactImport.model_validate(body))
        counts = contacts.import_many(campaign, bodies, overwrite=True)
        synced.imported, synced.refreshed = counts.imported, counts.overwritten
        synced.left_the_list = EngineRepository(session, tenant_id).end_all_but(
            campaign.id, {e.loan_id for e in listed}, datetime.combine(list_date, time(0))
        )
        done.append(synced)
    return list_date, done


def _contact(campaign: Campaign, entry: CallListEntry, borrower: Any) -> dict[str, Any] | None:
    """The contact of a list entry, as an import would send it; None without a phone."""
    if borrower is None or not borrower.phone_number:
        return None
    return {
        "DiallerCampaignsID": campaign.id,
        "UserData": entry.loan_id,
        "LoanID": entry.loan_id,
        "UserData2": entry.call_code,
        "Name": borrower.last_name or borrower.first_name or entry.loan_id,
        "FirstName": borrower.first_name,
        "PhoneNumber1": borrower.phone_number,
        "PhoneNumber1Consent": bool(borrower.cell_phone_consent),
        "PhoneNumber1ConsentDate": borrower.cell_phone_consent_date,
        "PhoneNumber1ConsentSource": borrower.cell_phone_consent_source,
        "PhoneNumber1LineType": borrower.phone_line_type,
        "PostalCode": borrower.postal_code,
        "Region": borrower.state,
        "Comment": f"{entry.loan_days_late} days late",
    }
