"""POST /auth/token: OAuth2 client credentials in exchange for a signed access token."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from opendialer.auth.service import token_for_client
from opendialer.errors import Invalid, Unauthorized
from opendialer.web.auth import TOKEN_RESPONSES
from opendialer.web.deps import DbSession
from opendialer.web.responses import json_response

router = APIRouter(tags=["auth"])

OAUTH_ERRORS = {400: "invalid_request", 401: "invalid_client"}


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
def issue_access_token(
    request: Request,
    session: DbSession,
    grant_type: Annotated[str | None, Form()] = None,
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Exchange API client credentials for an access token (OAuth2 client credentials grant).

    Send `grant_type=client_credentials` form-encoded, with `client_id` and `client_secret`
    either in the form or as HTTP Basic credentials.
    """
    if grant_type != "client_credentials":
        raise Invalid("grant_type must be client_credentials (form-encoded)")
    credentials = basic_credentials(request.headers.get("authorization"))
    if credentials is None:
        if client_id is None or client_secret is None:
            raise Unauthorized("client_id and client_secret are required")
        credentials = (client_id, client_secret)
    settings = request.app.state.settings
    token = token_for_client(
        session, *credentials, request.app.state.signing_key, settings.token_ttl_seconds
    )
    return json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": settings.token_ttl_seconds}
    )
