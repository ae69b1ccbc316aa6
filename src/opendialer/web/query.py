"""ASGI middleware that matches query parameter names without regard to case."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, unquote_plus

from fastapi.dependencies.models import Dependant
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from opendialer.web.errors import Faces
from opendialer.web.routes import api_routes

# Read from the query by web/deps.py itself rather than declared by a route. The seeds spell the
# tenant both ways; a name the routes declare comes first, so `tenantId` (call reports) is the
# spelling any other case of it is given, and deps.py reads both.
READ_BY_HAND = ("tenantId", "tenantid", "servicerid")


@dataclass(frozen=True, slots=True)
class QueryNames:
    """The spellings the app reads, and for each name in lower case the spelling to give it."""

    spelled: frozenset[bytes]
    by_lower: dict[str, str]

    @classmethod
    def of(cls, routes: Iterable[BaseRoute], read_by_hand: Iterable[str]) -> QueryNames:
        names = [*_declared(routes), *read_by_hand]
        by_lower: dict[str, str] = {}
        for name in names:
            # Two routes declaring one name in two spellings would each keep its own: a request
            # spelling it a third way is given the first route's.
            by_lower.setdefault(name.lower(), name)
        return cls(frozenset(name.encode() for name in names), by_lower)


def _declared(routes: Iterable[BaseRoute]) -> Iterator[str]:
    for route in api_routes(routes):
        yield from _query_params(route.dependant)


def _query_params(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for sub in dependant.dependencies:
        yield from _query_params(sub)


class QueryNameCase:
    """Renames each query parameter sent in another case (`DiallerCampaignsID`, `LOANID`) to
    the spelling the app declares, so that it is read instead of silently ignored. A request
    naming one parameter in two spellings, one of them not the declared one, is refused with a
    400 in the face's envelope: which of the two values was meant cannot be told.

    A request without a query string, or whose names are all spelled as declared, passes
    through untouched after one set lookup per name."""

    def __init__(
        self, app: ASGIApp, faces: Faces, read_by_hand: Iterable[str] = READ_BY_HAND
    ) -> None:
        self.app = app
        self.faces = faces
        self.read_by_hand = tuple(read_by_hand)
        # Learnt at the first request that has a query: routes are included after middleware
        # is added.
        self.names: QueryNames | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"")
        if scope["type"] != "http" or not query:
            await self.app(scope, receive, send)
            return
        names = self.names
        if names is None:
            names = self.names = QueryNames.of(scope["app"].routes, self.read_by_hand)
        parts = query.split(b"&")
        if all(part.partition(b"=")[0] in names.spelled for part in parts):
            await self.app(scope, receive, send)
            return
        renamed, twice = _renamed(parts, names)
        if twice is not None:
            response = self.faces.render(scope["path"], 400, twice)
            await response(scope, receive, send)
            return
        await self.app({**scope, "query_string": renamed}, receive, send)


def _renamed(parts: list[bytes], names: QueryNames) -> tuple[bytes, str | None]:
    """The query with each name in its declared spelling, or the message refusing a name
    sent in two spellings."""
    out: list[bytes] = []
    # For each declared name, the spellings it was sent in, in order (a dict as ordered set).
    sent: dict[str, dict[str, None]] = {}
    for part in parts:
        raw, equals, value = part.partition(b"=")
        # Decoded as Starlette decodes names, so that `%74enantid` is `tenantid` here too.
        name = unquote_plus(raw.decode("latin-1"))
        target = names.by_lower.get(name.lower())
        if target is None:
            out.append(part)
            continue
        sent.setdefault(target, {})[name] = None
        declared = name.encode() in names.spelled
        out.append(part if declared else quote(target).encode() + equals + value)
    for target, spellings in sent.items():
        # Spellings that are all declared (tenantid and tenantId) are read as they always were.
        if len(spellings) > 1 and not all(name.encode() in names.spelled for name in spellings):
            first, second, *_ = spellings
            twice = f"the query parameter {target} is sent twice, as {first} and {second}"
            return b"", f"{twice}; send it once"
    return b"&".join(out), None
