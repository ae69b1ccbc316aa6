"""Write transactions take turns, on the event loop, before any of them takes a thread.

On SQLite one connection at a time may write. A writer that waited for the lock inside a
thread of the request pool held that thread while it waited, so 16 waiting writers held the
whole pool, and the writer holding the lock then waited for a thread of the same pool to run
its handler: every request stalled until SQLite's busy timeout gave up with "database is
locked". Here a writer waits for its turn as a coroutine, holding nothing another request
needs, and one that does not get its turn within the configured time is answered 503 with
`Retry-After`. PostgreSQL locks rows, not the database: its writers need no turns.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from anyio import CapacityLimiter, to_thread
from fastapi import Request
from fastapi.routing import APIRoute

from opendialer.errors import Busy

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class WriteTurns:
    """The queue of a process's write transactions: first come, first served, one at a time
    when `one_at_a_time` (SQLite), each waiting at most `wait_seconds` for its turn."""

    def __init__(self, *, one_at_a_time: bool, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self._lock = anyio.Lock() if one_at_a_time else None
        # The thread the writer whose turn it is runs its endpoint on: in the request threads'
        # queue it waited behind every reader queued before it, holding its turn (at 64
        # connections, 2 s for a write that takes milliseconds). None: the request threads.
        self.thread = CapacityLimiter(1) if one_at_a_time else None

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        if self._lock is None:
            yield
            return
        acquired = False
        with anyio.move_on_after(self.wait_seconds):
            await self._lock.acquire()
            acquired = True
        if not acquired:
            raise busy(self.wait_seconds)
        try:
            yield
        finally:
            self._lock.release()


def busy(wait_seconds: float) -> Busy:
    return Busy(
        f"the database is busy with other writes (waited {wait_seconds:g} s); "
        "nothing was written, retry after the time in Retry-After",
        retry_after=math.ceil(min(wait_seconds, 5)),
    )


class Route(APIRoute):
    """An operation. A synchronous endpoint that writes runs on the thread of the writer whose
    turn it is (`WriteTurns.thread`), where there is one."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = set(kwargs.get("methods") or ())
        if methods - READ_METHODS and not inspect.iscoroutinefunction(endpoint):
            endpoint = _on_writer_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _on_writer_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` as a coroutine that runs it on the writers' thread, or on a request thread
    where writers need none (PostgreSQL). It takes the request besides, to find the thread."""

    @functools.wraps(endpoint)
    async def run(*args: Any, opendialer_request: Request, **kwargs: Any) -> Any:
        turns: WriteTurns = opendialer_request.app.state.write_turns
        call = functools.partial(endpoint, *args, **kwargs)
        return await to_thread.run_sync(call, limiter=turns.thread)

    signature = inspect.signature(endpoint)
    request = inspect.Parameter(
        "opendialer_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request
    )
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), request]
    )
    return run
