"""The profile page: a signed-in person makes an API token from the browser (shown once, never stored in clear),
sees their tokens and revokes one; nobody reaches another person's tokens. The API docs (Swagger UI and ReDoc)
come from the installed package."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from campaigns.web.profile import MAX_TOKENS

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def api_status(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/campaigns/").status_code


def shown_token(response) -> str:
    return re.search(r'readonly value="([0-9a-f]{64})"', response.content.decode()).group(1)


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(PROFILE)["Location"] == f"{reverse('campaigns:login')}?next={PROFILE}"
    assert client.post(reverse("campaigns:create_token"))["Location"].startswith(reverse("campaigns:login"))
    assert AuthToken.objects.count() == 0


def test_the_user_menu_links_to_it(client, owner):
    client.force_login(owner)
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    assert f'<a href="{PROFILE}"' in body
    page = client.get(PROFILE).content.decode()
    assert 'href="/api/docs/"' in page and 'href="/api/redoc/"' in page and "No tokens yet." in page


def test_a_new_token_is_shown_once_and_works(client, owner, organization):
    client.force_login(owner)
    response = client.post(reverse("campaigns:create_token"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = shown_token(response)
    [stored] = AuthToken.objects.filter(user=owner)
    assert token.startswith(stored.token_key) and stored.digest != token  # knox keeps a digest only
    assert api_status(token) == 200
    again = client.get(PROFILE).content.decode()
    assert token not in again and f"{stored.token_key}…" in again


def test_revoking_a_token_stops_it_and_no_one_else_can(client, owner, teammate):
    client.force_login(owner)
    token = shown_token(client.post(reverse("campaigns:create_token")))
    key = AuthToken.objects.get(user=owner).token_key
    intruder = Client()
    intruder.force_login(teammate)
    response = intruder.post(reverse("campaigns:revoke_token", args=[key]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"No token of yours starts with {key}."]
    assert api_status(token) == 200
    response = client.post(reverse("campaigns:revoke_token", args=[key]), follow=True)
    assert [str(m) for m in response.context["messages"]] == [f"The token {key}… no longer works."]
    assert api_status(token) == 401
    assert AuthToken.objects.count() == 0


def test_making_a_token_needs_the_pages_csrf_token(owner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    assert browser.post(reverse("campaigns:create_token")).status_code == 403
    page = browser.get(PROFILE).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert browser.post(reverse("campaigns:create_token"), {"csrfmiddlewaretoken": csrf}).status_code == 200
    assert AuthToken.objects.filter(user=owner).count() == 1


def test_a_person_holds_at_most_ten_live_tokens(client, owner):
    client.force_login(owner)
    for _ in range(MAX_TOKENS):
        AuthToken.objects.create(owner)
    response = client.post(reverse("campaigns:create_token"))
    assert response.status_code == 400
    assert response.context["error"] == "You already have 10 API tokens: revoke one you no longer use first."
    assert AuthToken.objects.filter(user=owner).count() == MAX_TOKENS


def test_the_page_speaks_spanish(client, owner):
    client.force_login(owner)
    client.cookies["django_language"] = "es"
    body = client.post(reverse("campaigns:create_token")).content.decode()
    assert "Tu nuevo token. Cópialo ahora: solo se muestra esta vez." in body and "Revocar" in body


def test_redoc_and_swagger_come_from_the_package(client, owner):
    assert client.get("/api/redoc/", HTTP_ACCEPT="text/html")["Location"].startswith(reverse("campaigns:login"))
    client.force_login(owner)
    redoc = client.get("/api/redoc/")
    body = redoc.content.decode()
    assert redoc.status_code == 200
    assert '<script src="/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"></script>' in body
    assert '<redoc spec-url="/api/schema/"></redoc>' in body
    assert "https://" not in body and "<style" not in body
    assert client.get("/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js").status_code == 200
    policy = dict(part.split(" ", 1) for part in redoc["Content-Security-Policy"].split("; "))
    assert policy["script-src"] == "'self'"  # scripts stay our own files; ReDoc's styles are written at run time
    assert policy["style-src"] == "'self' 'unsafe-inline'" and policy["worker-src"] == "'self' blob:"
    swagger = client.get("/api/docs/")
    assert swagger.status_code == 200 and "'unsafe-inline'" not in swagger["Content-Security-Policy"]
