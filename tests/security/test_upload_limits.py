"""Uploads the pen-test abused: too big, one huge line, a huge cell, garbage. Each gets a short, clear refusal;
nothing is written to the database and no file is left in the upload folder."""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT
from django.urls import reverse

from campaigns.models import ImportJob, ReportImport, SearchTermDaily
from tests.security.conftest import HEADER, left_in, report_rows

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


class DeclaredBody:
    """A request body that claims ``size`` bytes and counts what the server reads of it (it makes them on read)."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        self.bytes_read += size
        return b"x" * size

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


@pytest.mark.parametrize("path", ["/api/imports/", "/imports/"])
def test_an_oversized_upload_is_refused_unread(client, teammate, organization, upload_dir, path):
    client.force_login(teammate)
    body = DeclaredBody()
    tracemalloc.start()
    response = client.generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=B",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(300 * MB)},
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert response.status_code == 413
    assert body.bytes_read == 0
    assert peak < 2 * MB
    assert len(response.content) < 1000
    assert "The upload is 300.0 MB; the limit is 200 MB." in response.content.decode()
    assert (ImportJob.objects.count(), ReportImport.objects.count(), left_in(upload_dir)) == (0, 0, [])


def test_the_limit_is_a_setting(api, organization, upload_dir, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.csv", report_rows(25_000).encode())  # 1.8 MB, a valid report
    response = api.post("/api/imports/", {"organization": organization.pk, "file": big}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The upload is 1.8 MB; the limit is 1 MB.")
    assert (ImportJob.objects.count(), left_in(upload_dir)) == (0, [])


def multipart_file(path: Path, organization_id: int, chunks: Iterator[bytes]) -> Path:
    """A multipart body with the organization and a file made of ``chunks``, written to disk as it is made."""
    with path.open("wb") as handle:
        handle.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="organization"\r\n\r\n'
            f'{organization_id}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            'filename="one-line.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
        )
        for chunk in chunks:
            handle.write(chunk)
        handle.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path


def test_a_5_mb_single_line_gets_a_short_answer_in_bounded_memory(
    api, client, teammate, organization, upload_dir, tmp_path
):
    # One 5 MB line of header-like cells, no newline; the body streams from disk, so what is measured is the server.
    body = multipart_file(tmp_path / "body", organization.pk, (b"Campaign," * 113 + b"C" for _ in range(5 * 1024)))
    empty = SimpleUploadedFile("empty.csv", b"\n")
    api.post("/api/imports/", {"organization": organization.pk, "file": empty}, format="multipart")  # warm-up
    with body.open("rb") as stream:
        tracemalloc.start()
        response = api.generic(
            "POST",
            "/api/imports/",
            b"",
            content_type=MULTIPART_CONTENT,
            **{"wsgi.input": stream, "CONTENT_LENGTH": str(body.stat().st_size)},
        )
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert response.status_code == 400
    assert response.json() == {
        "detail": "no header row found: expected a tab- or comma-separated report with column names (line 1 has "
        "over 65,536 characters)",
        "line": None,
        "column": None,
    }
    assert peak < 2 * MB  # the pen-test saw +190 MB for this file
    client.force_login(teammate)
    line = (b"Campaign," * 113 + b"C") * 5 * 1024
    page = client.post(reverse("campaigns:imports"), {"file": SimpleUploadedFile("one-line.csv", line)})
    assert page.status_code == 400
    assert len(page.content) < 20_000  # the pen-test's page was 18.9 MB
    assert (ImportJob.objects.count(), left_in(upload_dir)) == (0, [])


def test_a_wrong_header_of_thousands_of_cells_is_echoed_short(api, organization, upload_dir):
    header = ",".join(f"column number {n}" for n in range(3000))  # 52 KB: read, matched, refused
    response = api.post(
        "/api/imports/",
        {"organization": organization.pk, "file": SimpleUploadedFile("wide.csv", f"{header}\n".encode())},
        format="multipart",
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert len(detail) <= 2000
    assert "the header has 3,000 column(s): 'column number 0', 'column number 1'" in detail
    assert detail.endswith("'column number 29' and 2,970 more")
    assert (response.json()["line"], ImportJob.objects.count(), left_in(upload_dir)) == (1, 0, [])


def test_a_cell_over_128_kb_is_a_400_with_line_and_column(api, organization, upload_dir):
    content = report_rows(3, long_cell_line=4, long_cell_chars=130 * 1024)
    response = api.post(
        "/api/imports/",
        {"organization": organization.pk, "file": SimpleUploadedFile("cell.csv", content.encode())},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["line"], body["column"]) == (4, "Search term")
    assert body["detail"].startswith("Line 4, column 'Search term': a cell has over 32,768 characters ('xxx")
    assert len(body["detail"]) < 300
    assert (ImportJob.objects.count(), left_in(upload_dir)) == (0, [])


GARBAGE = random.Random(7).randbytes(20_000)


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (GARBAGE, "unknown encoding: byte 0x"),
        (b"", "The submitted file is empty."),
        (b"\n\n  \n", "the file is empty"),
        (
            (
                "Informe\n"
                + HEADER.replace("Campaign", "Campaña")
                + "cemento,Exact,Campaña,Cola,cemento,2026-09-01,1,1,EUR,"
                "1,0\n"
            ).encode("cp1252"),
            "unknown encoding: byte 0xF1 is not UTF-8 or UTF-16 text",
        ),
    ],
    ids=["binary", "no-bytes", "blank-lines", "latin-1"],
)
def test_malformed_files_are_refused_clearly_and_leave_nothing(api, organization, upload_dir, content, detail):
    response = api.post(
        "/api/imports/",
        {"organization": organization.pk, "file": SimpleUploadedFile("report.csv", content)},
        format="multipart",
    )
    assert response.status_code == 400
    assert detail in str(response.json())
    assert len(response.content) < 1000
    assert (ImportJob.objects.count(), ReportImport.objects.count(), SearchTermDaily.objects.count()) == (0, 0, 0)
    assert left_in(upload_dir) == []
