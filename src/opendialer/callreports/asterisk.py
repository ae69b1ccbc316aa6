"""Reading Asterisk's cdr_csv Master.csv into call detail records.

cdr_csv writes no header. Its columns are the 16 standard CDR fields, then `uniqueid` and
`userfield` (when loguniqueid/loguserfield are on, the default), then `peeraccount`,
`linkedid` and `sequence` (with newcdrcolumns). Any of those lengths is read."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, get_args

from opendialer.callreports.schemas import Disposition

COLUMNS = [
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
]  # fmt: skip
MIN_COLUMNS = 16
DISPOSITIONS = frozenset(get_args(Disposition))
# Dialplan contexts that take calls in from carriers; anything else is an outbound leg.
INBOUND_CONTEXT = re.compile(r"from-(trunk|pstn|did|external)|inbound|ext-did", re.IGNORECASE)
CLID = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*(<(?P<number>[^>]*)>)?\s*$')


class MasterCsvError(ValueError):
    pass


def read_master_csv(
    path: Path, zone: tzinfo, direction: str = "auto"
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, CDR fields in the API's names) for each line of a Master.csv file;
    a line that cannot be read raises MasterCsvError naming the problem."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        while True:
            try:
                fields = next(reader, None)
            except csv.Error as exc:
                raise MasterCsvError(f"line {reader.line_num}: {exc}") from None
            except UnicodeDecodeError as exc:
                # Stored as U+FFFD before: a caller's name lost without a word.
                raise MasterCsvError(
                    f"after line {reader.line_num}: not UTF-8 (byte {exc.object[exc.start]:#04x}"
                    f" at offset {exc.start} of a block read); nothing imported"
                ) from None
            if fields is None:
                return
            if not fields or fields == [""]:
                continue
            try:
                record = _record(fields, zone, direction)
            except MasterCsvError as exc:
                raise MasterCsvError(f"line {reader.line_num}: {exc}") from None
            yield reader.line_num, record


def _record(fields: list[str], zone: tzinfo, direction: str) -> dict[str, Any]:
    if not MIN_COLUMNS <= len(fields) <= len(COLUMNS):
        raise MasterCsvError(
            f"{len(fields)} columns; cdr_csv writes {MIN_COLUMNS} to {len(COLUMNS)}"
        )
    row = dict(zip(COLUMNS, fields, strict=False))
    start = _moment(row["start"], zone, "start")
    answered = row.get("answer", "").strip() != ""
    disposition = row["disposition"].strip().upper()
    if disposition not in DISPOSITIONS:
        disposition = "FAILED"  # CONGESTION and the like
    clid = CLID.match(row["clid"])
    name = (clid.group("name") or "").strip() if clid else ""
    unique_id = row.get("uniqueid", "").strip()
    if not unique_id:
        # No uniqueid column: a line's content identifies it, so a re-read finds it again.
        unique_id = "csv-" + hashlib.sha1("\x1f".join(fields).encode()).hexdigest()
    elif row.get("sequence", "").strip():
        unique_id = f"{unique_id}-{row['sequence'].strip()}"
    linked = row.get("linkedid", "").strip()
    if direction == "auto":
        direction = "IN" if INBOUND_CONTEXT.search(row["dcontext"]) else "OUT"
    return {
        "time": start,
        "callerIdNumber": row["src"] or None,
        "callerIdName": name or None,
        "dialedNum": row["dst"] or None,
        "direction": direction,
        "disposition": disposition,
        "duration": _seconds(row["duration"], "duration"),
        "uniqueId": unique_id,
        "prevUniqueId": linked if linked and linked != row.get("uniqueid") else "",
        "nextUniqueId": "",
        "whoAnswered": row["dstchannel"] if disposition == "ANSWERED" else "",
        "recorded": 0,
        "queueCall": 1 if row["lastapp"].strip().lower() == "queue" else 0,
        "presented": 1 if answered else 0,
        "afterAnswerDuration": _seconds(row["billsec"], "billsec"),
        "billingId": row["accountcode"] or None,
        "callOutcome": row.get("userfield", "") or "",
    }


def _moment(raw: str, zone: tzinfo, name: str) -> datetime:
    try:
        return datetime.strptime(raw.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
    except ValueError:
        raise MasterCsvError(f"{name} {raw!r} is not YYYY-MM-DD HH:MM:SS") from None


def _seconds(raw: str, name: str) -> int:
    try:
        value = int(raw.strip() or 0)
    except ValueError:
        raise MasterCsvError(f"{name} {raw!r} is not a whole number of seconds") from None
    if value < 0:
        raise MasterCsvError(f"{name} {value} is negative")
    return value
