"""A small run of bench/compliance_sim.py: the calls the gate allowed, checked by the rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "compliance_sim.py"
SMALL = ["--attempts", "2000", "--debts", "200", "--days", "3", "--no-reference"]


def test_the_calls_the_gate_allowed_keep_every_rule() -> None:
    run = subprocess.run(
        [sys.executable, str(SCRIPT), *SMALL], capture_output=True, text=True, timeout=300
    )
    found = dict(re.findall(r"^  (\w+): (\d+) violations$", run.stdout, re.MULTILINE))
    assert "frequency_7_in_7" in found and "state_cap" in found, run.stdout + run.stderr
    assert {check: n for check, n in found.items() if n != "0"} == {}
    assert run.returncode == 0, run.stderr
