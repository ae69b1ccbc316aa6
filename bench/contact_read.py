"""What OpenDialer's web layer costs on its hottest read: `GET /dialler/contacts/{id}` beside a
minimal FastAPI app and a bare Starlette app that read the same row from the same SQLite file.

Run from the repository root (wrk must be installed: `apt-get update && apt-get install -y wrk`):

    .venv/bin/python bench/contact_read.py [--rounds 5] [--duration 10] [--connections 32]
        [--cpu 0] [--contacts 10000]

Builds a fresh SQLite database with the demo data plus --contacts imported contacts, writes the
two reference apps into the working directory, and starts all three servers, each one uvicorn
process (OpenDialer as `opendialer serve` starts it). With --cpu N every server runs pinned to
CPU N and wrk to the others, so that the servers compete for the same core the same way. Then,
for each of --rounds rounds, it loads each server in turn with wrk for --duration seconds, every
request a random contact of the demo tenant with its token: interleaved, so that a slower
minute of the machine falls on all three alike. It prints each run's requests/s, then the
median of each server and OpenDialer's ratio to each reference.

The references do what a hand-written app would: the FastAPI one a sync endpoint (FastAPI runs
it in its thread pool) that reads the row with the standard library's sqlite3 module on a
connection per thread and answers it in the same `records` envelope as a JSONResponse (so that
FastAPI's encoding of a returned dict, slower than ours, does not flatter the ratio); the
Starlette one the same read and response straight in its async endpoint. Neither checks a
token.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from contact_load import (
    DEMO_TENANT,
    LUA,
    free_port,
    parse_wrk,
    prepare,
    stop_server,
    wrk,
)
from import_contacts import BENCH_KEY, OPENDIALER

REFERENCE_FASTAPI = """
import os
import sqlite3
import threading

from fastapi import FastAPI
from fastapi.responses import JSONResponse

DATABASE = os.environ["REFERENCE_DATABASE"]
TENANT = int(os.environ["REFERENCE_TENANT"])
QUERY = "SELECT * FROM dialler_contacts WHERE tenant_id = ? AND id = ?"
local = threading.local()
app = FastAPI()


def connection():
    if not hasattr(local, "connection"):
        local.connection = sqlite3.connect(DATABASE, check_same_thread=False)
        local.connection.row_factory = sqlite3.Row
    return local.connection


@app.get("/dialler/contacts/{contact_id}")
def get_contact(contact_id: int):
    row = connection().execute(QUERY, (TENANT, contact_id)).fetchone()
    body = {"records": [dict(row)], "status": "success", "message": "ok", "statusCode": 200}
    return JSONResponse(body)
"""

REFERENCE_STARLETTE = """
import os
import sqlite3

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

DATABASE = os.environ["REFERENCE_DATABASE"]
TENANT = int(os.environ["REFERENCE_TENANT"])
QUERY = "SELECT * FROM dialler_contacts WHERE tenant_id = ? AND id = ?"
connection = sqlite3.connect(DATABASE, check_same_thread=False)
connection.row_factory = sqlite3.Row


async def get_contact(request):
    row = connection.execute(QUERY, (TENANT, int(request.path_params["contact_id"]))).fetchone()
    body = {"records": [dict(row)], "status": "success", "message": "ok", "statusCode": 200}
    return JSONResponse(body)


app = Starlette(routes=[Route("/dialler/contacts/{contact_id}", get_contact)])
"""

SERVERS = ("OpenDialer", "minimal FastAPI", "bare Starlette")


def pinned(command: list[str], cpus: str | None) -> list[str]:
    return ["taskset", "-c", cpus, *command] if cpus is not None else command


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_ready(base: str, path: str, token: str, server: subprocess.Popen[bytes]) -> None:
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"a server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            sys.exit(f"GET {path} answered {exc.code}: {exc.read()[:300]!r}")
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit("a server did not answer within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load first, not counted")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--cpu", type=int, help="pin the servers to this CPU, wrk to the others")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit("wrk not found. Install it first: apt-get update && apt-get install -y wrk")
    cpus = os.cpu_count() or 1
    server_cpus = wrk_cpus = None
    if args.cpu is not None:
        server_cpus = str(args.cpu)
        others = [str(cpu) for cpu in range(cpus) if cpu != args.cpu]
        wrk_cpus = ",".join(others) if others else server_cpus

    workdir = Path(tempfile.mkdtemp(prefix="opendialer-read-"))
    database = workdir / "read.db"
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": f"sqlite:///{database}",
        "OPENDIALER_SECRET_KEY": BENCH_KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
        "REFERENCE_DATABASE": str(database),
        "REFERENCE_TENANT": str(DEMO_TENANT),
        "PYTHONPATH": str(workdir),
    }
    servers: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        token, lo, hi = prepare(workdir, args.contacts, env)
        (workdir / "reference_fastapi.py").write_text(REFERENCE_FASTAPI)
        (workdir / "reference_starlette.py").write_text(REFERENCE_STARLETTE)
        script = workdir / "contacts.lua"
        script.write_text(LUA % {"lo": lo, "hi": hi, "token": token})
        uvicorn = [sys.executable, "-m", "uvicorn", "--no-access-log", "--log-level", "warning"]
        for name, module in zip(
            SERVERS, (None, "reference_fastapi", "reference_starlette"), strict=True
        ):
            port = free_port()
            if module is None:
                command = [OPENDIALER, "serve", "--port", str(port)]
            else:
                command = [*uvicorn, "--port", str(port), f"{module}:app"]
            log = workdir / f"{name.split()[-1].lower()}.log"
            server = start(pinned(command, server_cpus), env, log)
            base = f"http://127.0.0.1:{port}"
            servers[name] = (server, base)
            wait_ready(base, f"/dialler/contacts/{hi}", token, server)

        def load(base: str, seconds: int) -> str:
            return wrk(base, script, seconds, args.connections, 1, wrk_cpus)

        print(
            f"{cpus} CPU(s); servers pinned to CPU {server_cpus or 'any'}, wrk to "
            f"{wrk_cpus or 'any'}; wrk -t1 -c{args.connections} -d{args.duration}s; "
            f"{args.rounds} rounds; load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        for _, base in servers.values():
            load(base, args.warmup)
        rates: dict[str, list[float]] = {name: [] for name in SERVERS}
        for round_number in range(1, args.rounds + 1):
            figures = []
            for name, (_, base) in servers.items():
                result = parse_wrk(load(base, args.duration), workers=1)
                if result.non_2xx or result.socket_errors:
                    sys.exit(f"{name}: {result.non_2xx} non-2xx, errors {result.socket_errors}")
                rates[name].append(result.rps)
                figures.append(f"{name} {result.rps:,.0f}/s (p99 {result.p99_ms:.1f} ms)")
            print(f"round {round_number}: " + ", ".join(figures), flush=True)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        ours = medians["OpenDialer"]
        print("medians: " + ", ".join(f"{name} {rps:,.0f}/s" for name, rps in medians.items()))
        for reference in SERVERS[1:]:
            per_round = [a / b for a, b in zip(rates["OpenDialer"], rates[reference], strict=True)]
            print(
                f"OpenDialer / {reference}: {ours / medians[reference]:.2f} of the medians "
                f"(per round {min(per_round):.2f} to {max(per_round):.2f})"
            )
        print(f"load after: {os.getloadavg()[0]:.2f}")
    finally:
        for server, _ in servers.values():
            stop_server(server)
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
