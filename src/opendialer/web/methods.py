"""405 with `Allow` for a method a path does not take, also where a path with a parameter
would otherwise take the request: `GET /dialler/contacts/import` is the import's path, not
the contact with the id "import", so it answers 405 (Allow: POST), not a 400 about the id."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from opendialer.web.errors import Faces
from opendialer.web.routes import api_routes


def declared_methods(routes: Iterable[BaseRoute]) -> dict[str, frozenset[str]]:
    """Each path without parameters and the methods its operations take (HEAD with GET)."""
    methods: dict[str, set[str]] = defaultdict(set)
    for route in api_routes(routes):
        if "{" not in route.path:
            methods[route.path] |= route.methods or set()
    for taken in methods.values():
        if "GET" in taken:
            taken.add("HEAD")
    return {path: frozenset(taken) for path, taken in methods.items()}


class DeclaredMethods:
    def __init__(self, app: ASGIApp, faces: Faces) -> None:
        self.app = app
        self.faces = faces
        # Learnt at the first request: routes are included after middleware is added.
        self.methods: dict[str, frozenset[str]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.methods is None:
            self.methods = declared_methods(scope["app"].routes)
        taken = self.methods.get(scope["path"])
        method = scope["method"]
        if taken is None or method in taken or method == "OPTIONS":
            await self.app(scope, receive, send)
            return
        allow = ", ".join(sorted(taken))
        message = f"method {method} is not allowed on {scope['path']}; it takes {allow}"
        response = self.faces.render(scope["path"], 405, message, {"Allow": allow})
        await response(scope, receive, send)
