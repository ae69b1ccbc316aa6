"""The dialler face's field names, request models and record shapes."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from typing_extensions import TypedDict

from opendialer.dialler.models import Campaign, Contact
from opendialer.kit.apimodel import (
    INT32,
    INT64,
    ApiInput,
    Moment,
    Str,
    documented_required,
    model_from_columns,
    python_type,
)

PHONE_OFFSETS = range(1, 7)
# The seed's two spellings of the ACD end-reason fields: the earlier version's `Acd`, and the
# newer one's `Acid` (in four of its five examples). Records carry both, with the same value.
ACD_SPELLINGS = ("Acd", "Acid")

# (API name, column) for every contact field a client may import or update, in the seed's order.
CONTACT_INPUT_FIELDS: list[tuple[str, str]] = [
    ("RandomSortOrder", "random_sort_order"),
    ("UserData", "user_data"),
    ("UserData2", "user_data2"),
    ("UserData3", "user_data3"),
    ("Client", "client"),
    ("Service", "service"),
    ("ReferenceNumber", "reference_number"),
    ("Name", "name"),
    ("FirstName", "first_name"),
    ("Salutation", "salutation"),
    ("Title", "title"),
    ("Company", "company"),
    ("Address", "address"),
    ("PostalCode", "postal_code"),
    ("City", "city"),
    ("Country", "country"),
    ("Region", "region"),
    ("AccountOwner", "account_owner"),
    ("AccountBank", "account_bank"),
    ("AccountNationalBankCode", "account_national_bank_code"),
    ("AccountBIC", "account_bic"),
    ("AccountNumber", "account_number"),
    ("AccountIBAN", "account_iban"),
    ("Amount", "amount"),
    *[(f"PhoneNumber{n}", f"phone_number{n}") for n in PHONE_OFFSETS],
    ("FaxNumber", "fax_number"),
    ("Email", "email"),
    ("Website", "website"),
    ("Comment", "comment"),
    ("ReservedUsersUID", "reserved_users_uid"),
    ("FollowUpUsersUID", "follow_up_users_uid"),
    ("FollowUpDateTime", "follow_up_date_time"),
    ("dtBeginDate", "dt_begin_date"),
    ("dtEndDate", "dt_end_date"),
    ("Manufacturer", "manufacturer"),
    ("Model", "model"),
    ("Tag", "tag"),
    ("ExternalSystemLink", "external_system_link"),
    # The loan the contact is called about; its calls are then tracked against that loan.
    ("LoanID", "loan_id"),
    # Each number's line type and consent to automated calls, for the compliance gate.
    *[
        (f"PhoneNumber{n}{part}", f"phone_number{n}_{column}")
        for n in PHONE_OFFSETS
        for part, column in (
            ("LineType", "line_type"),
            ("Consent", "consent"),
            ("ConsentDate", "consent_date"),
            ("ConsentSource", "consent_source"),
        )
    ],
]
# What a contact's record answers for a compliance field it has no value of.
CONTACT_FIELD_DEFAULTS: dict[str, Any] = {
    **{f"phone_number{n}_line_type": "unknown" for n in PHONE_OFFSETS},
    **{f"phone_number{n}_consent": False for n in PHONE_OFFSETS},
}

# The dialing state the dialler keeps per contact; reset puts every one back to its default.
CONTACT_STATE_FIELDS: list[tuple[str, str]] = [
    *[(f"nTriesPhoneNumber{n}", f"n_tries_phone_number{n}") for n in PHONE_OFFSETS],
    *[(f"bPhoneNumber{n}Invalid", f"b_phone_number{n}_invalid") for n in PHONE_OFFSETS],
    *[(f"nPhoneNumber{n}LastCause", f"n_phone_number{n}_last_cause") for n in PHONE_OFFSETS],
    *[
        (
            f"PhoneNumber{n}Last{spelling}AgentEndReasonsID",
            f"phone_number{n}_last_acd_agent_end_reasons_id",
        )
        for n in PHONE_OFFSETS
        for spelling in ACD_SPELLINGS
    ],
    *[
        (f"Last{spelling}AgentEndReasonsID", "last_acd_agent_end_reasons_id")
        for spelling in ACD_SPELLINGS
    ],
    ("bLastResultMailbox", "b_last_result_mailbox"),
    ("dtNextTry", "dt_next_try"),
    ("dtLastTry", "dt_last_try"),
]

CONTACT_RECORD_FIELDS: list[tuple[str, str]] = [
    ("ID", "id"),
    ("DiallerCampaignsID", "campaign_id"),
    ("ClientsID", "tenant_id"),
    *CONTACT_INPUT_FIELDS,
    *[(f"PhoneNumber{n}E164", f"phone_number{n}_e164") for n in PHONE_OFFSETS],
    *CONTACT_STATE_FIELDS,
    ("bLocked", "locked"),
    ("dtCreated", "created_at"),
    ("dtUpdated", "updated_at"),
]

# Names a client may send back from a record it read; they are accepted and ignored, since the
# dialler alone keeps them.
CONTACT_READ_ONLY = frozenset(
    api
    for api, _ in CONTACT_RECORD_FIELDS
    if api not in {name for name, _ in CONTACT_INPUT_FIELDS} and api != "DiallerCampaignsID"
)

CAMPAIGN_INPUT_FIELDS: list[tuple[str, str]] = [
    ("Name", "name"),
    ("bActive", "active"),
    ("TimeZone", "time_zone"),
    ("Region", "region"),
    ("nMaxTriesPerNumber", "max_tries_per_number"),
    ("nMaxTriesPerContact", "max_tries_per_contact"),
    ("nRetryDelayBusy", "retry_delay_busy"),
    ("nRetryDelayNoAnswer", "retry_delay_no_answer"),
    ("nRetryDelayMailbox", "retry_delay_mailbox"),
    ("nRetryDelayFailed", "retry_delay_failed"),
    ("nRetryDelayConnected", "retry_delay_connected"),
    ("DialingMode", "dialing_mode"),
    ("CallerID", "caller_id"),
    ("RingTimeoutSeconds", "ring_timeout_seconds"),
    ("MaxLines", "max_lines"),
    ("MaxCallsPerSecond", "max_calls_per_second"),
    ("DialRatio", "dial_ratio"),
    ("AbandonRateLimit", "abandon_rate_limit"),
    ("CallableHours", "callable_hours"),
    ("Priority", "priority"),
]

CAMPAIGN_RECORD_FIELDS: list[tuple[str, str]] = [
    ("DiallerCampaignsID", "id"),
    ("ClientsID", "tenant_id"),
    *CAMPAIGN_INPUT_FIELDS,
    ("DialingState", "dialing_state"),
    ("dtCreated", "created_at"),
    ("dtUpdated", "updated_at"),
]

HISTORY_RECORD_FIELDS: list[tuple[str, str]] = [
    ("DiallerContactsHistoryID", "id"),
    ("DiallerContactsID", "contact_id"),
    ("DiallerCampaignsID", "campaign_id"),
    ("ClientsID", "tenant_id"),
    ("UserData", "user_data"),
    ("UserData2", "user_data2"),
    ("UserData3", "user_data3"),
    ("dtCallStart", "dt_call_start"),
    ("dtCallAlert", "dt_call_alert"),
    ("dtCallConnect", "dt_call_connect"),
    ("dtCallEnd", "dt_call_end"),
    ("CauseCodesID", "cause_code"),
    ("CONNRES", "connres"),
    ("PhoneNumber", "phone_number"),
    ("PhoneNumberOffset", "phone_number_offset"),
    ("ANumber", "a_number"),
    ("BNumber", "b_number"),
    ("ANumber_CountryCodesID", "a_number_country_code"),
    ("BNumber_CountryCodesID", "b_number_country_code"),
    ("ANumber_AreaCodesID", "a_number_area_code_id"),
    ("BNumber_AreaCodesID", "b_number_area_code_id"),
    ("bOutbound", "outbound"),
    ("bCallerHangup", "caller_hangup"),
    ("bMailbox", "mailbox"),
    ("bTestCall", "test_call"),
    ("DiallerCampaignsResultCodesID", "result_code_id"),
    ("DiallerResultCodesTypesID", "result_code_type_id"),
    *[(f"{spelling}AgentEndReasonsID", "acd_agent_end_reasons_id") for spelling in ACD_SPELLINGS],
    ("ServiceNumbersID", "service_numbers_id"),
    ("StatisticsPartAID", "statistics_part_a_id"),
    ("UsersID", "users_id"),
    ("dtCreatedDiallerContactsHistory", "created_at"),
]


# (Acd name, Acid name) of each field the seed spells both ways.
ACD_PAIRS = [
    (api, api.replace("Acd", "Acid"))
    for api, _ in [*CONTACT_RECORD_FIELDS, *HISTORY_RECORD_FIELDS]
    if "AcdAgentEndReasonsID" in api
]


def spelling_conflict(data: dict[str, Any]) -> str | None:
    """What is wrong when a body sends a field in both spellings with different values."""
    for acd, acid in ACD_PAIRS:
        if acd in data and acid in data and data[acd] != data[acid]:
            return f"{acd} and {acid} are one field spelt two ways; they differ"
    return None


def drop_read_only(data: Any, own: frozenset[str | None]) -> Any:
    """A contact's fields without the read-only ones a client sent back from a record, except
    those named in `own`; a field sent in both spellings with different values is refused."""
    if not isinstance(data, dict) or CONTACT_READ_ONLY.isdisjoint(data):
        return data
    conflict = spelling_conflict(data)
    if conflict:
        raise ValueError(conflict)
    return {k: v for k, v in data.items() if k not in CONTACT_READ_ONLY or k in own}


class _ContactBody(ApiInput):
    @model_validator(mode="before")
    @classmethod
    def _drop_read_only(cls, data: Any) -> Any:
        # A model's own fields are never dropped: ContactUpdate finds the contact by ID.
        return drop_read_only(data, _aliases(cls))


@cache
def _aliases(model: type[BaseModel]) -> frozenset[str | None]:
    return frozenset(field.alias for field in model.model_fields.values())


_ContactFields = model_from_columns(
    "ContactFields", Contact.__table__, CONTACT_INPUT_FIELDS, base=_ContactBody
)


class ContactImport(_ContactFields):  # type: ignore[misc,valid-type]
    """A contact to import: the seed's fields, with the campaign named by ID or by name.
    Mandatory: `Name`, the campaign (either way) and at least one phone number."""

    model_config = documented_required("Name")

    campaign_id: int | None = Field(default=None, alias="DiallerCampaignsID", ge=0, le=INT64)
    campaign_name: Str | None = Field(default=None, alias="DiallerCampaignsName", max_length=200)


CONTACT_INPUT_NAMES: frozenset[str | None] = frozenset(api for api, _ in CONTACT_INPUT_FIELDS)


def _contact_row(*, text_checked: bool) -> Any:
    """ContactImport's fields but the campaign, as a dict by API name: taken and refused as
    ContactImport takes and refuses them, each problem named alike."""
    definitions = {
        api: python_type(Contact.__table__.c[column], text_checked=text_checked) | None
        for api, column in CONTACT_INPUT_FIELDS
    }
    row: Any = TypedDict("ContactImportRow", definitions, total=False)  # type: ignore[misc]
    row.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return Annotated[row, BeforeValidator(lambda data: drop_read_only(data, CONTACT_INPUT_NAMES))]


ContactImportRow: Any = _contact_row(text_checked=True)
"""One row of a contacts file, imported into the campaign the import names: the fields it sends
by API name, validated. A dict rather than a model, for files of millions of rows."""

ContactImportRowQuick: Any = _contact_row(text_checked=False)
"""ContactImportRow without the check of each text for what no database stores: for rows whose
texts are known to be storable (csvfeed.validate's `quick`)."""


class ContactUpdate(_ContactFields):  # type: ignore[misc,valid-type]
    """Fields to change on one contact, found by ID or else by UserData."""

    id: int | None = Field(default=None, alias="ID", ge=0, le=INT64)
    # Sent back with a record read from the API; a contact stays in its campaign.
    campaign_id: int | None = Field(default=None, alias="DiallerCampaignsID", ge=0, le=INT64)


_CampaignFields = model_from_columns(
    "CampaignFields", Campaign.__table__, CAMPAIGN_INPUT_FIELDS, base=ApiInput
)


class CampaignCreate(_CampaignFields):  # type: ignore[misc,valid-type]
    """A dialler campaign: its name, time zone, default phone region and retry settings."""

    model_config = documented_required("Name")


class CampaignUpdate(_CampaignFields):  # type: ignore[misc,valid-type]
    """Fields to change on one campaign, found by DiallerCampaignsID."""

    campaign_id: int = Field(alias="DiallerCampaignsID", ge=0, le=INT64)


# An ID stored in an INTEGER column: bounded so that no value overflows it.
Int32Id = Annotated[int, Field(ge=0, le=INT32)]


class CallResult(ApiInput):
    """The outcome of one call to one of a contact's numbers."""

    phone_number_offset: int = Field(alias="PhoneNumberOffset", ge=1, le=6)
    dt_call_start: Moment = Field(alias="dtCallStart")
    dt_call_alert: Moment | None = Field(default=None, alias="dtCallAlert")
    dt_call_connect: Moment | None = Field(default=None, alias="dtCallConnect")
    dt_call_end: Moment | None = Field(default=None, alias="dtCallEnd")
    cause_code: int = Field(alias="CauseCodesID", ge=0, le=127)
    result_code_id: Int32Id | None = Field(default=None, alias="DiallerCampaignsResultCodesID")
    result_code_type_id: Int32Id | None = Field(default=None, alias="DiallerResultCodesTypesID")
    mailbox: bool = Field(default=False, alias="bMailbox")
    caller_hangup: bool | None = Field(default=None, alias="bCallerHangup")
    outbound: bool = Field(default=True, alias="bOutbound")
    test_call: bool = Field(default=False, alias="bTestCall")
    a_number: Str | None = Field(default=None, alias="ANumber", max_length=64)
    b_number: Str | None = Field(default=None, alias="BNumber", max_length=64)
    acd_agent_end_reasons_id: Int32Id | None = Field(default=None, alias="AcdAgentEndReasonsID")
    # The newer seed's spelling of the same field.
    acid_agent_end_reasons_id: Int32Id | None = Field(default=None, alias="AcidAgentEndReasonsID")
    service_numbers_id: Int32Id | None = Field(default=None, alias="ServiceNumbersID")
    users_id: Int32Id | None = Field(default=None, alias="UsersID")

    def times(self) -> list[tuple[str, datetime | None]]:
        """The call's times by field name, in the order a call goes through them."""
        return [
            ("dtCallStart", self.dt_call_start),
            ("dtCallAlert", self.dt_call_alert),
            ("dtCallConnect", self.dt_call_connect),
            ("dtCallEnd", self.dt_call_end),
        ]

    @model_validator(mode="after")
    def _one_end_reason(self) -> CallResult:
        acd, acid = self.acd_agent_end_reasons_id, self.acid_agent_end_reasons_id
        if acd is not None and acid is not None and acd != acid:
            raise ValueError(
                spelling_conflict({"AcdAgentEndReasonsID": acd, "AcidAgentEndReasonsID": acid})
            )
        if acd is None:
            self.acd_agent_end_reasons_id = acid
        return self

    @model_validator(mode="after")
    def _times_in_order(self) -> CallResult:
        previous = ("dtCallStart", self.dt_call_start)
        for name, value in self.times()[1:]:
            if value is None:
                continue
            if value < previous[1]:
                raise ValueError(f"{name} is before {previous[0]}")
            previous = (name, value)
        return self
