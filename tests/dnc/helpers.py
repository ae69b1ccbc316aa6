"""Talking to the do-not-call API as a client would."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from httpx2 import Response

DNC = "/compliance/dnc"


def entry_path(phone: str) -> str:
    return f"{DNC}/{quote(phone, safe='+')}"


def campaign_params(campaign: int | None) -> dict[str, Any]:
    return {} if campaign is None else {"campaignid": campaign}


class Lists:
    """One caller's do-not-call lists."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def add(self, phone: Any, **fields: Any) -> Response:
        body = {"phoneNumber": phone, **fields}
        return self.client.post(DNC, json=body, headers=self.headers)

    def bulk(self, rows: Any) -> Response:
        return self.client.post(f"{DNC}/bulk", json=rows, headers=self.headers)

    def get(self, phone: str, campaign: int | None = None) -> Response:
        return self.client.get(
            entry_path(phone), params=campaign_params(campaign), headers=self.headers
        )

    def delete(self, phone: str, campaign: int | None = None) -> Response:
        return self.client.delete(
            entry_path(phone), params=campaign_params(campaign), headers=self.headers
        )

    def page(self, **params: Any) -> Response:
        return self.client.get(DNC, params=params, headers=self.headers)

    def numbers(self, campaign: int | None = None) -> list[str]:
        """Every number on a list, in order."""
        response = self.page(limit=1000, **campaign_params(campaign))
        assert response.status_code == 200, response.text
        return [entry["phoneNumber"] for entry in response.json()["data"]]
