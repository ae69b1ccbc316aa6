"""What a rule answers when it refuses an attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused attempt: the rule's stable id, a reason a person understands, the rule's
    citation, and the earliest moment the same attempt could be allowed (None when only a
    change of data can allow it)."""

    rule: str
    reason: str
    citation: str
    next_allowed_at: datetime | None


# A campaign's attempts are refused by the thousand for the same reasons until the same moments
# (in UTC): each such refusal is made once and shared, as it cannot change. The moments move on
# with the hours: a few thousand are kept.
refusal = lru_cache(maxsize=8192)(Refusal)
