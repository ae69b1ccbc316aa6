"""CORS for the origins OPENDIALER_CORS_ORIGINS names, so that browser pages may call the API."""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class BrowserOrigins(CORSMiddleware):
    """Starlette's CORS for the configured origins, with any request header (the seeds' samples
    send `tenantid`, `servicerid` and `Authorization`) and credentials, since those samples
    set `withCredentials` and a browser then reads no answer without them; the API itself uses
    no cookies. A request from any other origin passes as though CORS were off: no
    Access-Control-* header at all, where Starlette would still send some."""

    def __init__(self, app: ASGIApp, origins: Collection[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=METHODS,
            allow_headers=["*"],
            allow_credentials=True,
            expose_headers=["Idempotent-Replayed"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is None or self.is_allowed_origin(origin):
            await super().__call__(scope, receive, send)
            return

        async def vary(message: Message) -> None:
            # The answer differs for the allowed origins, so caches must key it by origin.
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, vary)
