"""Report files for the upload tests: small ones written whole, big ones streamed to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
from rest_framework.test import APIClient

HEADER = "Search term,Match type,Campaign,Ad group,Keyword,Day,Impr.,Clicks,Currency code,Cost,Conversions\n"


def report_rows(rows: int, *, long_cell_line: int | None = None, long_cell_chars: int = 0) -> str:
    """A Google Ads search-terms report (title, header on line 2, ``rows`` rows from line 3); the row on
    ``long_cell_line`` has a search term of ``long_cell_chars`` characters."""
    lines = ["Search terms report\n", HEADER]
    for n in range(rows):
        term = "x" * long_cell_chars if len(lines) + 1 == long_cell_line else f"cemento {n}"
        lines.append(f"{term},Exact match,Cemento,Cola,cemento,2026-09-{n % 28 + 1:02d},40,3,EUR,1.50,0\n")
    return "".join(lines)


@pytest.fixture
def api(teammate) -> APIClient:
    client = APIClient()
    client.force_authenticate(teammate)
    return client


def left_in(folder: Path) -> list[Path]:
    """Files (not folders) left anywhere under the upload folder."""
    return sorted(path for path in folder.rglob("*") if path.is_file())
