"""Call tracking rules: reading tracked calls, recording posted batches all or nothing, and the
tracked call of each call the dialler places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from opendialer.calltracking.models import DIALLER
from opendialer.calltracking.repository import CallFilter, LoanOwner, TrackedCallRepository
from opendialer.calltracking.schemas import (
    CALL_BATCH,
    CLIENT_PREFIX,
    MAX_BATCH,
    CallInput,
    CallQuery,
)
from opendialer.db.base import utcnow
from opendialer.db.ids import new_id, new_ids
from opendialer.errors import Invalid
from opendialer.kit.dates import moment_range, timestamp
from opendialer.kit.phones import to_e164

# How far ahead of the server's clock a callTimestamp may be: the poster's clock may run fast.
CLOCK_SKEW = timedelta(minutes=5)


def in_the_future(spelled: str) -> str:
    """What is wrong with a call time, spelled as its face writes it, that is more than
    CLOCK_SKEW ahead of the server's clock (the dialler's results say the same)."""
    return (
        f"{spelled} is in the future (at most {CLOCK_SKEW.seconds // 60} minutes ahead of "
        "the server's clock is accepted)"
    )


# Problems named in one error message; the rest are counted.
MAX_PROBLEMS = 20


def call_filter(query: CallQuery, servicer_id: int | None) -> CallFilter:
    """The stored terms of the seed's filters.

    startdate and enddate are both inclusive (`moment_range`)."""
    e164 = None
    if query.phonenumber:
        e164 = to_e164(query.phonenumber)
        if e164 is None:
            raise Invalid(f"phonenumber {query.phonenumber!r} is not a phone number")
    since, before = moment_range(query.startdate, query.enddate)
    return CallFilter(
        servicer_id=servicer_id,
        loan_id=query.loanid or None,
        borrower_id=query.borrowerid or None,
        phone_e164=e164,
        since=since,
        before=before,
    )


def _label(index: int, single: bool) -> str:
    return "" if single else f"[{index}]"


def _field(index: int, name: str, single: bool) -> str:
    prefix = _label(index, single)
    return f"{prefix}.{name}" if prefix else name


def _too_many(problems: list[str]) -> str:
    shown = "; ".join(problems[:MAX_PROBLEMS])
    if len(problems) > MAX_PROBLEMS:
        shown += f"; and {len(problems) - MAX_PROBLEMS} more"
    return shown


def describe_batch_errors(errors: Sequence[Any], single: bool) -> str:
    """One sentence per problem, each naming the record's index and the field."""
    problems: list[str] = []
    for error in errors:
        loc = list(error.get("loc", ()))
        index = loc.pop(0) if loc and isinstance(loc[0], int) else 0
        label = _label(index, single)
        field = ".".join(str(part) for part in loc)
        where = (f"{label}.{field}" if label else field) if field else label or "the call"
        kind = error.get("type", "")
        if kind == "missing":
            problems.append(f"{where} is required")
        elif kind == "extra_forbidden":
            problems.append(f"{where} is not a known field")
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            problems.append(f"{where} must be a call object")
        elif kind == "literal_error":
            problems.append(f"{where}: must be Attempted or Contacted, got {error.get('input')!r}")
        else:
            problems.append(f"{where}: {error.get('msg', 'is invalid')}")
    return _too_many(problems)


@dataclass(frozen=True, slots=True)
class DiallerCall:
    """A call the dialler placed, as call tracking records it."""

    loan_id: str | None
    user_data: str | None
    phone_number: str
    phone_e164: str | None
    contacted: bool
    call_timestamp: datetime


class CallTracking:
    """Tracked calls of one tenant."""

    def __init__(self, session: Session, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        self.calls = TrackedCallRepository(session, tenant_id)

    # -- reading -----------------------------------------------------------------------------

    def page(
        self, servicer_id: int | None, query: CallQuery, offset: int, limit: int
    ) -> tuple[int, list[RowMapping]]:
        """One page of the calls matching `query`, newest call first, and how many match."""
        return self.calls.page(call_filter(query, servicer_id), offset, limit)

    # -- recording ---------------------------------------------------------------------------

    def record(
        self, body: dict[str, Any] | list[Any], *, servicer_id: int | None, client: str
    ) -> list[dict[str, Any]]:
        """Record one call (an object) or a batch (an array), all or nothing; answers the rows
        recorded."""
        rows = self._rows(body, servicer_id, f"{CLIENT_PREFIX}{client}"[:100])
        self.calls.insert_many(rows)
        return rows

    def record_from_dialler(self, calls: Sequence[DiallerCall]) -> list[dict[str, Any]]:
        """The tracked calls of calls the dialler placed, of those whose contact is linked to
        a loan of the tenant: by its LoanID, or else by a UserData that is a loan's id.
        Answers the rows recorded."""
        linked = [(call, call.loan_id or call.user_data) for call in calls]
        candidates = {key for _, key in linked if key and len(key) <= 36}
        owners = self.calls.loans(candidates, None) if candidates else {}
        now = utcnow()
        rows = []
        for call, key in linked:
            if key in owners:
                status = "Contacted" if call.contacted else "Attempted"
                rows.append(self._row(new_id(), key, owners[key], None, call.phone_number,
                                      call.phone_e164, status, call.call_timestamp, DIALLER,
                                      now))  # fmt: skip
        if rows:
            self.calls.insert_many(rows)
        return rows

    # -- internals ---------------------------------------------------------------------------

    def _rows(
        self, body: dict[str, Any] | list[Any], servicer_id: int | None, created_by: str
    ) -> list[dict[str, Any]]:
        """The rows to insert for `body` (a call or an array of them), once every record in it
        is valid."""
        single = isinstance(body, dict)
        items = [body] if single else body
        if not items:
            raise Invalid(f"the array holds no calls; send 1 to {MAX_BATCH}")
        if len(items) > MAX_BATCH:
            raise Invalid(f"a request holds at most {MAX_BATCH} calls, got {len(items)}")
        try:
            calls = CALL_BATCH.validate_python(items)
        except ValidationError as exc:
            raise Invalid(describe_batch_errors(exc.errors(), single)) from None

        now = utcnow()
        latest = now + CLOCK_SKEW
        loans = self.calls.loans({call.loan_id for call in calls}, servicer_id)
        borrowers = self.calls.borrower_servicers(
            {call.borrower_id for call in calls if call.borrower_id is not None}
        )
        ids = new_ids(len(calls))
        problems: list[str] = []
        rows: list[dict[str, Any]] = []
        for index, call in enumerate(calls):
            loan = loans.get(call.loan_id)
            e164 = to_e164(call.phone_number)
            if (
                loan is None
                or e164 is None
                or call.call_timestamp > latest
                or (
                    call.borrower_id is not None
                    and borrowers.get(call.borrower_id) != loan.servicer_id
                )
            ):
                problems += self._problems(index, call, single, loans, borrowers, latest)
            elif not problems:
                rows.append(
                    self._row(
                        ids[index],
                        call.loan_id,
                        loan,
                        call.borrower_id,
                        call.phone_number,
                        e164,
                        call.call_status,
                        call.call_timestamp,
                        created_by,
                        now,
                    )
                )
        if problems:
            raise Invalid(_too_many(problems))
        return rows

    @staticmethod
    def _problems(
        index: int,
        call: CallInput,
        single: bool,
        loans: dict[str, LoanOwner],
        borrowers: dict[str, int],
        latest: datetime,
    ) -> list[str]:
        problems: list[str] = []
        loan = loans.get(call.loan_id)
        if loan is None:
            problems.append(
                f"{_field(index, 'loanId', single)}: loan {call.loan_id} does not exist"
            )
        if call.borrower_id is not None:
            owner = borrowers.get(call.borrower_id)
            if owner is None:
                problems.append(
                    f"{_field(index, 'borrowerId', single)}: "
                    f"borrower {call.borrower_id} does not exist"
                )
            elif loan is not None and owner != loan.servicer_id:
                problems.append(
                    f"{_field(index, 'borrowerId', single)}: borrower {call.borrower_id} "
                    f"belongs to servicer {owner}, the loan to servicer {loan.servicer_id}"
                )
        if to_e164(call.phone_number) is None:
            problems.append(
                f"{_field(index, 'phoneNumber', single)}: "
                f"{call.phone_number!r} is not a phone number"
            )
        if call.call_timestamp > latest:
            problems.append(
                f"{_field(index, 'callTimestamp', single)}: "
                + in_the_future(timestamp(call.call_timestamp))
            )
        return problems

    def _row(
        self,
        call_id: str,
        loan_id: str,
        loan: LoanOwner,
        borrower_id: str | None,
        phone_number: str,
        phone_e164: str | None,
        call_status: str,
        call_timestamp: datetime,
        created_by: str,
        now: datetime,
    ) -> dict[str, Any]:
        return {
            "id": call_id,
            "tenant_id": self.tenant_id,
            "servicer_id": loan.servicer_id,
            "loan_id": loan_id,
            "borrower_id": borrower_id or loan.borrower_id,
            "phone_number": phone_number,
            "phone_e164": phone_e164,
            "call_status": call_status,
            "call_timestamp": call_timestamp,
            "created_by": created_by,
            "created_at": now,
            "updated_at": now,
        }
