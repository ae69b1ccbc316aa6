"""The do-not-call API's camelCase fields and request model."""

from __future__ import annotations

from pydantic import Field

from opendialer.kit.apimodel import INT64, ApiInput, FreeText, Str

DNC_RECORD: list[tuple[str, str]] = [
    ("dncId", "id"),
    ("phoneNumber", "e164"),
    ("campaignId", "campaign_id"),
    ("source", "source"),
    ("createdDate", "created_at"),
    ("tenantId", "tenant_id"),
]

# Longer than any spelling of a phone number, extension and separators included.
MAX_PHONE_TEXT = 64
MAX_SOURCE = 100


class DncInput(ApiInput):
    """A number to list: on the tenant's list, or with `campaignId` on that campaign's. The
    number may be spelt in any common way; it is kept as E.164."""

    phone_number: Str = Field(alias="phoneNumber", max_length=MAX_PHONE_TEXT)
    campaign_id: int | None = Field(default=None, alias="campaignId", ge=1, le=INT64)
    source: FreeText | None = Field(default=None, alias="source", max_length=MAX_SOURCE)
