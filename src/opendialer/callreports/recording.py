"""The CDR each call placed through the dialler leaves behind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from opendialer.callreports.repository import CdrRepository
from opendialer.db.base import utcnow
from opendialer.db.ids import new_id
from opendialer.dialler.models import ContactHistory
from opendialer.dialler.outcomes import Outcome

DISPOSITIONS = {
    Outcome.CONNECTED: "ANSWERED",
    Outcome.MAILBOX: "ANSWERED",
    Outcome.BUSY: "BUSY",
    Outcome.NO_ANSWER: "NO ANSWER",
    Outcome.INVALID: "FAILED",
    Outcome.FAILED: "FAILED",
}


def _seconds(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None:
        return 0
    return max(0, round((end - start).total_seconds()))


def record_dialler_call(session: Session, call: ContactHistory, outcome: Outcome) -> None:
    """Store the CDR of one dialled attempt, keyed by its history record so it is never doubled."""
    end = call.dt_call_end or call.dt_call_connect or call.dt_call_alert
    unique_id = f"opendialer-history-{call.id}"
    cdrs = CdrRepository(session, [call.tenant_id])
    if cdrs.known_unique_ids(call.tenant_id, [unique_id]):
        return  # a client already loaded a record under this key; it is not replaced
    cdrs.insert(
        [
            {
                "id": new_id(),
                "tenant_id": call.tenant_id,
                "time": call.dt_call_start,
                "caller_id_number": call.a_number,
                "caller_id_name": None,
                "dialed_num": call.b_number or call.phone_number,
                "direction": "OUT" if call.outbound else "IN",
                "disposition": DISPOSITIONS[outcome],
                "duration": _seconds(call.dt_call_start, end),
                "unique_id": unique_id,
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
        ]
    )
