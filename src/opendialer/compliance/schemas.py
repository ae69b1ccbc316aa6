"""The compliance API's records: a refusal of the log, counts by rule, and a callability
answer, as the OpenAPI document describes them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, create_model

from opendialer.compliance.gate import RULES
from opendialer.compliance.models import RefusalRecord
from opendialer.web.openapi import Timestamp, Wire, column_model, data_model, page_model

RuleId = Literal[RULES]  # type: ignore[valid-type]

REFUSAL_RECORD: list[tuple[str, str]] = [
    ("refusalId", "id"),
    ("campaignId", "campaign_id"),
    ("contactId", "contact_id"),
    ("loanId", "loan_id"),
    ("phoneNumberOffset", "phone_number_offset"),
    ("phoneNumber", "phone_number"),
    ("rule", "rule"),
    ("reason", "reason"),
    ("citation", "citation"),
    ("refusedDate", "at"),
    ("nextAllowedDate", "next_allowed_at"),
    ("tenantId", "tenant_id"),
]

RefusalWire = column_model(
    "Refusal",
    RefusalRecord.__table__,
    REFUSAL_RECORD,
    moment=Timestamp,
    doc="One rule's refusal of a real attempt: the number, the rule and why, and when the "
    "same attempt may be allowed (null when only a change of data can allow it).",
    override={"rule": RuleId},
)
RefusalPage = page_model("RefusalPage", RefusalWire, "/compliance/refusals")
RefusalCount = create_model(
    "RefusalCount",
    __base__=Wire,
    __doc__="How many refusals one rule made in one campaign (null: outside any campaign).",
    campaignId=(int | None, ...),
    rule=(RuleId, ...),
    refusals=(int, ...),
)
RefusalCounts = data_model("RefusalCounts", list[RefusalCount])

RuleRefusal = create_model(
    "RuleRefusal",
    __base__=Wire,
    __doc__="A rule that refuses the call now.",
    rule=(RuleId, ...),
    reason=(str, ...),
    citation=(str, ...),
    nextAllowedAt=(Timestamp | None, ...),
)
NumberCallability = create_model(
    "NumberCallability",
    __base__=Wire,
    __doc__="Whether one number may be called at `at`, with every rule that refuses it.",
    contactId=(int | None, Field(default=None)),
    offset=(int | None, ...),
    phoneNumber=(str, ...),
    allowed=(bool, ...),
    refusals=(list[RuleRefusal], ...),
)
ContactCallability = create_model(
    "ContactCallability",
    __base__=Wire,
    __doc__="A dialler contact's numbers, each allowed or refused at `at`.",
    contactId=(int, ...),
    at=(Timestamp, ...),
    numbers=(list[NumberCallability], ...),
)
LoanCallability = data_model(
    "LoanCallability",
    create_model(
        "LoanCallabilityRecord",
        __base__=Wire,
        __doc__="A loan's numbers (the borrower's first, `offset` null; then each of its "
        "dialler contacts'), each allowed or refused at `at`.",
        loanId=(str, ...),
        at=(Timestamp, ...),
        numbers=(list[NumberCallability], ...),
    ),
)
