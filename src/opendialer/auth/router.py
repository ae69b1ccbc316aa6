"""POST /auth/token: OAuth2 client credentials in exchange for a signed access token."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

from anyio import to_thread
from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from opendialer.auth.attempts import FailedAttempts
from opendialer.auth.service import token_for_client
from opendialer.errors import Invalid, TooManyRequests, Unauthorized
from opendialer.web.auth import TOKEN_RESPONSES
from opendialer.web.deps import ReadSession
from opendialer.web.responses import json_response
from opendialer.web.writes import Route

router = APIRouter(tags=["auth"], route_class=Route)

# RFC 6749 section 5.2 names no code for 429 and 503: a client locked out for now failed to
# authenticate (invalid_client); a busy service is temporarily_unavailable (section 4.1.2.1).
OAUTH_ERRORS = {
    400: "invalid_request",
    401: "invalid_client",
    429: "invalid_client",
    503: "temporarily_unavailable",
}


def oauth_error(status: int, message: str) -> dict[str, Any]:
    """RFC 6749 section 5.2 error body."""
    return {"error": OAUTH_ERRORS.get(status, "invalid_request"), "error_description": message}


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("the Basic credentials are not valid base64") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise Unauthorized("the Basic credentials must be client_id:client_secret")
    return unquote(client_id), unquote(secret)


@router.post("/auth/token", responses=TOKEN_RESPONSES)
async def issue_access_token(
    request: Request,
    session: ReadSession,
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Exchange API client credentials for an access token (OAuth2 client credentials grant).

    Send `grant_type=client_credentials` form-encoded, with `client_id` and `client_secret`
    either in the form or as HTTP Basic credentials. After repeated failures for one client id
    or from one address the endpoint answers 429 with `Retry-After` until the time has passed.
    """
    if grant_type != "client_credentials":
        raise Invalid("grant_type must be client_credentials (form-encoded)")
    credentials = basic_credentials(request.headers.get("authorization"))
    if credentials is None:
        if client_id is None or client_secret is None:
            raise Unauthorized("client_id and client_secret are required")
        credentials = (client_id, client_secret)
    state = request.app.state
    settings = state.settings
    address = request.client.host if request.client else "unknown"
    keys = (f"client {credentials[0]}", f"address {address}")
    attempts: FailedAttempts = state.token_attempts
    wait = attempts.refused_for(keys)
    if wait is not None:
        raise TooManyRequests(
            f"too many failed attempts for this client or address; retry in {wait} s", wait
        )
    attempts.start(keys)
    failed = False
    try:
        # The secret's check is slow on purpose; a few at a time, beside the request threads.
        token = await to_thread.run_sync(
            token_for_client,
            session,
            *credentials,
            state.signing_key,
            settings.token_ttl_seconds,
            limiter=state.secret_checks,
        )
    except Unauthorized:
        failed = True
        raise
    finally:
        attempts.end(keys, failed=failed)
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}
    )
