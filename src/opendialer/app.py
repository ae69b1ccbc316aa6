"""The OpenDialer web application: routers, error envelopes and the database's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from opendialer import __version__
from opendialer.auth.router import oauth_error
from opendialer.auth.router import router as auth_router
from opendialer.calllist.router import router as calllist_router
from opendialer.callreports.router import router as callreports_router
from opendialer.calltracking.router import router as calltracking_router
from opendialer.config import Settings
from opendialer.daily import build_daily
from opendialer.db.session import REQUEST_THREADS, Database
from opendialer.dialler.router import router as dialler_router
from opendialer.loans.router import router as loans_router
from opendialer.outcomes.router import router as outcomes_router
from opendialer.web.cors import BrowserOrigins
from opendialer.web.errors import Faces, install_error_handlers, status_message
from opendialer.web.limits import BodySizeLimit
from opendialer.web.query import QueryNameCase
from opendialer.web.velocity import velocity_error

# Paths answered in the loan-servicing faces' error envelope.
VELOCITY_PREFIXES = (
    "/dialer",
    "/dialerapi",
    "/calltracking",
    "/calltrackingapi",
    "/lenders",
    "/borrowers",
    "/loans",
    "/buckets",
)
# Batch endpoints, which take bodies up to OPENDIALER_MAX_BATCH_BODY_BYTES.
BATCH_PATHS = (
    "/loans/bulk",
    "/calltracking/calls",
    "/calltrackingapi/calltracking/calls",
    "/call-reports",
)

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
        app.state.database = database or Database.from_url(settings.database_url)
        app.state.signing_key = settings.signing_key()
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
        try:
            yield
        finally:
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

    faces = Faces(default=status_message)
    faces.register("/auth", oauth_error)
    faces.register("/dialler", status_message)
    for prefix in VELOCITY_PREFIXES:
        faces.register(prefix, velocity_error)
    install_error_handlers(app, faces)
    app.add_middleware(
        BodySizeLimit,
        faces=faces,
        default_limit=settings.max_body_bytes,
        limits={path: settings.max_batch_body_bytes for path in BATCH_PATHS},
    )
    app.add_middleware(QueryNameCase, faces=faces)
    if settings.cors_origins:
        # Added last, so outermost: a preflight is answered first, and every answer, errors
        # of the middleware above included, carries the headers.
        app.add_middleware(BrowserOrigins, origins=settings.cors_origins)

    app.include_router(auth_router)
    app.include_router(dialler_router)
    app.include_router(outcomes_router)
    app.include_router(loans_router)
    app.include_router(calllist_router)
    app.include_router(callreports_router)
    app.include_router(calltracking_router)
    logging.getLogger("opendialer").setLevel(settings.log_level.upper())
    return app
