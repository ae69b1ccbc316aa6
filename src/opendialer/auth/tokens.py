"""Client secret hashing and signed, expiring access tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt

from opendialer.auth.principal import Principal, Role
from opendialer.db.base import utcnow
from opendialer.errors import Unauthorized

ALGORITHM = "HS256"
ISSUER = "opendialer"

# scrypt at these costs takes tens of milliseconds: cheap for one login, ruinous for guessing.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **_SCRYPT)
    encode = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${encode(salt).decode()}${encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            secret.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=8, p=1
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


def issue_token(principal: Principal, key: str, ttl_seconds: int) -> str:
    now = utcnow()
    claims: dict[str, Any] = {
        "iss": ISSUER,
        # The client the token was issued to ("cli" for `opendialer token issue`): revoking
        # the client ends its tokens. The id names this one token in logs.
        "sub": principal.subject,
        "jti": secrets.token_urlsafe(12),
        "role": principal.role.value,
        "tenant": principal.tenant_id,
        "servicer": principal.servicer_id,
        "partner": principal.partner_id,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(token: str, key: str) -> Principal:
    """The principal a token names; Unauthorized if it is malformed, forged or expired."""
    principal, expires = _verified(token, key)
    # Checked on every use, as jwt.decode does: a token verified earlier may have expired since.
    if expires <= time.time():
        raise Unauthorized("the access token has expired")
    return principal


# Verifying a signature and its claims costs more than reading one record does, and a client
# sends the same token on every call; only tokens that passed are kept.
@lru_cache(maxsize=4096)
def _verified(token: str, key: str) -> tuple[Principal, int]:
    """The principal a valid token names and its expiry (as jwt.decode reads it)."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "role"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the access token has expired") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("the access token is not valid") from None
    try:
        principal = Principal(
            subject=str(claims["sub"]),
            role=Role(claims["role"]),
            tenant_id=_optional_int(claims.get("tenant")),
            servicer_id=_optional_int(claims.get("servicer")),
            partner_id=_optional_int(claims.get("partner")),
        )
        return principal, int(claims["exp"])
    except (ValueError, TypeError):
        raise Unauthorized("the access token is not valid") from None


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer claim")
    return value
