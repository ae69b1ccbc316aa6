"""HTTP route of the outcome path: a call's result posted by whoever placed the call."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from opendialer.dialler.router import ContactId
from opendialer.dialler.schemas import CallResult
from opendialer.outcomes.service import record_result
from opendialer.web.deps import DbSession, Writer
from opendialer.web.dialler import DOCS, HistoryRecords, history_record, records_body
from opendialer.web.idempotency import IdempotencyKey, idempotent_response
from opendialer.web.writes import Route

router = APIRouter(tags=["dialler"], route_class=Route)


@router.post(
    "/dialler/contacts/contact/{diallerContactsID}/results", responses=DOCS.write(HistoryRecords)
)
def post_result(
    contact_id: ContactId,
    body: CallResult,
    session: DbSession,
    principal: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record the result of one call to the contact's number at `PhoneNumberOffset` (1-6).

    Updates the number's try counter, last cause and invalid flag, the mailbox flag and the
    next try time (from the campaign's retry delays), records the call in call tracking (when
    the contact is linked to a loan) and in the call reports, and answers the new history
    record.
    """

    def record() -> tuple[int, bytes]:
        entry = record_result(session, principal.tenant, contact_id, body)
        return 200, records_body([history_record(entry)])

    return idempotent_response(
        session,
        principal.tenant,
        principal.servicer_id,
        idempotency_key,
        f"/dialler/contacts/contact/{contact_id}/results",
        body.model_dump(mode="json", by_alias=True),
        record,
    )
