"""`serve --engine` (and `serve --demo`): the engine dials inside the API's process, and the
demo campaign's calls show in its progress, its contacts' history, their loans' call tracking
and the call reports, whatever the hour."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from opendialer.app import create_app
from opendialer.callreports.models import CallDetailRecord
from opendialer.calltracking.models import DIALLER, TrackedCall
from opendialer.config import Settings
from opendialer.db.migrate import upgrade
from opendialer.db.session import Database
from opendialer.demo import load_demo
from opendialer.dialler.models import Contact, ContactHistory
from opendialer.engine.models import Attempt
from tests.conftest import TEST_KEY
from tests.engine.test_processes import HEADERS


def test_the_demo_campaign_is_dialed_by_the_engine_inside_the_service(
    cli_database_url: str,
) -> None:
    database = Database.from_url(cli_database_url)
    upgrade(database.engine)
    with database.transaction() as session:
        load_demo(session)
    settings = Settings(
        database_url=cli_database_url, secret_key=TEST_KEY, daily_call_list=False, engine=True
    )
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            deadline = time.monotonic() + 20
            while True:
                progress = client.get("/dialler/campaigns/1/progress", headers=HEADERS)
                assert progress.status_code == 200, progress.text
                record = progress.json()["records"][0]
                # Calls placed, and the consumers who gave no consent (and those where it is
                # night) refused. Each figure is read by a statement of its own, which on
                # PostgreSQL sees what committed until then: one may show the first claim,
                # and another not yet.
                placed = record["CallsInFlight"] or record["AttemptsToday"]
                if placed and record["RefusedNow"].get("consent", 0) > 0:
                    break
                assert time.monotonic() < deadline, f"no call placed or refused: {record}"
                time.sleep(0.2)
            assert record["DialingState"] == "running"
        # The service stopped: the engine hung up what was under way and recorded it, in the
        # contacts' history, on their loans' call tracking and in the call reports.
        with database.transaction(write=False) as session:
            placed = list(session.execute(select(Attempt)).scalars())
            contacts = {attempt.contact_id for attempt in placed}
            linked = session.execute(
                select(Contact.loan_id).where(Contact.id.in_(contacts))
            ).scalars()
            tracked = session.execute(
                select(TrackedCall.loan_id).where(TrackedCall.created_by == DIALLER)
            ).scalars()
            history = session.execute(select(ContactHistory.id)).scalars().all()
            reported = session.execute(select(CallDetailRecord.unique_id)).scalars().all()
        assert placed and all(attempt.ended_at is not None for attempt in placed)
        assert set(linked) == set(tracked)
        assert len(history) == len(reported) == len(placed)
    finally:
        database.engine.dispose()
