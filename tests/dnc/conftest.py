"""Fixtures of the do-not-call tests: a client of each tenant and their campaigns."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TokenFactory
from tests.dnc.helpers import Lists


@pytest.fixture
def acme(client: TestClient, auth: TokenFactory) -> Lists:
    """An account_admin of tenant 314."""
    return Lists(client, auth())


@pytest.fixture
def other(client: TestClient, auth: TokenFactory) -> Lists:
    """An account_admin of tenant 315."""
    return Lists(client, auth(tenant=315))


def new_campaign(lists: Lists, name: str, **fields: Any) -> int:
    response = lists.client.post(
        "/dialler/campaigns", json={"Name": name, **fields}, headers=lists.headers
    )
    assert response.status_code == 200, response.text
    campaign_id: int = response.json()["records"][0]["DiallerCampaignsID"]
    return campaign_id


@pytest.fixture
def acme_campaign(acme: Lists) -> int:
    """A campaign of tenant 314 (region US)."""
    return new_campaign(acme, "Early Stage")


@pytest.fixture
def other_campaign(other: Lists) -> int:
    """A campaign of tenant 315."""
    return new_campaign(other, "Other Early Stage")
