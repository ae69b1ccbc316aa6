"""ASGI middleware that refuses request bodies over a size limit before any endpoint runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opendialer.web.errors import Faces

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def batch_body(endpoint: Endpoint) -> Endpoint:
    """Marks a batch endpoint: its bodies may be up to OPENDIALER_MAX_BATCH_BODY_BYTES."""
    endpoint.__dict__["batch_body"] = True
    return endpoint


def takes_batches(endpoint: Callable[..., Any]) -> bool:
    return bool(getattr(endpoint, "batch_body", False))


class BodySizeLimit:
    """Buffers each request body up to its limit; past it, answers 413 in the face's envelope."""

    def __init__(
        self,
        app: ASGIApp,
        faces: Faces,
        default_limit: int,
        limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.faces = faces
        self.default_limit = default_limit
        self.limits = sorted((limits or {}).items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.limits:
            if path.startswith(prefix):
                return limit
        return self.default_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.limit_for(path)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, path, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await self._refuse(scope, receive, send, path, limit)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, path: str, limit: int
    ) -> None:
        response = self.faces.render(
            path, 413, f"the request body is larger than the {limit} bytes allowed here"
        )
        await response(scope, receive, send)
