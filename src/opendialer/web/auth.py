"""POST /auth/token on the wire, as the OpenAPI document describes it: the access token, and
OAuth2 errors (RFC 6749)."""

from __future__ import annotations

from typing import Any, Literal

from opendialer.web.openapi import ERROR_MEANINGS, OAuthError, Wire


class AccessToken(Wire):
    """An access token to send as `Authorization: Bearer <token>`, and its lifetime."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int


TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": AccessToken, "description": "The access token"},
    400: {"model": OAuthError, "description": "invalid_request: a form without the grant"},
    401: {"model": OAuthError, "description": "invalid_client: unknown client or wrong secret"},
    413: {"model": OAuthError, "description": ERROR_MEANINGS[413]},
    429: {
        "model": OAuthError,
        "description": "invalid_client: too many failed attempts for the client id or from the "
        "address; retry after the seconds in the Retry-After header",
    },
    500: {"model": OAuthError, "description": ERROR_MEANINGS[500]},
}
