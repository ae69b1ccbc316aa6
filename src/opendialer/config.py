"""Service settings, read from OPENDIALER_* environment variables."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

# HS256 keys shorter than its 256-bit hash can be guessed offline from any one token
# (RFC 7518 section 3.2 requires at least this many bytes).
MIN_SECRET_KEY_BYTES = 32

# scheme://host[:port], as a browser writes its Origin header.
ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s,*]+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENDIALER_", extra="ignore")

    database_url: str = "sqlite:///opendialer.db"
    secret_key: str | None = None
    token_ttl_seconds: int = Field(default=3600, ge=1)
    # The longest lifetime any token may be given (`token issue --ttl` included).
    token_max_ttl_seconds: int = Field(default=86400, ge=1)
    # How old the service's list of revoked clients and deleted tenants may grow before a
    # request reads it again: a revoked client's tokens stop working within this time.
    revocation_refresh_seconds: float = Field(default=1.0, ge=0)
    # Failed POST /auth/token attempts allowed per client id and per source address within the
    # window; past them the endpoint answers 429 until the oldest failure leaves the window.
    token_failure_limit: int = Field(default=10, ge=1)
    token_failure_window_seconds: int = Field(default=300, ge=1)
    max_body_bytes: int = 1024 * 1024
    # How long a write waits for the database (on SQLite, for the one writer before it) before
    # it is answered 503 with Retry-After.
    write_wait_seconds: float = Field(default=5.0, gt=0, le=300)
    max_batch_body_bytes: int = 64 * 1024 * 1024
    # Build every servicer's call list once a day (UTC) inside the running service.
    daily_call_list: bool = True
    # Run the dialing engine inside the service (against the simulated carrier), beside the
    # API; `opendialer engine run` runs it as a process of its own instead.
    engine: bool = False
    log_level: str = "info"
    # Origins whose browser pages may call the API (CORS), comma-separated; none by default.
    cors_origins: Annotated[list[str], NoDecode] = []

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if not value:
            return None
        check_key_length(value, "OPENDIALER_SECRET_KEY")
        return value

    @model_validator(mode="after")
    def _ttl_within_maximum(self) -> Settings:
        check_ttl(
            self.token_ttl_seconds, self.token_max_ttl_seconds, "OPENDIALER_TOKEN_TTL_SECONDS"
        )
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        # Written as a browser writes its Origin header, which an origin copied from the
        # address bar (with a trailing slash, or capitals) would otherwise never match.
        origins = [origin.strip().rstrip("/").lower() for origin in value.split(",")]
        for origin in origins:
            if origin and not ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin such as https://app.example.com")
        return [origin for origin in origins if origin]

    def signing_key(self) -> str:
        """The token signing key: the configured one, or one generated once and kept on disk.

        The generated key lives beside the SQLite database file (for a server database, in the
        working directory), so tokens survive a restart. Deployments that run several processes
        on several machines set OPENDIALER_SECRET_KEY so that all of them share it.
        """
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_path()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                # Readable by its owner only from the moment it exists.
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process generated the key first; use theirs
            else:
                key = secrets.token_urlsafe(48)
                with os.fdopen(handle, "w") as output:
                    output.write(key)
                return key
        key = path.read_text().strip()
        check_key_length(key, f"the signing key in {path}")
        return key

    def secret_key_path(self) -> Path:
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(f"{url.database}.secret").resolve()
        return Path("opendialer.secret").resolve()


def check_key_length(key: str, name: str) -> None:
    length = len(key.encode())
    if length < MIN_SECRET_KEY_BYTES:
        raise ValueError(
            f"{name} must be at least {MIN_SECRET_KEY_BYTES} bytes long, not {length}: a "
            "shorter key can be guessed from any token it signed. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )


def check_ttl(ttl: int, maximum: int, name: str) -> None:
    if ttl > maximum:
        raise ValueError(
            f"{name} is {ttl} seconds, more than the longest lifetime a token may have "
            f"({maximum} s, OPENDIALER_TOKEN_MAX_TTL_SECONDS)"
        )
