"""CSV files of up to millions of rows, read and checked a chunk at a time.

A row is (line number, {header name: value}), empty values left out; with a header that names
a column twice the last one counts, as with csv.DictReader. A large file is read and checked
(the CSV parsed, each row validated) in a second process while the caller writes the chunks
already checked: both ends of an import run on cores of their own. Either way the file is never
held whole: the caller has at most a few chunks of it at a time."""

from __future__ import annotations

import csv
import functools
import gc
import multiprocessing
import operator
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from opendialer.kit.apimodel import describe_validation_errors, text_problem

Row = tuple[int, dict[str, Any]]
# What a check answers for some rows: the valid ones, validated, and one message per bad one.
Checked = tuple[list[Any], list[str]]
# A check of a caller's own: what it made of the valid rows, and the messages.
Check = Callable[[list[Row]], tuple[Any, list[str]]]

# Chunks the second process checks ahead of those the importing process has taken.
AHEAD = 2
# Files under this size are read and checked in the importing process: starting a second
# process would take longer than it saves.
SECOND_PROCESS_FROM_BYTES = 4 * 1024 * 1024


class CsvShapeError(csv.Error):
    """A CSV file whose header names a column twice, or a row with more cells than it names:
    which value belongs to which field cannot be told."""


class ReaderStopped(Exception):
    """The second process stopped before it had read the whole file (killed, or out of
    memory): the caller has not seen all the rows."""


def chunks(path: Path, size: int) -> Iterator[list[Row]]:
    """The file's rows after its header, `size` at a time (fewer in the last chunk), each
    with its line number in the file (a record's last line: a quoted value can hold line
    breaks); blank lines are no rows."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if repeated:
            raise CsvShapeError(f"line 1: the header names {', '.join(repeated)} more than once")
        width = len(header)
        # Pairs of (name, value) are kept, or left out, in C (a feed has millions of rows):
        # those with a value, when no name is empty.
        plain = "" not in header
        chunk: list[Row] = []
        for values in reader:
            if not values:
                continue
            if len(values) > width:
                raise CsvShapeError(
                    f"line {reader.line_num}: {len(values)} cells, but the header names {width}"
                )
            pairs: Iterable[tuple[str, str]] = zip(header, values, strict=False)
            row = dict(filter(_value, pairs)) if plain else {k: v for k, v in pairs if k and v}
            chunk.append((reader.line_num, row))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


_value = operator.itemgetter(1)


@functools.cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


# A rule of a caller's own, asked about each row once validated: what is wrong with it, if
# anything.
Rule = Callable[[Any], str | None]


def validate(
    rows: list[Row], model: Any, *, quick: Any = None, rule: Rule | None = None
) -> Checked:
    """The rows that validate against `model`, validated, and a message naming the line and
    the field of each one that does not.

    `quick`, for rows whose values are all texts (as `chunks` reads them): a model that takes
    the same rows as `model`, to the same values, but leaves out the check of each text for
    what no database stores (`text_problem`); rows whose texts are all storable, found in one
    look at all of them, are validated against it instead.
    `rule`: asked, in the file's order, about each row that validates; what it answers makes
    the row a bad one, reported with its line like a field's problem."""
    raws = [raw for _, raw in rows]
    fast: Any = model
    if quick is not None:
        # The chunk's texts are looked at together, in C, rather than one by one.
        texts = "".join(chain.from_iterable(map(dict.values, raws)))
        if text_problem(texts) is None:
            fast = quick
    try:
        # All of them in one call rather than a call per row; when one is bad, they are gone
        # through again one by one, so that each bad row is named by its line.
        valid = _adapter(list[fast]).validate_python(raws)
    except ValidationError:
        return _ruled(_one_by_one(rows, model), rule)
    if rule is None:
        return valid, []
    lines = (line for line, _ in rows)
    return _ruled(((line, value, None) for line, value in zip(lines, valid, strict=True)), rule)


def _one_by_one(rows: list[Row], model: Any) -> Iterator[tuple[int, Any, str | None]]:
    """Each row's line, and its value validated against `model` or what is wrong with it."""
    adapter = _adapter(model)
    for line, raw in rows:
        try:
            value = adapter.validate_python(raw)
        except ValidationError as exc:
            yield line, None, describe_validation_errors(exc.errors())
            continue
        yield line, value, None


def _ruled(checked: Iterable[tuple[int, Any, str | None]], rule: Rule | None) -> Checked:
    """The rows validated that `rule` finds nothing wrong with, and a message for each other
    row, in the file's order."""
    good: list[Any] = []
    problems: list[str] = []
    for line, value, problem in checked:
        if problem is None and rule is not None:
            problem = rule(value)
        if problem is None:
            good.append(value)
        else:
            problems.append(f"line {line}: {problem}")
    return good, problems


def _read_and_check(check: Check, chunk: list[Row]) -> tuple[int, Any, list[str]]:
    return (len(chunk), *check(chunk))


def _reader(path: Path, size: int, check: Check, sending: Connection) -> None:
    """In the reading process: each chunk checked and sent, then None; or the error. A thread
    sends what is checked, so that checking goes on while the caller, busy writing, has not
    taken the last chunk yet: up to AHEAD chunks ahead."""
    # As in the importing process, the rows hold no reference cycles: the cyclic garbage
    # collector would only go through each chunk's objects again and again.
    gc.disable()
    checked: queue.Queue[Any] = queue.Queue(maxsize=AHEAD)
    sender = threading.Thread(target=_send, args=(checked, sending), daemon=True)
    sender.start()
    try:
        for chunk in chunks(path, size):
            checked.put(_read_and_check(check, chunk))
        checked.put(None)
    except BaseException as exc:  # handed to the importing process, which raises it
        checked.put(exc)
    finally:
        sender.join()
        sending.close()
    # Everything is sent: the interpreter's teardown, which frees every module and object one
    # by one, would only keep the importing process waiting for this one to end.
    os._exit(0)


def _send(checked: queue.Queue[Any], sending: Connection) -> None:
    while True:
        item = checked.get()
        sending.send(item)
        if item is None or isinstance(item, BaseException):
            return


def _receive(receiving: Connection, reader: BaseProcess, path: Path) -> Any:
    try:
        return receiving.recv()
    except EOFError:
        reader.join()
        raise ReaderStopped(
            f"the process reading {path} stopped (exit code {reader.exitcode})"
        ) from None


def second_process(path: Path) -> bool:
    """Whether the file is worth reading and checking in a process of its own: one that is not
    small, on a machine with another core."""
    return path.stat().st_size >= SECOND_PROCESS_FROM_BYTES and (os.cpu_count() or 1) > 1


def checked_chunks(
    path: Path, size: int, check: Check, *, in_second_process: bool
) -> Iterator[tuple[int, Any, list[str]]]:
    """For each chunk of `size` records of the file, in the file's order: how many rows it
    has, and what `check` answers for them.

    `in_second_process`: the file is read and checked in a process of its own, which stays a
    few chunks ahead of the caller; `check` must then be a module-level function."""
    if not in_second_process:
        for chunk in chunks(path, size):
            yield _read_and_check(check, chunk)
        return
    # The process starts afresh ("spawn"): a fork would copy this process's threads and
    # database connections in whatever state they are.
    context = multiprocessing.get_context("spawn")
    # The reader checks the next chunks while the caller writes the last one, and waits when
    # it is AHEAD chunks ahead: never the whole file.
    receiving, sending = context.Pipe(duplex=False)
    reader = context.Process(target=_reader, args=(path, size, check, sending), daemon=True)
    reader.start()
    sending.close()
    try:
        while (item := _receive(receiving, reader, path)) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
        reader.join()
    finally:
        receiving.close()
        if reader.is_alive():
            reader.terminate()
            reader.join()
