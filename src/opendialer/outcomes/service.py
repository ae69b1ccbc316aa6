"""Recording one call's outcome everywhere it shows: the dialler contact's counters and history,
call tracking (and so the call list's counters), and the call reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from opendialer.callreports.models import DIALLER_RECORD
from opendialer.callreports.service import CallReports
from opendialer.calltracking.service import CLOCK_SKEW, CallTracking, DiallerCall, in_the_future
from opendialer.db.base import utcnow
from opendialer.db.ids import new_id
from opendialer.dialler.causes import Outcome
from opendialer.dialler.models import ContactHistory
from opendialer.dialler.schemas import CallResult
from opendialer.dialler.service import ContactService
from opendialer.errors import Invalid

# How each outcome shows in a call detail record.
DISPOSITIONS = {
    Outcome.CONNECTED: "ANSWERED",
    Outcome.MAILBOX: "ANSWERED",
    Outcome.BUSY: "BUSY",
    Outcome.NO_ANSWER: "NO ANSWER",
    Outcome.INVALID: "FAILED",
    Outcome.FAILED: "FAILED",
}


def record_result(
    session: Session, tenant_id: int, contact_id: int, result: CallResult
) -> ContactHistory:
    """Record the result of one call to one of a contact's numbers, whoever placed it: the
    contact's counters, next try and history, the loan's tracked call (when the contact is
    linked to a loan) and the call's CDR. Answers the new history record."""
    refuse_future_times(result)
    return record_call(session, tenant_id, contact_id, result)


def record_call(
    session: Session, tenant_id: int, contact_id: int, result: CallResult
) -> ContactHistory:
    """`record_result` for a call OpenDialer placed itself, whose times its own clock gave
    (a virtual one, in a simulation, may run ahead of the server's)."""
    return record_calls(session, tenant_id, [(contact_id, result)])[0]


def record_calls(
    session: Session, tenant_id: int, calls: Sequence[tuple[int, CallResult]]
) -> list[ContactHistory]:
    """`record_call` for many calls of one tenant together: their contacts read in one
    look-up, their history entries, CDRs and tracked calls each written in one statement.
    Answers the new history records, in the order of `calls`."""
    applied = ContactService(session, tenant_id).apply_results(calls)
    CallReports(session, [tenant_id]).add_once(
        [cdr_of(each.entry, each.outcome, each.phone_e164) for each in applied]
    )
    CallTracking(session, tenant_id).record_from_dialler(
        [
            DiallerCall(
                loan_id=each.contact["loan_id"],
                user_data=each.contact["user_data"],
                phone_number=each.entry.phone_number,
                phone_e164=each.phone_e164,
                contacted=each.outcome is Outcome.CONNECTED,
                call_timestamp=each.entry.dt_call_start,
            )
            for each in applied
        ]
    )
    return [each.entry for each in applied]


def refuse_future_times(result: CallResult) -> None:
    """A result tells of a call that has happened: none of its times may be ahead of the
    server's clock by more than call tracking accepts (the caller's clock may run fast)."""
    latest = utcnow() + CLOCK_SKEW
    for name, value in result.times():
        if value is not None and value > latest:
            raise Invalid(f"{name} {in_the_future(value.isoformat())}")


def cdr_of(call: ContactHistory, outcome: Outcome, e164: str | None) -> dict[str, Any]:
    """The CDR of one dialled attempt, keyed by its history record so it is never doubled."""
    end = call.dt_call_end or call.dt_call_connect or call.dt_call_alert
    return {
        "id": new_id(),
        "tenant_id": call.tenant_id,
        "time": call.dt_call_start,
        "caller_id_number": call.a_number,
        "caller_id_name": None,
        "dialed_num": call.b_number or call.phone_number,
        "dialed_e164": e164,
        "direction": "OUT" if call.outbound else "IN",
        "disposition": DISPOSITIONS[outcome],
        "duration": _seconds(call.dt_call_start, end),
        "unique_id": f"{DIALLER_RECORD}{call.id}",
        "prev_unique_id": "",
        "next_unique_id": "",
        "who_answered": "",
        "recorded": 0,
        "queue_call": 0,
        "presented": 1 if call.dt_call_connect else 0,
        "call_outcome": outcome.value,
        "after_answer_duration": _seconds(call.dt_call_connect, call.dt_call_end),
        "created_at": utcnow(),
    }


def _seconds(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, round((end - start).total_seconds()))
