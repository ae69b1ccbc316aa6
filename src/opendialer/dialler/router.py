"""HTTP routes of the dialler face: campaigns and contacts, in the dialler's envelopes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.engine import RowMapping
from starlette.responses import Response

from opendialer.db.session import Database
from opendialer.dialler.schemas import CampaignCreate, CampaignUpdate, ContactImport, ContactUpdate
from opendialer.dialler.service import CampaignService, ContactService, read_contact
from opendialer.kit.apimodel import INT64, Str
from opendialer.web.deps import DbSession, Locker, Reader, Writer, get_database
from opendialer.web.dialler import (
    DOCS,
    CampaignRecords,
    ContactRecords,
    DiallerContactList,
    DiallerStatus,
    HistoryRecords,
    campaign_record,
    contact_list_response,
    contact_record,
    contact_row_record,
    history_record,
    records_response,
    status_response,
)
from opendialer.web.writes import Route

router = APIRouter(tags=["dialler"], route_class=Route)

ContactId = Annotated[
    int, Path(alias="diallerContactsID", ge=0, le=INT64, description="The dialler contact's ID.")
]
CampaignId = Annotated[
    int, Path(alias="diallerCampaignsID", ge=0, le=INT64, description="The dialler campaign's ID.")
]
UserData = Annotated[
    Str, Query(alias="userData", max_length=255, description="The contact's UserData value.")
]


# -- reading contacts, first: routes are tried in order, and GET /dialler/contacts/{id} is the
# hottest. /dialler/contacts/contact comes before it, so that "contact" is never read as an ID.


@router.get("/dialler/contacts/contact", responses=DOCS.read(ContactRecords))
def get_contacts_by_user_data(
    user_data: UserData, session: DbSession, principal: Reader
) -> Response:
    """Retrieve the dialler contacts whose UserData is `userData`."""
    contacts = ContactService(session, principal.tenant).by_user_data(user_data)
    return records_response([contact_record(c) for c in contacts])


@router.get("/dialler/contacts/{diallerContactsID}", responses=DOCS.read(ContactRecords))
def get_contact(contact_id: ContactId, principal: Reader, request: Request) -> Response:
    """Retrieve one dialler contact by ID."""
    # A plain row without a session: the request's would cost more than the read.
    row = read_contact(get_database(request), principal.tenant, contact_id)
    return records_response([contact_row_record(row)])


# -- campaigns -------------------------------------------------------------------------------


@router.get("/dialler/campaigns", responses=DOCS.read(CampaignRecords))
def list_campaigns(session: DbSession, principal: Reader) -> Response:
    """Retrieve every dialler campaign of the client account."""
    campaigns = CampaignService(session, principal.tenant).list()
    return records_response([campaign_record(c) for c in campaigns])


@router.get("/dialler/campaigns/{diallerCampaignsID}", responses=DOCS.read(CampaignRecords))
def get_campaign(campaign_id: CampaignId, session: DbSession, principal: Reader) -> Response:
    """Retrieve one dialler campaign by ID."""
    campaign = CampaignService(session, principal.tenant).get(campaign_id)
    return records_response([campaign_record(campaign)])


@router.post("/dialler/campaigns", responses=DOCS.write(CampaignRecords))
def create_campaign(body: CampaignCreate, session: DbSession, principal: Writer) -> Response:
    """Create a dialler campaign. `Name` is mandatory and unique within the client account."""
    campaign = CampaignService(session, principal.tenant).create(body)
    return records_response([campaign_record(campaign)])


@router.post("/dialler/campaigns/update", responses=DOCS.write(CampaignRecords))
def update_campaign(body: CampaignUpdate, session: DbSession, principal: Writer) -> Response:
    """Update the fields sent of the campaign named by `DiallerCampaignsID`."""
    campaign = CampaignService(session, principal.tenant).update(body)
    return records_response([campaign_record(campaign)])


@router.post("/dialler/campaigns/{diallerCampaignsID}/start", responses=DOCS.write(CampaignRecords))
def start_campaign(campaign_id: CampaignId, session: DbSession, principal: Writer) -> Response:
    """Start dialing the campaign (or go on after a pause): the engine takes its due contacts
    from its next round. Answers the campaign, its `DialingState` now `running`."""
    campaign = CampaignService(session, principal.tenant).control(campaign_id, "running")
    return records_response([campaign_record(campaign)])


@router.post("/dialler/campaigns/{diallerCampaignsID}/pause", responses=DOCS.write(CampaignRecords))
def pause_campaign(campaign_id: CampaignId, session: DbSession, principal: Writer) -> Response:
    """Pause the campaign: no new call is placed; calls under way end as they would. Answers
    the campaign, its `DialingState` now `paused`."""
    campaign = CampaignService(session, principal.tenant).control(campaign_id, "paused")
    return records_response([campaign_record(campaign)])


@router.post("/dialler/campaigns/{diallerCampaignsID}/stop", responses=DOCS.write(CampaignRecords))
def stop_campaign(campaign_id: CampaignId, session: DbSession, principal: Writer) -> Response:
    """Stop the campaign: no new call is placed, and calls still ringing are hung up. Answers
    the campaign, its `DialingState` now `stopped`."""
    campaign = CampaignService(session, principal.tenant).control(campaign_id, "stopped")
    return records_response([campaign_record(campaign)])


@router.delete("/dialler/campaigns/{diallerCampaignsID}", responses=DOCS.write(DiallerStatus))
def delete_campaign(
    campaign_id: CampaignId,
    session: DbSession,
    principal: Writer,
    delete_contacts: Annotated[bool, Query(alias="deleteContacts")] = False,
) -> Response:
    """Delete a campaign. Refused with 409 while it has contacts, unless `deleteContacts=true`."""
    CampaignService(session, principal.tenant).delete(campaign_id, delete_contacts=delete_contacts)
    return status_response()


# -- changing contacts: the paths under /dialler/contacts/contact first, as above.


@router.delete("/dialler/contacts/contact", responses=DOCS.write(DiallerStatus))
def delete_contact_by_user_data(
    user_data: UserData, session: DbSession, principal: Writer
) -> Response:
    """Delete the first dialler contact with this UserData, with all its history."""
    service = ContactService(session, principal.tenant)
    service.delete(service.first_by_user_data(user_data))
    return status_response()


@router.patch("/dialler/contacts/contact/lock", responses=DOCS.write(DiallerStatus))
def lock_contact_by_user_data(
    user_data: UserData, session: DbSession, principal: Locker
) -> Response:
    """Lock the first dialler contact with this UserData: it is not dialed until unlocked."""
    service = ContactService(session, principal.tenant)
    service.set_locked(service.first_by_user_data(user_data), True)
    return status_response()


@router.patch("/dialler/contacts/contact/unlock", responses=DOCS.write(DiallerStatus))
def unlock_contact_by_user_data(
    user_data: UserData, session: DbSession, principal: Locker
) -> Response:
    """Unlock the first dialler contact with this UserData."""
    service = ContactService(session, principal.tenant)
    service.set_locked(service.first_by_user_data(user_data), False)
    return status_response()


@router.patch("/dialler/contacts/contact/reset", responses=DOCS.write(DiallerStatus))
def reset_contact_by_user_data(
    user_data: UserData, session: DbSession, principal: Writer
) -> Response:
    """Reset the first dialler contact with this UserData to its just-imported dialing state."""
    service = ContactService(session, principal.tenant)
    service.reset(service.first_by_user_data(user_data))
    return status_response()


@router.get("/dialler/contacts/contact/history", responses=DOCS.read(HistoryRecords))
def history_by_user_data(user_data: UserData, session: DbSession, principal: Reader) -> Response:
    """Retrieve the call history of every dialler contact with this UserData."""
    service = ContactService(session, principal.tenant)
    contacts = service.by_user_data(user_data)
    if not contacts:
        service.first_by_user_data(user_data)  # raises the 404 the seed asks for
    return records_response([history_record(h) for h in service.history(contacts)])


@router.delete("/dialler/contacts/contact/{diallerContactsID}", responses=DOCS.write(DiallerStatus))
def delete_contact(contact_id: ContactId, session: DbSession, principal: Writer) -> Response:
    """Delete a dialler contact by ID, with all its history."""
    service = ContactService(session, principal.tenant)
    service.delete(service.get(contact_id, for_update=True))
    return status_response()


@router.patch(
    "/dialler/contacts/contact/{diallerContactsID}/lock", responses=DOCS.write(DiallerStatus)
)
def lock_contact(contact_id: ContactId, session: DbSession, principal: Locker) -> Response:
    """Lock a dialler contact by ID: it is not dialed until unlocked."""
    service = ContactService(session, principal.tenant)
    service.set_locked(service.get(contact_id, for_update=True), True)
    return status_response()


@router.patch(
    "/dialler/contacts/contact/{diallerContactsID}/unlock", responses=DOCS.write(DiallerStatus)
)
def unlock_contact(contact_id: ContactId, session: DbSession, principal: Locker) -> Response:
    """Unlock a dialler contact by ID."""
    service = ContactService(session, principal.tenant)
    service.set_locked(service.get(contact_id, for_update=True), False)
    return status_response()


@router.patch(
    "/dialler/contacts/contact/{diallerContactsID}/reset", responses=DOCS.write(DiallerStatus)
)
def reset_contact(contact_id: ContactId, session: DbSession, principal: Writer) -> Response:
    """Reset a dialler contact's try counters, causes, flags and next try; history is kept."""
    service = ContactService(session, principal.tenant)
    service.reset(service.get(contact_id, for_update=True))
    return status_response()


@router.get(
    "/dialler/contacts/contact/{diallerContactsID}/history", responses=DOCS.read(HistoryRecords)
)
def contact_history(contact_id: ContactId, session: DbSession, principal: Reader) -> Response:
    """Retrieve all calls and recorded result codes of one dialler contact."""
    service = ContactService(session, principal.tenant)
    history = service.history([service.get(contact_id)])
    return records_response([history_record(h) for h in history])


@router.post("/dialler/contacts/import", responses=DOCS.write(ContactRecords))
def import_contact(
    body: ContactImport,
    session: DbSession,
    principal: Writer,
    overwrite: Annotated[bool, Query(alias="overwriteDuplicates")] = False,
) -> Response:
    """Import one contact into the campaign named by `DiallerCampaignsID` or `DiallerCampaignsName`.

    Mandatory: `Name`, the campaign, and at least one of `PhoneNumber1`..`PhoneNumber6`. With
    `overwriteDuplicates=true` the contact with the same `UserData` in that campaign is
    overwritten and returned; otherwise a new contact is always created.
    """
    contact = ContactService(session, principal.tenant).import_contact(body, overwrite=overwrite)
    return records_response([contact_record(contact)])


@router.post("/dialler/contacts/update", responses=DOCS.write(ContactRecords))
def update_contact(body: ContactUpdate, session: DbSession, principal: Writer) -> Response:
    """Update the fields sent of the contact found by `ID`, or else by `UserData`."""
    contact = ContactService(session, principal.tenant).update(body)
    return records_response([contact_record(contact)])


@router.get("/dialler/contacts", responses=DOCS.read(DiallerContactList))
def list_contacts(
    session: DbSession,
    principal: Reader,
    database: Annotated[Database, Depends(get_database)],
    campaign_id: Annotated[int | None, Query(alias="diallerCampaignsID", ge=0, le=INT64)] = None,
    limit_start: Annotated[int, Query(alias="limitStart", ge=0, le=INT64)] = 0,
    limit_page_size: Annotated[int, Query(alias="limitPageSize", ge=-1, le=INT64)] = -1,
) -> Response:
    """Retrieve all dialler contacts of the client account, or of one campaign.

    The answer is streamed, sorted by Name then ID. `limitStart` skips that many contacts and
    `limitPageSize` caps how many are returned (-1, the default, for all).
    """
    tenant = principal.tenant
    if campaign_id is not None:
        CampaignService(session, tenant).get(campaign_id)

    def pages() -> Iterator[Sequence[RowMapping]]:
        # The list is read in a transaction of its own, held while the body is sent.
        with database.transaction(write=False) as reader:
            contacts = ContactService(reader, tenant)
            yield from contacts.pages(campaign_id, limit_start, limit_page_size)

    return contact_list_response(pages, limit_start, limit_page_size)
