"""The dialler's rules: campaigns; importing, changing and resetting contacts; applying a call's
result to its contact."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from opendialer.db.base import utcnow
from opendialer.db.session import Database
from opendialer.dialler.causes import Outcome, classify
from opendialer.dialler.importer import (
    IMPORTED_STATE,
    PHONE_COLUMNS,
    PHONE_FIELD_NAMES,
    ContactImporter,
    ImportCounts,
    check_import,
    with_e164,
)
from opendialer.dialler.models import Campaign, Contact, ContactHistory
from opendialer.dialler.repository import CampaignRepository, ContactRepository, contact_row
from opendialer.dialler.schedule import parse_hours
from opendialer.dialler.schemas import (
    CAMPAIGN_INPUT_FIELDS,
    CallResult,
    CampaignCreate,
    CampaignUpdate,
    ContactImport,
    ContactUpdate,
)
from opendialer.errors import Conflict, Invalid, NotFound
from opendialer.kit.phones import country_code, to_e164
from opendialer.loans.service import Loans

# Contacts read at a time for the list.
LIST_BATCH = 1000


class CampaignService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.campaigns = CampaignRepository(session, tenant_id)

    def get(self, campaign_id: int) -> Campaign:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"dialler campaign {campaign_id} not found")
        return campaign

    def list(self) -> Sequence[Campaign]:
        return self.campaigns.all()

    def create(self, body: CampaignCreate) -> Campaign:
        # A field sent as null takes its default, as if it had not been sent.
        values = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
        if not (values.get("name") or "").strip():
            raise Invalid("missing mandatory field(s): Name")
        self._check(values)
        self._check_name_free(values["name"], None)
        return self.campaigns.add(Campaign(**values))

    def update(self, body: CampaignUpdate) -> Campaign:
        values = body.model_dump(exclude_unset=True, exclude={"campaign_id"})
        campaign = self.get(body.campaign_id)
        for field, value in values.items():
            if value is None and field not in NULLABLE_SETTINGS:
                raise Invalid(f"{_campaign_api_name(field)} cannot be null")
        if "name" in values and not values["name"].strip():
            raise Invalid("Name cannot be empty")
        self._check(values)
        if "name" in values:
            self._check_name_free(values["name"], campaign.id)
        for field, value in values.items():
            setattr(campaign, field, value)
        self.campaigns.session.flush()
        return campaign

    def control(self, campaign_id: int, state: str) -> Campaign:
        """Start, pause or stop a campaign (`state` one of DIALING_STATES)."""
        campaign = self.get(campaign_id)
        campaign.dialing_state = state
        self.campaigns.session.flush()
        return campaign

    def delete(self, campaign_id: int, *, delete_contacts: bool) -> None:
        campaign = self.get(campaign_id)
        count = self.campaigns.contact_count(campaign.id)
        if count and not delete_contacts:
            raise Conflict(
                f"dialler campaign {campaign_id} still has {count} contact(s); "
                "pass deleteContacts=true to delete them with it"
            )
        self.campaigns.delete(campaign)

    def resolve(self, campaign_id: int | None, campaign_name: str | None) -> Campaign:
        """The campaign a contact names by DiallerCampaignsID or DiallerCampaignsName."""
        if campaign_id is not None:
            campaign = self.campaigns.get(campaign_id)
            if campaign is None:
                raise Invalid(f"DiallerCampaignsID {campaign_id} does not exist")
            return campaign
        campaign = self.campaigns.by_name(campaign_name or "")
        if campaign is None:
            raise Invalid(f"DiallerCampaignsName {campaign_name!r} does not exist")
        return campaign

    def _check_name_free(self, name: str, own_id: int | None) -> None:
        other = self.campaigns.by_name(name)
        if other is not None and other.id != own_id:
            raise Conflict(f"a dialler campaign named {name!r} already exists")

    @staticmethod
    def _check(values: dict[str, Any]) -> None:
        if "time_zone" in values:
            try:
                ZoneInfo(values["time_zone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise Invalid(
                    f"TimeZone {values['time_zone']!r} is not an IANA time zone"
                ) from None
        if "region" in values and values["region"] not in phonenumbers.SUPPORTED_REGIONS:
            raise Invalid(f"Region {values['region']!r} is not an ISO 3166 country code")
        for field, value in values.items():
            if isinstance(value, int) and not isinstance(value, bool) and value < 0:
                raise Invalid(f"{_campaign_api_name(field)} must not be negative")
        _check_dialing(values)


# Settings a campaign may leave unset: no caller id of its own, no hours but the gate's.
NULLABLE_SETTINGS = frozenset({"caller_id", "callable_hours"})
# The ring time the engine allows at least (16 CFR 310.4(b)(4)(ii): 15 seconds or four rings)
# and at most.
RING_SECONDS = (15, 300)
# The abandon rate no campaign may be set above (16 CFR 310.4(b)(4)(i)).
ABANDON_LIMIT = 0.03


def _check_dialing(values: dict[str, Any]) -> None:
    """The dialing settings among `values`, each checked; Invalid names the first problem."""
    if values.get("dialing_mode") == "predictive":
        raise Invalid(
            "DialingMode predictive needs predictive pacing, which this OpenDialer does not "
            "have yet: use preview, progressive, power or agentless"
        )
    caller_id = values.get("caller_id")
    if caller_id is not None and to_e164(caller_id) != caller_id:
        raise Invalid(
            f"CallerID {caller_id!r} is not a phone number in E.164 form (+, the country code "
            "and the number, e.g. +13125550100)"
        )
    ring = values.get("ring_timeout_seconds")
    if ring is not None and not RING_SECONDS[0] <= ring <= RING_SECONDS[1]:
        raise Invalid(
            f"RingTimeoutSeconds must be from {RING_SECONDS[0]} to {RING_SECONDS[1]} (a call "
            "rings at least 15 seconds, 16 CFR 310.4(b)(4)(ii))"
        )
    if values.get("max_lines") == 0:
        raise Invalid("MaxLines must be at least 1")
    rate = values.get("max_calls_per_second")
    if rate is not None and rate <= 0:
        raise Invalid("MaxCallsPerSecond must be more than 0")
    ratio = values.get("dial_ratio")
    if ratio is not None and not 1 <= ratio <= 10:
        raise Invalid("DialRatio must be from 1 to 10 lines per ready agent")
    abandon = values.get("abandon_rate_limit")
    if abandon is not None and not 0 <= abandon <= ABANDON_LIMIT:
        raise Invalid(
            f"AbandonRateLimit must be from 0 to {ABANDON_LIMIT} (at most 3 % of answered "
            "calls abandoned in 30 days, 16 CFR 310.4(b)(4)(i))"
        )
    if values.get("callable_hours") is not None:
        parse_hours(values["callable_hours"])


def _campaign_api_name(column: str) -> str:
    return next(api for api, col in CAMPAIGN_INPUT_FIELDS if col == column)


def read_contact(database: Database, tenant_id: int, contact_id: int) -> dict[str, Any]:
    """One contact as a plain row, for answering a read: no session, no transaction."""
    row = contact_row(database, tenant_id, contact_id)
    if row is None:
        raise NotFound(f"dialler contact {contact_id} not found")
    return row


class ContactService:
    def __init__(self, session: Session, tenant_id: int) -> None:
        self.session = session
        self.contacts = ContactRepository(session, tenant_id)
        self.campaigns = CampaignService(session, tenant_id)

    # -- finding -----------------------------------------------------------------------------

    def get(self, contact_id: int, *, for_update: bool = False) -> Contact:
        contact = self.contacts.get(contact_id, for_update=for_update)
        if contact is None:
            raise NotFound(f"dialler contact {contact_id} not found")
        return contact

    def first_by_user_data(self, user_data: str) -> Contact:
        contact = self.contacts.first_by_user_data(user_data, for_update=True)
        if contact is None:
            raise NotFound(f"no dialler contact has UserData {user_data!r}")
        return contact

    def by_user_data(self, user_data: str) -> Sequence[Contact]:
        return self.contacts.by_user_data(user_data)

    # -- import and update -------------------------------------------------------------------

    def import_contact(self, body: ContactImport, *, overwrite: bool) -> Contact:
        check_import(body)
        campaign = self.campaigns.resolve(body.campaign_id, body.campaign_name)
        return ContactImporter(self.contacts, campaign, overwrite=overwrite).import_one(body)

    def import_many(
        self, campaign: Campaign, bodies: Iterable[ContactImport], *, overwrite: bool
    ) -> ImportCounts:
        """Bulk import into one campaign: same rules as import_contact, written in chunks."""
        return ContactImporter(self.contacts, campaign, overwrite=overwrite).import_many(bodies)

    def import_file(
        self,
        campaign: Campaign,
        path: Path,
        *,
        overwrite: bool,
        strict: bool,
        second_process: bool,
        on_chunk: Callable[[int, list[str]], None],
    ) -> ImportCounts:
        """Import a CSV file into one campaign, a chunk at a time (ContactImporter.import_file)."""
        importer = ContactImporter(self.contacts, campaign, overwrite=overwrite)
        return importer.import_file(
            path, strict=strict, second_process=second_process, on_chunk=on_chunk
        )

    def update(self, body: ContactUpdate) -> Contact:
        sent = body.model_fields_set - {"id", "campaign_id"}
        values = {column: getattr(body, column) for column in sent}
        if body.id is not None:
            contact = self.get(body.id, for_update=True)
        elif body.user_data:
            contact = self.first_by_user_data(body.user_data)
        else:
            raise Invalid("ID or UserData is required to find the contact to update")
        if body.campaign_id is not None and body.campaign_id != contact.campaign_id:
            raise Invalid(
                f"DiallerCampaignsID {body.campaign_id}: a contact cannot move to another "
                "campaign; import it there instead"
            )
        if "name" in values and not (values["name"] or "").strip():
            raise Invalid("Name cannot be empty")
        phones_after = [values.get(c, getattr(contact, c)) for c in PHONE_COLUMNS]
        if not any(phones_after):
            raise Invalid(f"the contact must keep at least one of {PHONE_FIELD_NAMES}")
        self._check_loans([values])
        campaign = self.campaigns.get(contact.campaign_id)
        for column, value in with_e164(values, campaign.region).items():
            setattr(contact, column, value)
        self.session.flush()
        return contact

    def _check_loans(self, rows: Sequence[dict[str, Any]]) -> None:
        """Each LoanID set must be a loan of the tenant; an empty one links no loan."""
        for row in rows:
            if "loan_id" in row:
                row["loan_id"] = row["loan_id"] or None
        wanted = sorted({row["loan_id"] for row in rows if row.get("loan_id")})
        if not wanted:
            return
        unknown = Loans(self.session, self.contacts.tenant_id).unknown(wanted)
        if unknown:
            raise Invalid(f"LoanID {unknown[0]} does not exist")

    # -- state -------------------------------------------------------------------------------

    def delete(self, contact: Contact) -> None:
        self.contacts.delete(contact)

    def set_locked(self, contact: Contact, locked: bool) -> None:
        contact.locked = locked
        self.session.flush()

    def reset(self, contact: Contact) -> None:
        for column, value in IMPORTED_STATE.items():
            setattr(contact, column, value)
        self.session.flush()

    def history(self, contacts: Sequence[Contact]) -> Sequence[ContactHistory]:
        return self.contacts.history_of([contact.id for contact in contacts])

    def pages(
        self, campaign_id: int | None, start: int, page_size: int
    ) -> Iterator[list[RowMapping]]:
        """The contacts of the account (or of one campaign) by Name, then ID, a page at a time:
        `start` skipped, at most `page_size` in all (-1 for all of them)."""
        remaining = page_size if page_size >= 0 else None
        after: tuple[str, int] | None = None
        while remaining is None or remaining > 0:
            batch = LIST_BATCH if remaining is None else min(LIST_BATCH, remaining)
            rows = self.contacts.page(campaign_id, after=after, offset=start, limit=batch)
            if not rows:
                return
            if remaining is not None:
                remaining -= len(rows)
            yield rows
            if len(rows) < batch:
                return
            after = (rows[-1]["name"], rows[-1]["id"])

    # -- results -----------------------------------------------------------------------------

    def apply_result(self, contact_id: int, result: CallResult) -> Applied:
        """Apply one call's outcome to the contact's counters and next try, and append it to
        the contact's history; the outcome path (opendialer.outcomes) calls this."""
        return self.apply_results([(contact_id, result)])[0]

    def apply_results(self, results: Sequence[tuple[int, CallResult]]) -> list[Applied]:
        """`apply_result` for many calls at once: their contacts read (and locked) in one
        look-up, the columns changed written by one statement per set of them, their history
        entries written together."""
        contacts = self.contacts.outcome_rows({contact_id for contact_id, _ in results})
        campaigns: dict[int, Campaign] = {}
        applied = []
        changed: dict[int, dict[str, Any]] = {}
        now = utcnow()
        for contact_id, result in results:
            contact = contacts.get(contact_id)
            if contact is None:
                raise NotFound(f"dialler contact {contact_id} not found")
            campaign = campaigns.get(contact["campaign_id"])
            if campaign is None:
                campaign = self.campaigns.get(contact["campaign_id"])
                campaigns[contact["campaign_id"]] = campaign
            each, changes = _apply(contact, campaign, result)
            applied.append(each)
            # A contact with two calls in the batch: the second counts on the first.
            contact.update(changes)
            changed.setdefault(contact_id, {}).update(changes, updated_at=now)
        self.contacts.update_many(changed.items())
        self.contacts.add_histories([each.entry for each in applied])
        return applied


@dataclass(frozen=True)
class Applied:
    """A call result applied to its contact: the contact (the columns of it the outcome
    read, as a row), its new history record, and how the call's outcome was classified."""

    contact: dict[str, Any]
    entry: ContactHistory
    outcome: Outcome

    @property
    def phone_e164(self) -> str | None:
        """The E.164 form of the number the call was placed to."""
        e164: str | None = self.contact[f"phone_number{self.entry.phone_number_offset}_e164"]
        return e164


def _apply(
    contact: dict[str, Any], campaign: Campaign, result: CallResult
) -> tuple[Applied, dict[str, Any]]:
    """One call's outcome on its contact's counters and next try (the columns changed, with
    their new values), and its history entry (not yet stored)."""
    n = result.phone_number_offset
    number = contact[f"phone_number{n}"]
    if not number:
        raise Invalid(f"PhoneNumberOffset {n}: the contact has no PhoneNumber{n}")
    connected = result.dt_call_connect is not None
    outcome = classify(result.cause_code, connected, result.mailbox)

    changes: dict[str, Any] = {
        f"n_tries_phone_number{n}": contact[f"n_tries_phone_number{n}"] + 1,
        f"n_phone_number{n}_last_cause": result.cause_code,
    }
    if outcome is Outcome.INVALID:
        changes[f"b_phone_number{n}_invalid"] = True
    elif connected:
        changes[f"b_phone_number{n}_invalid"] = False
    if result.acd_agent_end_reasons_id is not None:
        changes[f"phone_number{n}_last_acd_agent_end_reasons_id"] = result.acd_agent_end_reasons_id
        changes["last_acd_agent_end_reasons_id"] = result.acd_agent_end_reasons_id
    changes["b_last_result_mailbox"] = outcome is Outcome.MAILBOX
    ended = result.dt_call_end or result.dt_call_connect or result.dt_call_alert
    changes["dt_last_try"] = result.dt_call_start
    try:
        changes["dt_next_try"] = (ended or result.dt_call_start) + timedelta(
            seconds=retry_delay(campaign, outcome)
        )
    except OverflowError:
        raise Invalid("dtCallStart: too late, the next try would fall after 9999") from None

    region = campaign.region
    b_number = result.b_number or number
    entry = ContactHistory(
        contact_id=contact["id"],
        campaign_id=contact["campaign_id"],
        user_data=contact["user_data"],
        user_data2=contact["user_data2"],
        user_data3=contact["user_data3"],
        dt_call_start=result.dt_call_start,
        dt_call_alert=result.dt_call_alert,
        dt_call_connect=result.dt_call_connect,
        dt_call_end=result.dt_call_end,
        cause_code=result.cause_code,
        connres=1 if connected else 0,
        phone_number=number,
        phone_number_offset=n,
        a_number=result.a_number,
        b_number=b_number,
        a_number_country_code=country_code(result.a_number, region),
        b_number_country_code=country_code(b_number, region),
        outbound=result.outbound,
        caller_hangup=result.caller_hangup,
        mailbox=outcome is Outcome.MAILBOX,
        test_call=result.test_call,
        result_code_id=result.result_code_id,
        result_code_type_id=result.result_code_type_id,
        acd_agent_end_reasons_id=result.acd_agent_end_reasons_id,
        service_numbers_id=result.service_numbers_id,
        users_id=result.users_id,
    )
    return Applied(contact, entry, outcome), changes


def retry_delay(campaign: Campaign, outcome: Outcome) -> int:
    """Seconds until the contact is due again after `outcome`, from the campaign's settings."""
    delays = {
        Outcome.CONNECTED: campaign.retry_delay_connected,
        Outcome.MAILBOX: campaign.retry_delay_mailbox,
        Outcome.BUSY: campaign.retry_delay_busy,
        Outcome.NO_ANSWER: campaign.retry_delay_no_answer,
        Outcome.INVALID: campaign.retry_delay_failed,
        Outcome.FAILED: campaign.retry_delay_failed,
    }
    return delays[outcome]
