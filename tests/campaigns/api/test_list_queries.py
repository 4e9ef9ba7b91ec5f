"""Every list endpoint answers in the same number of queries with 2 rows as with 20.

The list routes come from the URL resolver, so a new one fails here until ``tests/campaigns/api/rows.py`` adds rows
of it and ``QUERIES`` says how many queries it takes.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from tests.campaigns.api.rows import add_rows
from tests.campaigns.api.test_isolation import api_route_names

pytestmark = pytest.mark.django_db
# Per list: authentication is forced, so these are the page's count, its rows and what the rows need.
QUERIES = {
    "organization-list": 2,
    "membership-list": 2,
    "campaign-list": 2,
    "adgroup-list": 2,
    "keyword-list": 2,
    "invitation-list": 2,
    "ad-list": 2,
    "dailymetric-list": 2,
    "searchterm-list": 2,
    "suggestion-list": 2,
    "reportimport-list": 2,
    "budgetplan-list": 4,
    "budgetchange-list": 2,
    "generationjob-list": 2,
    "importjob-list": 2,
}
# Rows each add_rows() call adds per row to a list: one, except memberships (a teammate here and the owner's
# membership of the extra organization).
PER_ROW = {"membership-list": 2}


def list_queries(client: APIClient) -> dict[str, tuple[int, int]]:
    """Queries and listed rows of every list route."""
    found = {}
    for name in sorted(n for n in api_route_names() if n.endswith("-list")):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse(name))
        assert response.status_code == 200, name
        found[name] = (len(captured), response.json()["count"])
    return found


def test_lists_take_the_same_queries_for_2_and_20_rows(organization, owner):
    client = APIClient()
    client.force_authenticate(owner)
    add_rows(organization, 2, owner)
    few = list_queries(client)
    add_rows(organization, 18, owner)
    many = list_queries(client)
    assert {name: queries for name, (queries, _) in many.items()} == {
        name: queries for name, (queries, _) in few.items()
    }
    assert {name: queries for name, (queries, _) in few.items()} == QUERIES
    # Every list really grew, so the counts above were taken over real rows.
    assert {name: many[name][1] - few[name][1] for name in few} == {name: 18 * PER_ROW.get(name, 1) for name in few}
