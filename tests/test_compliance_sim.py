"""A small run of bench/compliance_sim.py: the calls the gate allowed, checked by the rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "compliance_sim.py"
SMALL = ["--attempts", "2000", "--debts", "200", "--days", "3", "--no-reference"]


@pytest.fixture(scope="module")
def violations() -> dict[str, int]:
    """Each check's violations in a small run on SQLite."""
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *SMALL], capture_output=True, text=True, timeout=300
    )
    assert run.returncode in (0, 1), run.stderr
    found = dict(re.findall(r"^  (\w+): (\d+) violations$", run.stdout, re.MULTILINE))
    assert "frequency_7_in_7" in found, run.stdout
    return {check: int(count) for check, count in found.items()}


def test_allowed_calls_keep_the_rules(violations: dict[str, int]) -> None:
    assert {check: n for check, n in violations.items() if check != "state_cap" and n} == {}


@pytest.mark.xfail(
    strict=True,
    reason="the gate applies the Massachusetts and Washington caps by the address's state "
    "only: an address with a Boston or Seattle ZIP code and no state is not capped",
)
def test_allowed_calls_keep_the_state_caps(violations: dict[str, int]) -> None:
    assert violations["state_cap"] == 0
