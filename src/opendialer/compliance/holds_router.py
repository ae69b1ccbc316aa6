"""HTTP routes of consumer holds (flags, inconvenient times) and of compliance settings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import Field
from starlette.responses import Response

from opendialer.compliance.consumer import DAY_NAMES
from opendialer.compliance.holds import ComplianceSettings, ConsumerHolds, Holds
from opendialer.compliance.holds_schemas import (
    MAX_RANGES,
    ComplianceSettingsInput,
    ConsumerHoldsInput,
    DayName,
    DebtGrouping,
    FlagName,
)
from opendialer.compliance.rules import Flag
from opendialer.kit.apimodel import INT64, Str
from opendialer.kit.dates import timestamp
from opendialer.web.deps import DbSession, Reader, ScopeReader, ScopeWriter, Writer
from opendialer.web.openapi import Timestamp, Wire, data_model
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS
from opendialer.web.writes import Route

router = APIRouter(tags=["compliance"], route_class=Route)

BorrowerId = Annotated[
    Str, Path(alias="borrowerId", max_length=36, description="The borrower's id.")
]
ContactId = Annotated[
    int, Path(alias="diallerContactsID", ge=0, le=INT64, description="The dialler contact's ID.")
]

Clock = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["21:00"])]


class InconvenientTimeRecord(Wire):
    """Days of the week (Monday first) and a time of day, on the consumer's clock, when calls
    are inconvenient to them; `to` before `from` runs past midnight."""

    days: list[DayName]
    start: Clock = Field(alias="from")
    end: Clock = Field(alias="to")


class BorrowerHolds(Wire):
    """A borrower's flags (in the order cease, attorney, bankruptcy, deceased) and
    inconvenient times; `updatedDate` is when the borrower last changed."""

    borrowerId: str
    flags: list[FlagName]
    inconvenientTimes: list[InconvenientTimeRecord] = Field(max_length=MAX_RANGES)
    updatedDate: Timestamp


class ContactHolds(Wire):
    """A dialler contact's flags (in the order cease, attorney, bankruptcy, deceased) and
    inconvenient times; `updatedDate` is when the contact last changed."""

    contactId: int
    flags: list[FlagName]
    inconvenientTimes: list[InconvenientTimeRecord] = Field(max_length=MAX_RANGES)
    updatedDate: Timestamp


OneBorrowerHolds = data_model("OneBorrowerHolds", BorrowerHolds)
OneContactHolds = data_model("OneContactHolds", ContactHolds)


class ComplianceSettingsRecord(Wire):
    """The tenant's compliance settings."""

    debtGrouping: DebtGrouping


OneComplianceSettings = data_model("OneComplianceSettings", ComplianceSettingsRecord)


def _record(key: str, holds: Holds) -> dict[str, Any]:
    return {
        key: holds.consumer_id,
        "flags": [flag.value for flag in Flag if flag in holds.flags],
        "inconvenientTimes": [
            {
                "days": [DAY_NAMES[day] for day in sorted(stated.weekdays)],
                "from": stated.start.strftime("%H:%M"),
                "to": stated.end.strftime("%H:%M"),
            }
            for stated in holds.times
        ],
        "updatedDate": timestamp(holds.updated_at),
    }


def _answer(key: str, holds: Holds) -> Response:
    return json_response({"data": _record(key, holds)})


@router.get("/compliance/borrowers/{borrowerId}", responses=DOCS.read(OneBorrowerHolds))
def get_borrower_holds(borrower_id: BorrowerId, session: DbSession, scope: ScopeReader) -> Response:
    """A borrower's flags (`cease`, `attorney`, `bankruptcy`, `deceased`), each of which stops
    every call to the borrower until cleared, and the times the borrower said are
    inconvenient, when no call is placed."""
    holds = ConsumerHolds(session, scope.tenant).borrower(borrower_id, scope.servicer)
    return _answer("borrowerId", holds)


@router.put("/compliance/borrowers/{borrowerId}", responses=DOCS.write(OneBorrowerHolds))
def put_borrower_holds(
    borrower_id: BorrowerId,
    body: Annotated[ConsumerHoldsInput, Body()],
    session: DbSession,
    scope: ScopeWriter,
) -> Response:
    """Replace a borrower's `flags` and `inconvenientTimes` with those sent. A field not sent
    is left as stored; `[]` clears it. Up to 20 inconvenient times, each with `days` (`mon` to
    `sun`), `from` and `to` (`HH:MM`; `to` before `from` runs past midnight)."""
    holds = ConsumerHolds(session, scope.tenant).replace_borrower(borrower_id, scope.servicer, body)
    return _answer("borrowerId", holds)


@router.get("/compliance/contacts/{diallerContactsID}", responses=DOCS.read(OneContactHolds))
def get_contact_holds(contact_id: ContactId, session: DbSession, principal: Reader) -> Response:
    """A dialler contact's flags (`cease`, `attorney`, `bankruptcy`, `deceased`), each of
    which stops every call to the contact until cleared, and the times the contact said are
    inconvenient, when no call is placed."""
    holds = ConsumerHolds(session, principal.tenant).contact(contact_id)
    return _answer("contactId", holds)


@router.put("/compliance/contacts/{diallerContactsID}", responses=DOCS.write(OneContactHolds))
def put_contact_holds(
    contact_id: ContactId,
    body: Annotated[ConsumerHoldsInput, Body()],
    session: DbSession,
    principal: Writer,
) -> Response:
    """Replace a dialler contact's `flags` and `inconvenientTimes` with those sent. A field
    not sent is left as stored; `[]` clears it. Up to 20 inconvenient times, each with `days`
    (`mon` to `sun`), `from` and `to` (`HH:MM`; `to` before `from` runs past midnight)."""
    holds = ConsumerHolds(session, principal.tenant).replace_contact(contact_id, body)
    return _answer("contactId", holds)


@router.get("/compliance/settings", responses=DOCS.read(OneComplianceSettings))
def get_compliance_settings(session: DbSession, principal: Reader) -> Response:
    """The tenant's compliance settings. `debtGrouping` says what the seven-calls-in-seven-days
    rule counts as one debt: each `loan`, or (`borrower_lender`) all of a borrower's loans of
    one lender, as student loans serviced under one account are."""
    grouping = ComplianceSettings(session, principal.tenant).debt_grouping()
    return json_response({"data": {"debtGrouping": grouping}})


@router.patch("/compliance/settings", responses=DOCS.write(OneComplianceSettings))
def patch_compliance_settings(
    body: Annotated[ComplianceSettingsInput, Body()], session: DbSession, principal: Writer
) -> Response:
    """Change the tenant's compliance settings sent: `debtGrouping`, `loan` or
    `borrower_lender`."""
    grouping = ComplianceSettings(session, principal.tenant).change(body)
    return json_response({"data": {"debtGrouping": grouping}})
