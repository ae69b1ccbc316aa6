"""Service settings, read from OPENDIALER_* environment variables."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Annotated

from pydantic import field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

# scheme://host[:port], as a browser writes its Origin header.
ORIGIN = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s,*]+")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENDIALER_", extra="ignore")

    database_url: str = "sqlite:///opendialer.db"
    secret_key: str | None = None
    token_ttl_seconds: int = 3600
    max_body_bytes: int = 1024 * 1024
    max_batch_body_bytes: int = 64 * 1024 * 1024
    # Build every servicer's call list once a day (UTC) inside the running service.
    daily_call_list: bool = True
    log_level: str = "info"
    # Origins whose browser pages may call the API (CORS), comma-separated; none by default.
    cors_origins: Annotated[list[str], NoDecode] = []

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
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        try:
            with path.open("x") as handle:
                handle.write(key)
            path.chmod(0o600)
        except FileExistsError:
            # Another process generated the key first; use theirs.
            return path.read_text().strip()
        return key

    def secret_key_path(self) -> Path:
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(f"{url.database}.secret").resolve()
        return Path("opendialer.secret").resolve()
