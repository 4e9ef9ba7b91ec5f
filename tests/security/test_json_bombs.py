"""Hostile JSON bodies get a JSON 400 naming the problem, never a 500 or an HTML page, and cost a bounded read."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import RequestFactory
from knox.models import AuthToken

from campaigns.api import errors
from campaigns.models import Campaign

pytestmark = pytest.mark.django_db

DEEP_ARRAYS = "[" * 100_000
DEEP_OBJECTS = '{"a":' * 100_000
NESTED_DETAIL = "JSON parse error - the document is nested too deeply"
# POST and PATCH endpoints that read a JSON body, with the owner's token
ENDPOINTS = [
    ("post", "/api/campaigns/"),
    ("post", "/api/keywords/"),
    ("post", "/api/generation-jobs/"),
    ("post", "/api/exports/google-ads/send/"),
    ("post", "/api/invitations/"),
]


@pytest.fixture
def api(client, owner):
    _, token = AuthToken.objects.create(user=owner)

    def call(method: str, path: str, body: str | bytes):
        return getattr(client, method)(
            path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )

    return call


@pytest.mark.parametrize("body", [DEEP_ARRAYS, DEEP_OBJECTS], ids=["arrays", "objects"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_deeply_nested_json_is_a_json_400(api, method, path, body):
    response = api(method, path, body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": NESTED_DETAIL}


def test_deeply_nested_json_in_a_patch_changes_nothing(api, organization):
    campaign = Campaign.objects.create(
        organization=organization, platform="google", name="Cemento", daily_budget_micros=40_000_000
    )
    response = api("patch", f"/api/campaigns/{campaign.pk}/", DEEP_ARRAYS)
    assert (response.status_code, response.json()) == (400, {"detail": NESTED_DETAIL})
    campaign.refresh_from_db()
    assert (campaign.name, campaign.daily_budget_micros) == ("Cemento", 40_000_000)


def test_deeply_nested_json_to_the_anonymous_token_endpoint_is_a_json_400(client):
    response = client.post("/api/auth/token/", data=DEEP_ARRAYS, content_type="application/json")
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"detail": NESTED_DETAIL}


def too_big() -> dict:
    return {
        "detail": f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes, the most the "
        "API reads."
    }


def test_the_json_body_limit_is_one_mebibyte():
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_a_ten_megabyte_json_body_is_a_json_400(api, method, path):
    body = json.dumps({"name": "x" * (10 * 1024 * 1024)})
    response = api(method, path, body)
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == too_big()


def test_the_limit_is_the_body_size_one_byte_over_is_refused_and_at_it_is_read(api, organization):
    """Bounded: a body at the limit is parsed (and validated), one byte more is refused before it is parsed."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    payload = json.dumps(
        {
            "organization": organization.pk,
            "platform": "google",
            "name": "Cemento",
            "daily_budget_micros": 40_000_000,
            "currency": "EUR",
        }
    )
    at_limit = payload + " " * (limit - len(payload))
    response = api("post", "/api/campaigns/", at_limit)
    assert response.status_code == 201, response.content[:300]
    assert Campaign.objects.filter(organization=organization, name="Cemento").count() == 1
    response = api("post", "/api/campaigns/", at_limit.replace("Cemento", "Cemento2") + " ")
    assert (response.status_code, response.json()) == (400, too_big())
    assert Campaign.objects.filter(organization=organization, name="Cemento2").count() == 0


def test_an_unknown_api_path_is_a_json_404_and_a_page_stays_html(client, owner):
    client.force_login(owner)
    response = client.get("/api/no-such-thing/")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        {"detail": "Not found."},
    )
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_django_error_pages_under_the_api_are_json():
    factory = RequestFactory()
    api_request, page_request = factory.get("/api/campaigns/"), factory.get("/dashboard/")
    response = errors.server_error(api_request)
    assert (response.status_code, json.loads(response.content)) == (500, {"detail": "Server error."})
    response = errors.bad_request(api_request, errors.RequestDataTooBig("too big"))
    assert (response.status_code, json.loads(response.content)) == (400, too_big())
    response = errors.permission_denied(api_request, PermissionError())
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "You do not have permission to perform this action."}
    assert errors.server_error(page_request)["Content-Type"] == "text/html; charset=utf-8"
