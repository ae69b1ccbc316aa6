"""Fixtures of the dialler's tests: a campaign with retry delays of its own, and a contact in it
with all six numbers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.dialler.test_results_api import DELAYS, NUMBERS, import_contact


@pytest.fixture
def campaign_id(client: TestClient, auth: TokenFactory) -> int:
    response = client.post(
        "/dialler/campaigns",
        json={
            "Name": "Retries",
            "nRetryDelayBusy": DELAYS["busy"],
            "nRetryDelayNoAnswer": DELAYS["no_answer"],
            "nRetryDelayMailbox": DELAYS["mailbox"],
            "nRetryDelayFailed": DELAYS["failed"],
            "nRetryDelayConnected": DELAYS["connected"],
        },
        headers=auth(),
    )
    assert response.status_code == 200, response.text
    value: int = response.json()["records"][0]["DiallerCampaignsID"]
    return value


@pytest.fixture
def contact(client: TestClient, auth: TokenFactory, campaign_id: int) -> dict[str, Any]:
    return import_contact(client, auth, campaign_id, **NUMBERS)
