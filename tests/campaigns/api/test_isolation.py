"""The isolation matrix: every API route × method, as an outsider, against an object of another organization.

The routes come from the URL resolver, so a new route that the matrix does not cover fails the test.
"""

from __future__ import annotations

import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from rest_framework.test import APIClient

from campaigns.api.urls import router
from campaigns.models import Ad, AdGroup, Campaign, GenerationJob, Invitation, Keyword, Membership, ReportImport, Role
from tests.campaigns.api.rows import add_rows
from tests.factories import AdGroupFactory, KeywordFactory, UserFactory

pytestmark = pytest.mark.django_db
METHODS = ("get", "put", "patch", "delete")
# Routes that are not per-organization data: the schema, its docs, the token endpoints, the API root, and accepting
# an invitation (the emailed token, for its own address, is the authority: tests/campaigns/api/test_invitations.py).
NOT_DATA = {
    "api-schema",
    "api-docs",
    "api-redoc",
    "api-token",
    "api-logout",
    "api-logout-all",
    "api-root",
    "invitation-accept",
}


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
        for extra in (action for action in viewset.get_extra_actions() if action.detail):
            url = f"/api/{prefix}/{obj.pk}/{extra.url_path}/"
            for method in extra.mapping:
                assert getattr(client, method)(url, {}, format="json").status_code == 404, (prefix, extra.url_path)
            covered.add(f"{basename}-{extra.url_name}")
    for name, (method, url, expected) in ORGANIZATION_ROUTES.items():
        payload = {"organization": victim["organizations"].pk, "file": io.BytesIO(b"Campaign\r\n")}
        response = (
            client.get(url.format(org=victim["organizations"].pk))
            if method == "get"
            else client.post(url, payload, format="multipart")
        )
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


@pytest.mark.parametrize(
    ("prefix", "payload"),
    [
        (
            "campaigns",
            lambda v: {"organization": v["campaigns"].organization_id, "platform": "google", "name": "Intrusa"},
        ),
        ("ad-groups", lambda v: {"campaign": v["campaigns"].pk, "name": "Intruso"}),
        ("keywords", lambda v: {"ad_group": v["ad-groups"].pk, "text": "intruso", "match_type": "exact"}),
        ("generation-jobs", lambda v: {"campaign": v["campaigns"].pk, "product_text": "cemento"}),
        (
            "invitations",
            lambda v: {"organization": v["organizations"].pk, "email": "intruso@example.com", "role": "owner"},
        ),
    ],
)
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
    assert (
        client.post(
            "/api/campaigns/", {"organization": organization.pk, "platform": "google", "name": "Nueva"}, format="json"
        ).status_code
        == 403
    )
    assert client.delete(f"/api/keywords/{victim['keywords'].pk}/").status_code == 403


# --- Two hats: one user, a role in each of two organizations ---------------------------------------------------
# Every writable field that places a row in an organization, on every route that writes one. A create into
# organization "a" needs the route's write roles *in a*; a move of a row of "b" into "a" is refused whatever the
# roles (ownership is fixed at creation). Roles held elsewhere never count.
ROLE_PAIRS = list(itertools.product(Role.values, repeat=2))
OWNERS_ONLY, EDITORS = (Role.OWNER,), (Role.OWNER, Role.EDITOR)


def _ad(ad_group: int) -> dict:
    return {
        "ad_group": ad_group,
        "final_url": "https://example.com/",
        "headlines": [{"text": f"Titular {h}"} for h in range(3)],
        "descriptions": [{"text": "Uno."}, {"text": "Dos."}],
    }


# route, the roles it writes with, its create payload into organization "a" (memberships are not created: people
# join by accepting an invitation).
CREATES = {
    "campaigns": (EDITORS, lambda r: {"organization": r["org"], "platform": "google", "name": "Nueva"}),
    "invitations": (OWNERS_ONLY, lambda r: {"organization": r["org"], "email": "nuevo@example.com", "role": "viewer"}),
    "ad-groups": (EDITORS, lambda r: {"campaign": r["campaign"], "name": "Nuevo"}),
    "keywords": (EDITORS, lambda r: {"ad_group": r["ad_group"], "text": "nuevo", "match_type": "exact"}),
    "ads": (EDITORS, lambda r: _ad(r["ad_group"])),
    "generation-jobs": (EDITORS, lambda r: {"campaign": r["campaign"], "ad_group": r["ad_group"]}),
}
# Uploads and sends that name an organization, with their answer when the role writes there: the junk report is
# refused for itself (not with "does not exist"), the account file has nothing to import, the send is a dry run
# without credentials that leaves the machine with nothing.
ORGANIZATION_INPUTS = {
    "imports": ("/api/imports/", 400),
    "account-imports": ("/api/account-imports/", 201),
    "google-ads-send": ("/api/exports/google-ads/send/", 200),
}
# route, ownership field, the model, the row of "b" it is tried on, and the value of "a" it is moved to.
MOVES = [
    ("campaigns", "organization", "campaign", "org"),
    ("memberships", "organization", "membership", "org"),
    ("memberships", "user", "membership", "member_user"),
    ("ad-groups", "campaign", "ad_group", "campaign"),
    ("keywords", "ad_group", "keyword", "ad_group"),
    ("ads", "ad_group", "ad", "ad_group"),
]
ROUTE_MODELS = {
    "campaigns": Campaign,
    "memberships": Membership,
    "ad-groups": AdGroup,
    "keywords": Keyword,
    "ads": Ad,
    "generation-jobs": GenerationJob,
    "invitations": Invitation,
}


def _user(username: str) -> object:
    # No password: force_authenticate needs none, and hashing one costs most of a test's time.
    return get_user_model().objects.create(username=username)


def _tenant(organization) -> dict:
    ad_group = AdGroupFactory(campaign__organization=organization)
    teammate = _user(f"equipo-{organization.slug}")
    return {
        "org": organization.pk,
        "campaign": ad_group.campaign_id,
        "ad_group": ad_group.pk,
        "keyword": KeywordFactory(ad_group=ad_group).pk,
        "ad": Ad.objects.create(**{**_ad(ad_group.pk), "ad_group": ad_group}).pk,
        "membership": Membership.objects.create(user=teammate, organization=organization, role="viewer").pk,
        "member_user": teammate.pk,
    }


@pytest.fixture
def two_tenants(organization, other_organization):
    return {"a": _tenant(organization), "b": _tenant(other_organization)}


def two_hats(role_in_a: str, role_in_b: str, tenants: dict) -> APIClient:
    user = _user("dos-sombreros")
    Membership.objects.create(user=user, organization_id=tenants["a"]["org"], role=role_in_a)
    Membership.objects.create(user=user, organization_id=tenants["b"]["org"], role=role_in_b)
    client = APIClient()
    client.force_authenticate(user)
    return client


def refusal(roles: tuple[str, ...], *held: str) -> int:
    """403 when the user writes (with these roles) nowhere; otherwise the field's 400."""
    return 400 if set(held) & set(roles) else 403


@pytest.mark.parametrize(("role_in_a", "role_in_b"), ROLE_PAIRS)
@pytest.mark.parametrize("prefix", list(CREATES))
def test_two_hats_create_only_where_their_role_writes(two_tenants, role_in_a, role_in_b, prefix):
    client = two_hats(role_in_a, role_in_b, two_tenants)
    roles, payload = CREATES[prefix]
    model = ROUTE_MODELS[prefix]
    before = model.objects.count()
    response = client.post(f"/api/{prefix}/", payload(two_tenants["a"]), format="json")
    if role_in_a in roles:
        assert response.status_code == 201, response.json()
        assert model.objects.count() == before + 1
    else:
        assert response.status_code == refusal(roles, role_in_b), response.json()
        assert response.status_code == 403 or "does not exist" in str(response.json())
        assert model.objects.count() == before


@pytest.mark.parametrize(("role_in_a", "role_in_b"), ROLE_PAIRS)
@pytest.mark.parametrize("name", list(ORGANIZATION_INPUTS))
def test_two_hats_name_an_organization_only_where_they_edit(two_tenants, role_in_a, role_in_b, name):
    client = two_hats(role_in_a, role_in_b, two_tenants)
    url, accepted = ORGANIZATION_INPUTS[name]
    response = client.post(
        url, {"organization": two_tenants["a"]["org"], "file": io.BytesIO(b"Campaign\r\n")}, format="multipart"
    )
    if role_in_a in EDITORS:
        assert response.status_code == accepted, response.json()
        assert "does not exist" not in str(response.json())
    else:
        assert response.status_code == refusal(EDITORS, role_in_b), response.json()
        assert response.status_code == 403 or "does not exist" in str(response.json()["organization"])
    assert (ReportImport.objects.count(), Campaign.objects.count()) == (0, 2)


@pytest.mark.parametrize(("role_in_a", "role_in_b"), ROLE_PAIRS)
@pytest.mark.parametrize(("prefix", "field", "row", "target"), MOVES)
def test_two_hats_move_nothing_between_organizations(two_tenants, role_in_a, role_in_b, prefix, field, row, target):
    client = two_hats(role_in_a, role_in_b, two_tenants)
    roles = OWNERS_ONLY if prefix == "memberships" else EDITORS
    model = ROUTE_MODELS[prefix]
    pk = two_tenants["b"][row]
    before = model.objects.filter(pk=pk).values().get()
    response = client.patch(f"/api/{prefix}/{pk}/", {field: two_tenants["a"][target]}, format="json")
    if role_in_b in roles:
        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert "cannot change" in response.json()[field][0]
    else:
        assert response.status_code == 403
    assert model.objects.filter(pk=pk).values().get() == before
