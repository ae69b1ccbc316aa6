"""HTTP routes of the compliance gate: why a contact or loan may or may not be called now, and
the log of the gate's refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from opendialer.compliance.gate import RULES
from opendialer.compliance.schemas import (
    REFUSAL_RECORD,
    ContactCallability,
    LoanCallability,
    RefusalCounts,
    RefusalPage,
)
from opendialer.compliance.service import ComplianceService, Judgement
from opendialer.db.base import utcnow
from opendialer.errors import Invalid
from opendialer.kit.apimodel import INT64, Str, whole_number
from opendialer.kit.dates import moment_range, parse_moment, timestamp
from opendialer.web.deps import DbSession, Reader, ScopeReader
from opendialer.web.dialler import DOCS as DIALLER_DOCS
from opendialer.web.responses import json_response
from opendialer.web.velocity import DOCS, Paging, page, paging, record
from opendialer.web.writes import Route

# /compliance and /loans answer errors in the loan management API's envelope; the dialler
# contacts' callability in the dialler's.
router = APIRouter(tags=["compliance"], route_class=Route)
dialler_router = APIRouter(tags=["compliance"], route_class=Route)

At = Annotated[
    Str | None,
    Query(
        max_length=40,
        description="The moment to judge at (ISO 8601, UTC when it has no offset); now when "
        "not sent.",
    ),
]
ContactId = Annotated[
    int, Path(alias="diallerContactsID", ge=0, le=INT64, description="The dialler contact's ID.")
]
UserData = Annotated[
    Str, Query(alias="userData", max_length=255, description="The contact's UserData value.")
]
LoanId = Annotated[Str, Path(alias="loanId", max_length=36, description="The loan's id.")]
CampaignFilter = Annotated[
    Str | None, Query(max_length=20, description="Only the refusals of this dialler campaign.")
]
RuleFilter = Annotated[Str | None, Query(max_length=40, description="Only this rule's refusals.")]
When = Query(
    max_length=40,
    description="A date (2020-08-03, a whole UTC day) or a date-time "
    "(2020-08-03T21:53:31.468Z; UTC when it has no offset). Inclusive.",
)


def _at(raw: str | None) -> datetime:
    if not raw:
        return utcnow()
    moment = parse_moment("at", raw)
    if not isinstance(moment, datetime):
        return datetime.combine(moment, datetime.min.time(), tzinfo=UTC)
    return moment


def _numbers(judgements: list[Judgement], *, with_contact: bool) -> list[dict[str, Any]]:
    numbers = []
    for judgement in judgements:
        number: dict[str, Any] = {"contactId": judgement.contact_id} if with_contact else {}
        number.update(
            offset=judgement.offset,
            phoneNumber=judgement.e164 or judgement.phone_number,
            allowed=judgement.decision.allowed,
            refusals=refusal_records(judgement),
        )
        numbers.append(number)
    return numbers


def refusal_records(judgement: Judgement) -> list[dict[str, Any]]:
    """The rules that refuse a number, as the callability answers show them."""
    return [
        {
            "rule": refusal.rule,
            "reason": refusal.reason,
            "citation": refusal.citation,
            "nextAllowedAt": (
                timestamp(refusal.next_allowed_at) if refusal.next_allowed_at else None
            ),
        }
        for refusal in judgement.decision.refusals
    ]


def _contact_answer(service: ComplianceService, contact: Any, at: datetime) -> Response:
    judgements = service.judge_contacts([contact], at)
    return json_response(
        {
            "contactId": contact["id"],
            "at": timestamp(at),
            "numbers": _numbers(judgements, with_contact=False),
        }
    )


# -- explaining ------------------------------------------------------------------------------


@dialler_router.get(
    "/dialler/contacts/contact/callability", responses=DIALLER_DOCS.read(ContactCallability)
)
def callability_by_user_data(
    user_data: UserData, session: DbSession, principal: Reader, at: At = None
) -> Response:
    """Whether each number of the first dialler contact with this UserData may be called now
    (or at `at`), with every compliance rule that refuses it, as an automated campaign would
    be judged."""
    moment = _at(at)
    service = ComplianceService(session, principal.tenant)
    return _contact_answer(service, service.contact_row_by_user_data(user_data), moment)


@dialler_router.get(
    "/dialler/contacts/{diallerContactsID}/callability",
    responses=DIALLER_DOCS.read(ContactCallability),
)
def callability(
    contact_id: ContactId, session: DbSession, principal: Reader, at: At = None
) -> Response:
    """Whether each number of a dialler contact may be called now (or at `at`), with every
    compliance rule that refuses it, its citation and the earliest time it allows the call:
    how a supervisor answers "why was this borrower not called?"."""
    moment = _at(at)
    service = ComplianceService(session, principal.tenant)
    return _contact_answer(service, service.contact_row(contact_id), moment)


@router.get("/loans/{loanId}/callability", responses=DOCS.read(LoanCallability))
def loan_callability(
    loan_id: LoanId, session: DbSession, scope: ScopeReader, at: At = None
) -> Response:
    """Whether the borrower's number of a loan, and each number of the dialler contacts
    called about it, may be called now (or at `at`), with every rule that refuses it."""
    moment = _at(at)
    judgements = ComplianceService(session, scope.tenant).judge_loan(
        loan_id, scope.servicer, moment
    )
    body = {
        "loanId": loan_id,
        "at": timestamp(moment),
        "numbers": _numbers(judgements, with_contact=True),
    }
    return json_response({"data": body})


# -- the refusal log -------------------------------------------------------------------------


def _campaign(raw: str | None) -> int | None:
    return whole_number("campaignid", raw, 0, INT64) if raw else None


def _rule(raw: str | None) -> str | None:
    if raw and raw not in RULES:
        raise Invalid(f"rule must be one of {', '.join(RULES)}, got {raw!r}")
    return raw or None


@router.get("/compliance/refusals", responses=DOCS.read(RefusalPage))
def refusals(
    session: DbSession,
    principal: Reader,
    paged: Annotated[Paging, Depends(paging)],
    campaignid: CampaignFilter = None,
    rule: RuleFilter = None,
    startdate: Annotated[Str | None, When] = None,
    enddate: Annotated[Str | None, When] = None,
) -> Response:
    """The compliance gate's refusals of real attempts, newest first: each with its rule,
    reason, citation and next allowed time; filtered by campaign, rule and time."""
    since, before = moment_range(startdate, enddate)
    total, rows = ComplianceService(session, principal.tenant).refusals(
        _campaign(campaignid), _rule(rule), since, before, paged.offset, paged.limit
    )
    filters = {"campaignid": campaignid, "rule": rule, "startdate": startdate, "enddate": enddate}
    data = [record(row, REFUSAL_RECORD) for row in rows]
    return json_response(page("/compliance/refusals", filters, paged, total, data))


@router.get("/compliance/refusals/counts", responses=DOCS.read(RefusalCounts))
def refusal_counts(
    session: DbSession,
    principal: Reader,
    campaignid: CampaignFilter = None,
    startdate: Annotated[Str | None, When] = None,
    enddate: Annotated[Str | None, When] = None,
) -> Response:
    """How many refusals each rule made, per campaign, over the time named."""
    since, before = moment_range(startdate, enddate)
    counts = ComplianceService(session, principal.tenant).refusal_counts(
        _campaign(campaignid), since, before
    )
    data = [
        {"campaignId": campaign, "rule": rule, "refusals": count}
        for campaign, rule, count in counts
    ]
    return json_response({"data": data})
