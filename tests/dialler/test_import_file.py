"""A contacts file imported a chunk at a time: each chunk is written before the rest of the file
is read, and its rows are taken and refused exactly as the HTTP import's body is."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from opendialer.db.session import Database
from opendialer.dialler import importer
from opendialer.dialler.repository import CampaignRepository
from opendialer.dialler.schemas import ContactImport, ContactImportRow, ContactImportRowQuick
from opendialer.dialler.service import CampaignService, ContactService
from opendialer.kit.apimodel import describe_validation_errors
from opendialer.kit.csvfeed import validate

CHUNK = 3


def row(n: int) -> str:
    return f"Name{n},312555{n:04d},acct-{n}\n"


@pytest.mark.parametrize("second_process", [False, True])
def test_each_chunk_is_written_before_the_rest_of_the_file_is_read(
    database: Database,
    campaign: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    second_process: bool,
) -> None:
    monkeypatch.setattr(importer, "IMPORT_CHUNK", CHUNK)
    # A pipe for a file: what the import reads is only there once written.
    path = tmp_path / "contacts.csv"
    os.mkfifo(path)
    first_chunk_written = threading.Event()
    rest_written = threading.Event()

    def write() -> None:
        with path.open("w", encoding="utf-8") as handle:
            handle.write("Name,PhoneNumber1,UserData\n" + "".join(map(row, range(CHUNK))))
            handle.flush()
            # An import that read the whole file first would never write the first chunk:
            # the wait gives up, so that the test fails instead of hanging.
            first_chunk_written.wait(timeout=30)
            rest_written.set()
            handle.write("".join(map(row, range(CHUNK, 2 * CHUNK + 1))))

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    heard: list[tuple[int, int, bool]] = []
    with database.transaction() as session:
        target = CampaignService(session, 314).get(campaign["DiallerCampaignsID"])
        campaigns = CampaignRepository(session, 314)

        def on_chunk(read: int, problems: list[str]) -> None:
            heard.append((read, campaigns.contact_count(target.id), rest_written.is_set()))
            first_chunk_written.set()

        counts = ContactService(session, 314).import_file(
            target,
            path,
            overwrite=False,
            strict=False,
            second_process=second_process,
            on_chunk=on_chunk,
        )
    writer.join()

    assert (counts.imported, counts.rejected) == (2 * CHUNK + 1, 0)
    assert heard == [(CHUNK, CHUNK, False), (CHUNK, 2 * CHUNK, True), (1, 2 * CHUNK + 1, True)]


ROWS: list[dict[str, str]] = [
    {"Name": "Doe", "PhoneNumber1": "3125550100", "Amount": "12.5", "RandomSortOrder": "7"},
    {"Name": "Doe", "dtBeginDate": "2024-05-01T10:00:00+02:00", "FollowUpDateTime": "2024-05-02"},
    {"Name": "Doe", "PhoneNumber1": "3125550100", "ID": "5", "nTriesPhoneNumber1": "3"},
    {"Name": "Doe", "Amount": "abc"},
    {"Name": "Doe", "Amount": "1e18"},
    {"Name": "Doe", "RandomSortOrder": "1.5", "dtEndDate": "soon"},
    {"Name": "D" * 256},
    {"Name": "Doe", "Nmae": "Typo"},
    {"Name": "Doe", "Company": "Nul\x00Corp"},
    {"Name": "Doe", "City": "\ud800"},
    {"Name": "Doe", "LastAcdAgentEndReasonsID": "1", "LastAcidAgentEndReasonsID": "2"},
    {"Name": "Doe", "user_data": "by column name"},
]


@pytest.mark.parametrize("quick", [None, ContactImportRowQuick])
@pytest.mark.parametrize("raw", ROWS)
def test_a_files_row_is_taken_or_refused_as_the_http_body_is(
    raw: dict[str, str], quick: Any
) -> None:
    try:
        body = ContactImport.model_validate({"DiallerCampaignsID": 1, **raw})
    except ValidationError as exc:
        expected = ([], [f"line 2: {describe_validation_errors(exc.errors())}"])
    else:
        sent = body.model_dump(by_alias=True, exclude_unset=True)
        expected = ([{k: v for k, v in sent.items() if k != "DiallerCampaignsID"}], [])

    assert validate([(2, dict(raw))], ContactImportRow, quick=quick) == expected
