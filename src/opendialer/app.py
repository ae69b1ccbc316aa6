"""The OpenDialer web application: routers, error envelopes and the database's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from opendialer import __version__
from opendialer.auth.attempts import FailedAttempts
from opendialer.auth.revocations import Revocations
from opendialer.auth.router import oauth_error
from opendialer.auth.router import router as auth_router
from opendialer.calllist.router import router as calllist_router
from opendialer.callreports.router import router as callreports_router
from opendialer.calltracking.router import router as calltracking_router
from opendialer.compliance.holds_router import router as holds_router
from opendialer.compliance.router import dialler_router as callability_router
from opendialer.compliance.router import router as compliance_router
from opendialer.config import Settings
from opendialer.daily import build_daily
from opendialer.db.session import REQUEST_THREADS, Database
from opendialer.dialler.router import router as dialler_router
from opendialer.dnc.router import router as dnc_router
from opendialer.engine.router import router as engine_router
from opendialer.engine.service import EngineThread
from opendialer.loans.router import router as loans_router
from opendialer.outcomes.router import router as outcomes_router
from opendialer.web.cors import BrowserOrigins
from opendialer.web.errors import Envelope, Faces, install_error_handlers, status_message
from opendialer.web.limits import BodySizeLimit, takes_batches
from opendialer.web.methods import DeclaredMethods
from opendialer.web.openapi import install_openapi
from opendialer.web.query import QueryNameCase
from opendialer.web.velocity import velocity_error
from opendialer.web.writes import WriteTurns

# Each router and the envelope its errors are answered in: a path under any of its first
# segments (/dialerapi/...) answers in its face's envelope, unknown paths included.
FACES: list[tuple[APIRouter, Envelope]] = [
    (auth_router, oauth_error),
    (dialler_router, status_message),
    (outcomes_router, status_message),
    (loans_router, velocity_error),
    (calllist_router, velocity_error),
    (calltracking_router, velocity_error),
    (callreports_router, status_message),
    (holds_router, velocity_error),
    (dnc_router, velocity_error),
    (compliance_router, velocity_error),
    (callability_router, status_message),
    (engine_router, status_message),
]

DESCRIPTION = """
OpenDialer speaks the REST APIs collections tools already use. Authenticate with
`POST /auth/token` (OAuth2 client credentials) and send the access token as
`Authorization: Bearer <token>` (the bare token is accepted too).
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the application. The database is opened in `lifespan` unless one is handed in."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = database is None
        # Fewer threads than anyio's default of 40: past two or three per core they only take
        # the interpreter's lock from one another.
        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
        app.state.database = database or Database.from_url(
            settings.database_url, lock_wait_seconds=settings.write_wait_seconds
        )
        app.state.write_turns = WriteTurns(
            one_at_a_time=app.state.database.engine.dialect.name == "sqlite",
            wait_seconds=settings.write_wait_seconds,
        )
        app.state.signing_key = settings.signing_key()
        app.state.revocations = Revocations(app.state.database, settings.revocation_refresh_seconds)
        # Secrets are checked with scrypt, which keeps a core busy for tens of milliseconds:
        # a flood of attempts may use at most half the cores, never the request threads.
        app.state.secret_checks = CapacityLimiter(max(1, (os.cpu_count() or 2) // 2))
        if own:
            # What start-up loaded lives as long as the service: kept out of the collector's
            # full passes, which otherwise walk it again and again under load (a batch of
            # 40,000 tracked calls spent 170 to 425 ms in them, 1 to 11 ms once frozen).
            gc.freeze()
        daily = (
            asyncio.create_task(build_daily(app.state.database))
            if settings.daily_call_list
            else None
        )
        dialing = EngineThread(app.state.database) if settings.engine else None
        if dialing is not None:
            dialing.start()
        try:
            yield
        finally:
            if dialing is not None:
                await asyncio.to_thread(dialing.stop)
            if daily is not None:
                daily.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await daily
            if own:
                app.state.database.engine.dispose()

    app = FastAPI(
        title="OpenDialer",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.token_attempts = FailedAttempts(
        settings.token_failure_limit, settings.token_failure_window_seconds
    )

    faces = Faces(default=status_message)
    batch_paths = []
    for router, envelope in FACES:
        app.include_router(router)
        for route in router.routes:
            assert isinstance(route, APIRoute)
            faces.register("/" + route.path.split("/")[1], envelope)
            if takes_batches(route.endpoint):
                batch_paths.append(route.path)
    install_error_handlers(app, faces)
    install_openapi(app)
    app.add_middleware(
        BodySizeLimit,
        faces=faces,
        default_limit=settings.max_body_bytes,
        limits={path: settings.max_batch_body_bytes for path in batch_paths},
    )
    app.add_middleware(QueryNameCase, faces=faces)
    app.add_middleware(DeclaredMethods, faces=faces)
    if settings.cors_origins:
        # Added last, so outermost: a preflight is answered first, and every answer, errors
        # of the middleware above included, carries the headers.
        app.add_middleware(BrowserOrigins, origins=settings.cors_origins)

    logging.getLogger("opendialer").setLevel(settings.log_level.upper())
    return app
