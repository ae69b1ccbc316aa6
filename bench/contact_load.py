"""Loads GET /dialler/contacts/{id} on a real `opendialer serve` with wrk; prints requests/s,
p50 and p99 latency for each number of worker processes.

Run from the repository root (wrk must be installed: `apt-get update && apt-get install -y wrk`
on Debian or Ubuntu):

    .venv/bin/python bench/contact_load.py [--contacts 10000] [--workers 1 2]
        [--duration 15] [--connections 32] [--threads 1]

Builds a fresh SQLite database in a temporary directory with the demo data plus --contacts
imported contacts, then for each --workers value starts `opendialer serve` on 127.0.0.1 and a
free port, warms it up, and runs wrk against it for --duration seconds, every request asking
for a random contact of the demo tenant with its account_admin token. The script stops each
server itself.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from import_contacts import BENCH_KEY, OPENDIALER, busy_cpus, run, write_csv

DEMO_TENANT = 314
DEMO_CAMPAIGN = "Early Stage Collections"
TARGET_RPS = 800.0

LUA = """
local lo, hi = %(lo)d, %(hi)d
wrk.headers["Authorization"] = "Bearer %(token)s"
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + number)
end

function request()
  return wrk.format("GET", "/dialler/contacts/" .. math.random(lo, hi))
end
"""


@dataclass
class Result:
    workers: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: str

    def line(self) -> str:
        verdict = "met" if self.rps >= TARGET_RPS and not self.non_2xx else "MISSED"
        return (
            f"workers {self.workers}: {self.rps:8.0f} requests/s  p50 {self.p50_ms:6.2f} ms  "
            f"p99 {self.p99_ms:6.2f} ms  ({self.requests} requests, non-2xx {self.non_2xx}"
            f"{', socket errors ' + self.socket_errors if self.socket_errors else ''})  "
            f"target >= {TARGET_RPS:.0f}/s {verdict}"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str, workers: int) -> Result:
    def find(pattern: str) -> str:
        found = re.search(pattern, output, re.MULTILINE)
        if not found:
            sys.exit(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return found.group(1)

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return Result(
        workers=workers,
        requests=int(find(r"(\d+) requests in")),
        rps=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=to_ms(find(r"^\s*50%\s+(\S+)")),
        p99_ms=to_ms(find(r"^\s*99%\s+(\S+)")),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=errors.group(1).strip() if errors else "",
    )


def get(url: str, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def start_server(
    workers: int, port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    args = [
        OPENDIALER,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log.open("wb") as handle:
        # A session of its own, so that stopping it reaches the worker processes too.
        return subprocess.Popen(
            args, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGINT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def wait_ready(base: str, token: str, contact_id: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server exited with {server.returncode}")
        try:
            status, body = get(f"{base}/dialler/contacts/{contact_id}", token)
        except OSError:
            time.sleep(0.2)
            continue
        if status != 200:
            sys.exit(f"GET /dialler/contacts/{contact_id} answered {status}: {body[:300]!r}")
        record = json.loads(body)["records"][0]
        if record["ID"] != contact_id:
            sys.exit(f"asked for contact {contact_id}, got {record['ID']}")
        return
    sys.exit("the server did not answer within 60 s")


def wrk(
    base: str, script: Path, seconds: int, connections: int, threads: int, cpus: str | None = None
) -> str:
    """wrk's report of one run; with `cpus`, wrk runs pinned to those CPUs."""
    args = [
        *(["taskset", "-c", cpus] if cpus is not None else []),
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"{base}/",
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def group_cpu_seconds(group: int) -> float:
    """User and system CPU time of every live process in a process group (the server's)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def prepare(workdir: Path, contacts: int, env: dict[str, str]) -> tuple[str, int, int]:
    """Demo data plus `contacts` imported ones; the demo token and the range of contact ids."""
    token = run([OPENDIALER, "demo"], env).stdout.strip()
    csv_path = workdir / "contacts.csv"
    write_csv(csv_path, contacts)
    args = [OPENDIALER, "import", "contacts", str(csv_path), "--tenant", str(DEMO_TENANT)]
    print(run([*args, "--campaign", DEMO_CAMPAIGN], env).stdout.strip())
    engine = create_engine(env["OPENDIALER_DATABASE_URL"])
    with engine.connect() as connection:
        lo, hi, count = connection.execute(
            text("SELECT min(id), max(id), count(*) FROM dialler_contacts WHERE tenant_id = :t"),
            {"t": DEMO_TENANT},
        ).one()
    engine.dispose()
    if hi - lo + 1 != count:
        sys.exit(f"contact ids {lo}..{hi} are not contiguous ({count} contacts)")
    return token, int(lo), int(hi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load first, not counted")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        sys.exit(
            "wrk not found. Install it first, e.g. on Debian or Ubuntu:\n"
            "    apt-get update && apt-get install -y wrk"
        )
    workdir = Path(tempfile.mkdtemp(prefix="opendialer-load-"))
    env = {
        **os.environ,
        "OPENDIALER_DATABASE_URL": f"sqlite:///{workdir / 'load.db'}",
        "OPENDIALER_SECRET_KEY": BENCH_KEY,
        "OPENDIALER_LOG_LEVEL": "warning",
    }
    try:
        token, lo, hi = prepare(workdir, args.contacts, env)
        script = workdir / "contacts.lua"
        script.write_text(LUA % {"lo": lo, "hi": hi, "token": token})
        print(
            f"{os.cpu_count()} CPU(s); contacts {lo}..{hi}; wrk -t{args.threads} "
            f"-c{args.connections} -d{args.duration}s"
        )
        for workers in args.workers:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_server(workers, port, env, workdir / f"serve-{workers}.log")
            try:
                wait_ready(base, token, hi, server)
                wrk(base, script, args.warmup, args.connections, args.threads)
                # Other work on the machine takes CPU from the run: say how much there was.
                others = busy_cpus()
                cpu_before = group_cpu_seconds(server.pid)
                output = wrk(base, script, args.duration, args.connections, args.threads)
                cpu = group_cpu_seconds(server.pid) - cpu_before
            finally:
                stop_server(server)
            result = parse_wrk(output, workers)
            print(
                f"{result.line()}\n    server CPU {cpu / result.requests * 1000:.2f} ms/request; "
                f"busy CPUs just before the run, server idle: {others:.2f}",
                flush=True,
            )
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
