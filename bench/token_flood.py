"""Prints what a flood of bad credentials does to a real `opendialer serve`, and what an
unknown client id costs against a known one with a wrong secret.

    .venv/bin/python bench/token_flood.py [--flood 64] [--rounds 3] [--samples 20]

Builds the demo database in a temporary directory, creates an API client, starts `serve` (one
process) on a free port, then:

- each round sends --flood POST /auth/token with wrong credentials at once (half naming the
  real client id, half unknown ones) and, while they are answered, GET /dialler/campaigns
  with the demo token, with curl (needs curl): prints the GET's latency as curl timed it, the
  flood's statuses and how long this process took to send and read them all;
- times --samples attempts with an unknown client id and --samples with the real id and a
  wrong secret, in turns, one at a time (the limit is raised for this), and prints the
  medians: equal times tell a guesser nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

from contact_load import free_port, start_server, stop_server
from import_contacts import BENCH_KEY, OPENDIALER, run
from machine import describe, load, reference


def attempt(base: str, client_id: str, secret: str) -> tuple[int, float]:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    started = time.perf_counter()
    status = httpx2.post(f"{base}/auth/token", data=form, timeout=120).status_code
    return status, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flood", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    print(describe(), flush=True)
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        env = {
            **os.environ,
            "OPENDIALER_DATABASE_URL": f"sqlite:///{workdir / 'flood.db'}",
            "OPENDIALER_SECRET_KEY": BENCH_KEY,
            "OPENDIALER_DAILY_CALL_LIST": "false",
            "OPENDIALER_LOG_LEVEL": "warning",
        }
        token = run([OPENDIALER, "demo"], env).stdout.strip()
        made = run([OPENDIALER, "client", "create", "--role", "agent", "--tenant", "314"], env)
        client_id = dict(line.split("=", 1) for line in made.stdout.split())["client_id"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(1, port, env, workdir / "server.log")
        try:
            headers = {"Authorization": f"Bearer {token}"}
            for _ in range(100):
                try:
                    httpx2.get(f"{base}/dialler/campaigns", headers=headers, timeout=5)
                    break
                except httpx2.TransportError:
                    time.sleep(0.2)
            for number in range(1, args.rounds + 1):
                flood(base, headers, client_id, args.flood, number)
                time.sleep(1)
        finally:
            stop_server(server)
        # The timing comparison, on a server whose limit lets every attempt be checked.
        env["OPENDIALER_TOKEN_FAILURE_LIMIT"] = str(10 * args.samples)
        server = start_server(1, port, env, workdir / "server2.log")
        try:
            time.sleep(3)
            attempt(base, client_id, "warm-up")
            attempt(base, "odc_unknown", "warm-up")
            unknown, wrong = [], []
            for n in range(args.samples):  # in turns, so that the machine's drift hits both
                unknown.append(attempt(base, f"odc_unknown{n}", "wrong")[1])
                wrong.append(attempt(base, client_id, f"wrong{n}")[1])
        finally:
            stop_server(server)
    print(
        f"one attempt at a time: unknown client id median {statistics.median(unknown):.1f} ms, "
        f"known id with a wrong secret median {statistics.median(wrong):.1f} ms"
    )


def flood(base: str, headers: dict[str, str], client_id: str, size: int, number: int) -> None:
    with ThreadPoolExecutor(size) as pool:
        started = time.perf_counter()
        sent = [
            pool.submit(attempt, base, client_id if n % 2 else f"odc_r{number}x{n}", f"wrong-{n}")
            for n in range(size)
        ]
        time.sleep(0.05)  # the flood is being answered
        # Asked by curl, a process of its own: this one is busy sending the flood.
        read = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}",
             "-H", f"Authorization: {headers['Authorization']}", f"{base}/dialler/campaigns"],
            capture_output=True, text=True, check=True, timeout=180,
        ).stdout.split()  # fmt: skip
        read_status, read_ms = read[0], float(read[1]) * 1000
        statuses = Counter(future.result()[0] for future in sent)
        elapsed = time.perf_counter() - started
    print(
        f"round {number} ({load()}): {size} bad attempts at once answered "
        f"{dict(sorted(statuses.items()))} in {elapsed:.2f} s; GET /dialler/campaigns meanwhile "
        f"answered {read_status} in {read_ms:.0f} ms (curl)"
    )


if __name__ == "__main__":
    main()
    print(f"after the runs: {load()}; {reference()}")
