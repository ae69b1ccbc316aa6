"""Dispositions: the result code an agent gives the call it took, and what each does to the
contact (a wrong number is not called again, a callback or a promise to pay holds the contact
until its time)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opendialer.auth.principal import Principal
from opendialer.compliance.repository import NUMBER_COLUMNS
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.engine.agents import AgentService
from opendialer.engine.models import ENDED, Attempt
from opendialer.engine.repository import EngineRepository
from opendialer.errors import Conflict, Invalid


class ResultCode(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    REFUSED_TO_PAY = "refused_to_pay"
    WRONG_NUMBER = "wrong_number"
    CALLBACK = "callback"


# Each code's DiallerResultCodesTypesID in the contact's history.
RESULT_CODE_TYPES = {
    ResultCode.PROMISE_TO_PAY: 1,
    ResultCode.REFUSED_TO_PAY: 2,
    ResultCode.WRONG_NUMBER: 3,
    ResultCode.CALLBACK: 4,
}
# The codes that hold the contact until a moment: a callback must name it, a promise may.
FOLLOWED_UP = (ResultCode.CALLBACK, ResultCode.PROMISE_TO_PAY)


def give_result(
    session: Session,
    tenant_id: int,
    agent_id: int,
    principal: Principal,
    code: ResultCode,
    follow_up: datetime | None,
    now: datetime,
) -> Attempt:
    """Give the agent's last call its result code, once, after it has ended: recorded on the
    call's history entry (DiallerResultCodesTypesID), and applied to the contact. A wrong
    number is marked invalid; a callback's next try is its time (FollowUpDateTime, in the
    campaign's time zone, and FollowUpUsersUID the agent); a promise to pay holds the contact
    until the promised day when it names one. An agent in wrap-up is ready again."""
    agents = AgentService(session, tenant_id)
    agent = agents.acting(agent_id, principal)
    if agent.state in ("reserved", "on_call"):
        raise Conflict(f"dialler agent {agent_id} is on a call: give its result once it ends")
    attempt = None
    if agent.last_attempt_id is not None:
        attempt = EngineRepository(session, tenant_id).attempt(agent.last_attempt_id,
                                                               for_update=True)  # fmt: skip
    if attempt is None or attempt.state != ENDED or attempt.history_id is None:
        raise Conflict(f"dialler agent {agent_id} has taken no call to give a result")
    if attempt.connected_at is None:
        raise Conflict(f"attempt {attempt.id} reached no one: its outcome is recorded already")
    if attempt.result_code is not None:
        raise Conflict(f"attempt {attempt.id} has its result code already: {attempt.result_code}")
    if code is ResultCode.CALLBACK and follow_up is None:
        raise Invalid("dtFollowUp: a callback needs its time")
    if follow_up is not None and code not in FOLLOWED_UP:
        raise Invalid("dtFollowUp: only a callback or a promise to pay takes one")
    if follow_up is not None and follow_up <= now:
        raise Invalid("dtFollowUp: must lie ahead")

    contacts = ContactService(session, tenant_id)
    contact = contacts.get(attempt.contact_id, for_update=True)
    entry = contacts.contacts.history_entry(attempt.history_id)
    if entry is not None:
        entry.result_code_type_id = RESULT_CODE_TYPES[code]
    if code is ResultCode.WRONG_NUMBER:
        setattr(contact, NUMBER_COLUMNS[attempt.phone_number_offset - 1].invalid, True)
    if follow_up is not None:
        contact.dt_next_try = follow_up
    if code is ResultCode.CALLBACK and follow_up is not None:
        zone = ZoneInfo(CampaignService(session, tenant_id).get(contact.campaign_id).time_zone)
        contact.follow_up_date_time = follow_up.astimezone(zone).replace(tzinfo=None)
        contact.follow_up_users_uid = agent.client_id or str(agent.id)
    attempt.result_code = code.value
    if agent.state == "wrap_up":
        agent.state, agent.state_since = "ready", now
    session.flush()
    return attempt
