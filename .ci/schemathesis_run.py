"""Fuzzes every operation of a running OpenDialer with schemathesis: the service is started on
a fresh database holding the demo data, a token is obtained as a client would (an API client's
credentials exchanged at POST /auth/token), and each operation gets a bounded number of
generated requests. Fails on any 5xx and on any response outside /openapi.json (status,
content type or body).

    .venv/bin/python .ci/schemathesis_run.py [--database-url URL] [--examples N] [--seed N]
        [any `st run` option, e.g. --include-path /loans --report har]

Without --database-url, a SQLite database in a temporary directory; a PostgreSQL URL must name
an empty database. .ci/schemathesis.toml gives the demo data's ids and UserData values, so
that the operations finding a contact or a campaign are not all answered 404."""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
CONFIG = Path(__file__).with_name("schemathesis.toml")
TENANT, SERVICER = "314", "2"  # the demo data's
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: SQLite, temporary)")
    parser.add_argument("--examples", type=int, default=50, help="generated cases per operation")
    parser.add_argument("--seed", type=int, default=20261205, help="the generator's seed")
    args, st_options = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="opendialer-schemathesis-") as work:
        url = args.database_url or f"sqlite:///{Path(work) / 'opendialer.db'}"
        env = {
            **os.environ,
            "OPENDIALER_DATABASE_URL": url,
            "OPENDIALER_SECRET_KEY": secrets.token_urlsafe(48),
            "OPENDIALER_DAILY_CALL_LIST": "false",
            "OPENDIALER_LOG_LEVEL": "warning",
        }
        run([str(BIN / "opendialer"), "demo"], env, work)
        client = run(
            [
                str(BIN / "opendialer"),
                "client",
                "create",
                "--role=account_admin",
                f"--tenant={TENANT}",
            ],
            env,
            work,
        )
        credentials = dict(re.findall(r"^(client_id|client_secret)=(\S+)$", client, re.M))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "opendialer"), "serve", "--port", str(port)], env=env, cwd=work
        )
        try:
            wait_for(f"{base}/openapi.json", server)
            token = access_token(base, credentials["client_id"], credentials["client_secret"])
            return fuzz(base, token, args.examples, args.seed, work, st_options)
        finally:
            server.terminate()
            server.wait(timeout=30)


def run(command: list[str], env: dict[str, str], cwd: str) -> str:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the service stopped at start (exit {server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the service did not answer {url} within {seconds:.0f} s")


def access_token(base: str, client_id: str, client_secret: str) -> str:
    """POST /auth/token with the client credentials grant, as a client would."""
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        }
    ).encode()
    with urllib.request.urlopen(f"{base}/auth/token", data=form, timeout=30) as answer:
        token: str = json.load(answer)["access_token"]
        return token


def fuzz(base: str, token: str, examples: int, seed: int, work: str, st_options: list[str]) -> int:
    command = [
        str(BIN / "st"),
        "--no-color",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/openapi.json",
        "--checks",
        ",".join(CHECKS),
        "--header",
        f"Authorization: Bearer {token}",
        "--header",
        f"servicerid: {SERVICER}",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        *st_options,
    ]
    started = time.monotonic()
    status = subprocess.run(command, cwd=work, check=False).returncode
    print(f"== schemathesis: exit {status} after {time.monotonic() - started:.0f} s")
    return status


if __name__ == "__main__":
    sys.exit(main())
