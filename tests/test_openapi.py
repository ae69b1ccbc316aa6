"""The OpenAPI document describes every answer: each operation's success body and its errors in
its face's envelope. (tests/contract.py checks the suite's answers against it.)"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

# The error envelope of each face, by the first segment of its paths.
ENVELOPES = {
    "auth": "OAuthError",
    "dialler": "StatusMessage",
    "call-reports": "StatusMessage",
    "lenders": "VelocityError",
    "borrowers": "VelocityError",
    "loans": "VelocityError",
    "buckets": "VelocityError",
    "dialer": "VelocityError",
    "dialerapi": "VelocityError",
    "calltracking": "VelocityError",
    "calltrackingapi": "VelocityError",
    "compliance": "VelocityError",
}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_operation_documents_its_success_body(document: dict[str, Any]) -> None:
    found = operations(document)
    assert len(found) == 75
    for method, path, operation in found:
        successes = [status for status in operation["responses"] if status.startswith("2")]
        # Adding a number already listed answers the stored entry with 200, a new one 201.
        expected = 2 if (method, path) == ("POST", "/compliance/dnc") else 1
        assert len(successes) == expected, (method, path, successes)
        if successes == ["204"]:
            assert "content" not in operation["responses"]["204"]
            continue
        schema = operation["responses"][successes[0]]["content"]["application/json"]["schema"]
        assert schema, f"{method} {path} documents no success body"


def test_every_error_is_in_its_faces_envelope(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        envelope = f"#/components/schemas/{ENVELOPES[path.split('/')[1]]}"
        errors = {s: r for s, r in operation["responses"].items() if s[0] in "45"}
        assert {"400", "500"} <= set(errors), (method, path)
        assert "422" not in errors, (method, path)
        if path != "/auth/token":
            assert {"401", "403", "404"} <= set(errors), (method, path)
        if method != "GET":
            assert "413" in errors, (method, path)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": envelope}, (method, path, status)


def test_records_carry_both_acd_spellings_and_no_other_field(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    contact = schemas["DiallerContact"]
    assert contact["additionalProperties"] is False
    for name in ("LastAcdAgentEndReasonsID", "LastAcidAgentEndReasonsID"):
        kinds = contact["properties"][name]["anyOf"]
        assert {"type": "integer"} in kinds and {"type": "null"} in kinds
        assert name in contact["required"]
    history = schemas["DiallerContactHistory"]["properties"]
    assert {"AcdAgentEndReasonsID", "AcidAgentEndReasonsID"} <= set(history)
    amount = contact["properties"]["Amount"]["anyOf"]
    assert {"type": "number"} in amount and {"type": "null"} in amount


def test_call_reports_document_csv_too(document: dict[str, Any]) -> None:
    ok = document["paths"]["/call-reports"]["get"]["responses"]["200"]["content"]
    assert ok["text/csv"]["schema"] == {"type": "string"}
    assert ok["application/json"]["schema"]["type"] == "array"


def test_paging_links_are_documented_relative_to_the_faces_base(document: dict[str, Any]) -> None:
    links = document["components"]["schemas"]["CallListPageLinks"]
    assert links["required"] == ["first", "last"]
    assert links["properties"]["next"]["pattern"] == "^/calls\\?"
