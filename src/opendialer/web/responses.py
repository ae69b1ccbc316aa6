"""JSON responses rendered with orjson."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Any

import orjson
from starlette.responses import Response


def json_response(body: Any, status_code: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status_code, media_type="application/json")


def stream_json_array(batches: Iterable[list[dict[str, Any]]]) -> Generator[bytes, None, int]:
    """Yields the comma-separated JSON of each batch of records; returns how many there were."""
    count = 0
    for batch in batches:
        if not batch:
            continue
        chunk = b",".join(orjson.dumps(item) for item in batch)
        yield chunk if count == 0 else b"," + chunk
        count += len(batch)
    return count
