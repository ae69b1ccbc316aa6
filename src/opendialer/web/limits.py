"""ASGI middleware that refuses request bodies over a size limit, and JSON bodies that are not
UTF-8, before any endpoint runs."""

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


# Byte order marks of UTF-8, UTF-16 and UTF-32, which a JSON text must not begin with (RFC 8259
# section 8.1); and a NUL in the first bytes, which JSON in UTF-16 or UTF-32 has and UTF-8
# never does.
_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def encoding_problem(content_type: bytes, chunks: list[bytes]) -> str | None:
    """Why a JSON request body is refused for its encoding, if it is: JSON is UTF-8, with no
    byte order mark, and a charset, when named, is utf-8. Other bodies (forms) pass."""
    media_type, _, parameters = content_type.decode("latin-1").lower().partition(";")
    if media_type.strip() not in ("application/json", "") and not media_type.strip().endswith(
        "+json"
    ):
        return None
    charset = next(
        (
            value.strip().strip('"')
            for name, _, value in (p.partition("=") for p in parameters.split(";"))
            if name.strip() == "charset"
        ),
        "utf-8",
    )
    start = b""
    for chunk in chunks:
        start += chunk[: 4 - len(start)]
        if len(start) == 4:
            break
    if charset not in ("utf-8", "utf8") or start.startswith(_BYTE_ORDER_MARKS) or b"\0" in start:
        return "the request body must be JSON encoded as UTF-8, without a byte order mark"
    return None


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
        problem = encoding_problem(dict(scope["headers"]).get(b"content-type", b""), chunks)
        if problem is not None:
            await self.faces.render(path, 400, problem)(scope, receive, send)
            return
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
