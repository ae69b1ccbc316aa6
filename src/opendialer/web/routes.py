"""The app's operations, however FastAPI keeps them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def api_routes(routes: Iterable[BaseRoute]) -> Iterator[APIRoute]:
    """Every APIRoute among `routes` and the routers included in them."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        else:
            # Newer FastAPI keeps an included router whole (its routes are reached through it),
            # where older versions copied its routes into the app's list.
            inner: Any = getattr(route, "original_router", route)
            yield from api_routes(getattr(inner, "routes", ()))
