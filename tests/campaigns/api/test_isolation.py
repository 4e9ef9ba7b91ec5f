"""The isolation matrix: every API route × method, as an outsider, against an object of another organization.

The routes come from the URL resolver, so a new route that the matrix does not cover fails the test.
"""

from __future__ import annotations

import io

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from campaigns.api.urls import router
from campaigns.models import Membership
from tests.campaigns.api.rows import add_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
METHODS = ("get", "put", "patch", "delete")
# Routes that are not per-organization data: the schema, its docs, the token endpoints and the API root.
NOT_DATA = {"api-schema", "api-docs", "api-token", "api-logout", "api-logout-all", "api-root"}


@pytest.fixture
def victim(organization):
    """One row of every kind, in the organization the outsider does not belong to."""
    owner = UserFactory(username="victim-owner")
    Membership.objects.create(user=owner, organization=organization, role="owner")
    objects = {prefix: rows[0] for prefix, rows in add_rows(organization, 1, owner).items()}
    objects["organizations"] = organization
    assert set(objects) == {prefix for prefix, _, _ in router.registry}, "add the new resource to rows.add_rows"
    return objects


# Per-organization routes outside the router (exports, account import): each is asked about the victim's
# organization and must answer 404 (reads) or 400 "does not exist" (the upload), changing nothing.
ORGANIZATION_ROUTES = {
    "export-google-editor": ("get", "/api/exports/google-editor/?organization={org}", 404),
    "export-microsoft-bulk": ("get", "/api/exports/microsoft-bulk/?organization={org}", 404),
    "export-google-ads-payloads": ("get", "/api/exports/google-ads-payloads/?organization={org}", 404),
    "export-google-ads-send": ("post", "/api/exports/google-ads/send/", 400),
    "account-import": ("post", "/api/account-imports/", 400),
}


def api_route_names() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) == "api/":
            stack = list(pattern.url_patterns)
            while stack:
                entry = stack.pop()
                if hasattr(entry, "url_patterns"):
                    stack.extend(entry.url_patterns)
                elif entry.name:
                    names.add(entry.name)
    return names


def test_outsider_sees_nothing_and_changes_nothing(victim, outsider):
    client = APIClient()
    client.force_authenticate(outsider)
    covered = set(NOT_DATA)
    before = {prefix: type(obj).objects.count() for prefix, obj in victim.items()}
    for prefix, viewset, basename in router.registry:
        obj = victim[prefix]
        listing = client.get(f"/api/{prefix}/")
        assert listing.status_code == 200, prefix
        assert all(row["id"] != obj.pk for row in listing.json()["results"]), f"{prefix} list leaks"
        covered.add(f"{basename}-list")
        for method in METHODS:
            response = getattr(client, method)(f"/api/{prefix}/{obj.pk}/", {}, format="json")
            assert response.status_code in (404, 405), (prefix, method, response.status_code)
        covered.add(f"{basename}-detail")
        for extra in viewset.get_extra_actions():
            url = f"/api/{prefix}/{obj.pk}/{extra.url_path}/"
            for method in extra.mapping:
                assert getattr(client, method)(url, {}, format="json").status_code == 404, (prefix, extra.url_path)
            covered.add(f"{basename}-{extra.url_name}")
    for name, (method, url, expected) in ORGANIZATION_ROUTES.items():
        payload = {"organization": victim["organizations"].pk, "file": io.BytesIO(b"Campaign\r\n")}
        response = (client.get(url.format(org=victim["organizations"].pk)) if method == "get"
                    else client.post(url, payload, format="multipart"))
        assert response.status_code == expected, (name, response.status_code)
        assert method == "get" or "does not exist" in str(response.json()), name
        covered.add(name)
    assert {prefix: type(obj).objects.count() for prefix, obj in victim.items()} == before
    victim["budget-plans"].refresh_from_db()
    assert victim["budget-plans"].status == "proposed"
    victim["suggestions"].refresh_from_db()
    assert victim["suggestions"].status == "pending"
    victim["generation-jobs"].refresh_from_db()
    assert victim["generation-jobs"].status == "queued"
    missing = {name for name in api_route_names() if not name.endswith("-root")} - covered
    assert not missing, f"routes not covered by the isolation matrix: {sorted(missing)}"


@pytest.mark.parametrize(("prefix", "payload"), [
    ("campaigns", lambda v: {"organization": v["campaigns"].organization_id, "platform": "google", "name": "Intrusa"}),
    ("ad-groups", lambda v: {"campaign": v["campaigns"].pk, "name": "Intruso"}),
    ("keywords", lambda v: {"ad_group": v["ad-groups"].pk, "text": "intruso", "match_type": "exact"}),
    ("generation-jobs", lambda v: {"campaign": v["campaigns"].pk, "product_text": "cemento"}),
    ("memberships", lambda v: {"organization": v["organizations"].pk, "user": v["memberships"].user_id,
                               "role": "owner"}),
])
def test_outsider_cannot_create_in_another_organization(victim, outsider, prefix, payload):
    client = APIClient()
    client.force_authenticate(outsider)
    model = type(victim[prefix])
    before = model.objects.count()
    response = client.post(f"/api/{prefix}/", payload(victim), format="json")
    assert response.status_code == 400
    assert "does not exist" in str(response.json())
    assert model.objects.count() == before


def test_viewer_reads_but_cannot_write(victim, organization):
    from tests.factories import member

    viewer = member(organization, "viewer")
    client = APIClient()
    client.force_authenticate(viewer)
    assert client.get(f"/api/campaigns/{victim['campaigns'].pk}/").status_code == 200
    assert client.patch(f"/api/campaigns/{victim['campaigns'].pk}/", {"name": "x"}, format="json").status_code == 403
    assert client.post(f"/api/suggestions/{victim['suggestions'].pk}/approve/").status_code == 403
    assert client.post("/api/campaigns/", {"organization": organization.pk, "platform": "google",
                                           "name": "Nueva"}, format="json").status_code == 403
    assert client.delete(f"/api/keywords/{victim['keywords'].pk}/").status_code == 403
