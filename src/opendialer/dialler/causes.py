"""How a call's cause code and timings classify its outcome, and what that means for retries."""

from __future__ import annotations

from enum import StrEnum

# ITU-T Q.850 cause values the dialler acts on.
CAUSE_UNALLOCATED_NUMBER = 1
CAUSE_NORMAL_CLEARING = 16
CAUSE_USER_BUSY = 17
CAUSE_NO_USER_RESPONDING = 18
CAUSE_NO_ANSWER = 19
CAUSE_INVALID_NUMBER_FORMAT = 28

INVALID_NUMBER_CAUSES = frozenset({CAUSE_UNALLOCATED_NUMBER, CAUSE_INVALID_NUMBER_FORMAT})


class Outcome(StrEnum):
    CONNECTED = "connected"  # a person answered
    MAILBOX = "mailbox"  # an answering machine or voicemail answered
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    INVALID = "invalid"  # the number does not exist; it is not dialed again
    FAILED = "failed"  # anything else: network trouble, rejection


def classify(cause: int, connected: bool, mailbox: bool) -> Outcome:
    if connected:
        return Outcome.MAILBOX if mailbox else Outcome.CONNECTED
    if cause in INVALID_NUMBER_CAUSES:
        return Outcome.INVALID
    if cause == CAUSE_USER_BUSY:
        return Outcome.BUSY
    if cause in (CAUSE_NO_USER_RESPONDING, CAUSE_NO_ANSWER, CAUSE_NORMAL_CLEARING):
        return Outcome.NO_ANSWER
    return Outcome.FAILED
