"""csvfeed: a CSV file's rows read a chunk at a time, in this process or in a second one, and
checked a chunk at a time."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator

from opendialer.kit.csvfeed import (
    Checked,
    CsvShapeError,
    ReaderStopped,
    Row,
    checked_chunks,
    validate,
)


def keep(rows: list[Row]) -> Checked:
    """Every row is good."""
    return list(rows), []


def reject_odd_lines(rows: list[Row]) -> Checked:
    return [r for r in rows if r[0] % 2 == 0], [f"line {n}: odd" for n, _ in rows if n % 2]


def fail(rows: list[Row]) -> Checked:
    raise ValueError("the check failed")


def die(rows: list[Row]) -> Checked:
    os._exit(3)


TEXT = 'a,b,c\n1,"two\nlines",3\n\nx"y,plain,\n"q""uote",,"three\nmore\nlines"\n4,5,6\n7,8,9\n'


def expected(path: Path) -> list[Row]:
    """What csv.DictReader reads, empty values left out."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return [(reader.line_num, {k: v for k, v in row.items() if v}) for row in reader]


@pytest.mark.parametrize("size", [1, 2, 3, 100])
@pytest.mark.parametrize("second", [False, True])
def test_rows_and_line_numbers_are_those_of_the_whole_file(
    tmp_path: Path, size: int, second: bool
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(TEXT)
    read: list[Any] = []
    counts = []
    for count, good, problems in checked_chunks(path, size, keep, in_second_process=second):
        counts.append(count)
        read += good
        assert problems == []
    assert read == expected(path)
    assert [line for line, _ in read] == [3, 5, 8, 9, 10]
    assert sum(counts) == 5


@pytest.mark.parametrize("second", [False, True])
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a,b,a\n1,2,3\n", "line 1: the header names a more than once"),
        ("a,b\n1,2\n3,4\n5,6,7\n", "line 4: 3 cells, but the header names 2"),
        ('a,b\n"1\n2",3,4\n', "line 3: 3 cells, but the header names 2"),
    ],
)
def test_cells_that_cannot_be_told_apart_stop_the_file(
    tmp_path: Path, second: bool, text: str, problem: str
) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(text)
    with pytest.raises(CsvShapeError, match=problem):
        for _ in checked_chunks(path, 1, keep, in_second_process=second):
            pass


def test_problems_come_back_in_the_files_order(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("n\n" + "".join(f"{n}\n" for n in range(1, 2001)))
    problems: list[str] = []
    for _, _, found in checked_chunks(path, 300, reject_odd_lines, in_second_process=True):
        problems += found
    assert problems == [f"line {n}: odd" for n in range(3, 2002, 2)]


def test_an_error_in_the_second_process_is_raised_here(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("n\n1\n")
    with pytest.raises(ValueError, match="the check failed"):
        list(checked_chunks(path, 10, fail, in_second_process=True))


def test_a_second_process_that_dies_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("n\n1\n")
    with pytest.raises(ReaderStopped, match="exit code 3"):
        list(checked_chunks(path, 10, die, in_second_process=True))


def no_nul(row: dict[str, str]) -> dict[str, str]:
    if any("\x00" in value for value in row.values()):
        raise ValueError("must not contain NUL characters")
    return row


NoNul = Annotated[dict[str, str], AfterValidator(no_nul)]
# Takes what NoNul takes without looking for NUL, and says it was used.
Quick = Annotated[dict[str, str], AfterValidator(lambda row: {**row, "via": "quick"})]


def odd_name(row: dict[str, Any]) -> str | None:
    return "the name is odd" if row.get("name") == "odd" else None


def test_a_rule_names_its_rows_in_the_files_order_among_the_models_problems() -> None:
    rows: list[Row] = [
        (2, {"name": "odd"}),
        (3, {"name": "fine"}),
        (5, {"name": 7}),
        (6, {"name": "odd"}),
    ]

    assert validate(rows, dict[str, str], rule=odd_name) == (
        [{"name": "fine"}],
        [
            "line 2: the name is odd",
            "line 5: name: Input should be a valid string",
            "line 6: the name is odd",
        ],
    )
    assert validate(rows[:2], dict[str, str], rule=odd_name) == (
        [{"name": "fine"}],
        ["line 2: the name is odd"],
    )


def test_the_quick_model_is_used_only_for_rows_whose_texts_are_storable() -> None:
    good: list[Row] = [(2, {"name": "a"}), (3, {"name": "b"})]
    assert validate(good, NoNul, quick=Quick) == (
        [{"name": "a", "via": "quick"}, {"name": "b", "via": "quick"}],
        [],
    )

    with_nul: list[Row] = [(2, {"name": "a"}), (3, {"name": "b\x00"})]
    assert validate(with_nul, NoNul, quick=Quick) == (
        [{"name": "a"}],
        ["line 3: request body: Value error, must not contain NUL characters"],
    )
