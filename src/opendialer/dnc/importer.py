"""Files of numbers to list: one number a line, or a CSV file whose header names phoneNumber."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

PHONE_COLUMN = "phonenumber"


def read_numbers(path: Path) -> Iterator[tuple[int, str]]:
    """Each number of the file as written, with its line number; blank lines are skipped. The
    first line that is not blank is a CSV header when one of its cells is `phoneNumber` (in
    any case): then that column of each record is read. A file that is not UTF-8 raises
    UnicodeDecodeError when the reading reaches the bad bytes."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = next(_lines(handle, 0), None)
        if first is None:
            return
        first_line, text = first
        column = _phone_column(text)
        if column is None:
            yield first_line, text
            yield from _lines(handle, first_line)
        else:
            yield from _records(handle, first_line, column)


def _phone_column(line: str) -> int | None:
    cells = next(csv.reader([line]), [])
    for position, cell in enumerate(cells):
        if cell.strip().lower() == PHONE_COLUMN:
            return position
    return None


def _lines(handle: TextIO, before: int) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(handle, before + 1):
        text = line.strip()
        if text:
            yield number, text


def _records(handle: TextIO, before: int, column: int) -> Iterator[tuple[int, str]]:
    reader = csv.reader(handle)
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        # A record's last line: a quoted value may hold line breaks.
        line = before + reader.line_num
        yield line, cells[column].strip() if column < len(cells) else ""
