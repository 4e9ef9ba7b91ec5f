"""The UI language per person: the switcher saves it, and a new sign-in speaks it whatever the browser says."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Membership, UserPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_in(username: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("campaigns:login"), {"username": username, "password": "pw-for-tests-only"})
    assert response.status_code == 302
    return client


def test_the_switch_saves_the_language_for_a_signed_in_user(owner):
    client = sign_in(owner.username)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/dashboard/"})
    assert UserPreference.objects.get(user=owner).language == "es"
    client.post(reverse("campaigns:logout"))

    fresh = sign_in(owner.username)  # a new browser: no language cookie, an English Accept-Language
    body = fresh.get(reverse("campaigns:dashboard")).content.decode()
    assert '<html lang="es">' in body and "Términos de búsqueda" in body


def test_a_spanish_user_sees_spanish_pages_after_signing_in(organization):
    user = UserFactory(username="marta")
    Membership.objects.create(user=user, organization=organization, role="viewer")
    UserPreference.objects.create(user=user, language="es")
    client = sign_in("marta")  # the browser asks for English and has no language cookie
    body = client.get(reverse("campaigns:settings")).content.decode()
    assert '<html lang="es">' in body and "Política de presupuesto" in body
    assert "django_language" not in client.cookies


def test_without_a_preference_the_browser_decides(owner):
    client = sign_in(owner.username)
    assert '<html lang="en">' in client.get(reverse("campaigns:dashboard")).content.decode()
    spanish_browser = Client(HTTP_ACCEPT_LANGUAGE="es")
    spanish_browser.force_login(owner)
    assert '<html lang="es">' in spanish_browser.get(reverse("campaigns:dashboard")).content.decode()


def test_an_anonymous_switch_saves_nothing(client):
    response = client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert not UserPreference.objects.exists()


def test_the_saved_language_is_read_once_per_session(owner):
    UserPreference.objects.create(user=owner, language="es")
    client = sign_in(owner.username)
    client.get(reverse("campaigns:dashboard"))  # reads and remembers the preference
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("campaigns:dashboard"))
    assert not [q for q in queries.captured_queries if "userpreference" in q["sql"]]


def test_a_time_at_the_end_of_a_sentence_keeps_one_period():
    """English times carry their own period ("4 p.m."): the sentence's full stop is not added twice."""
    from datetime import datetime
    from types import SimpleNamespace

    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    finished = timezone.make_aware(datetime(2026, 12, 5, 16, 0))
    report = SimpleNamespace(filename="terms.csv", created_at=finished)
    with translation.override("en"):
        with_import = render_to_string(
            "campaigns/_matching_shown.html", {"shown": SimpleNamespace(report_import=report, finished_at=finished)}
        )
        alone = render_to_string(
            "campaigns/_matching_shown.html", {"shown": SimpleNamespace(report_import=None, finished_at=finished)}
        )
    with translation.override("es"):
        spanish = render_to_string(
            "campaigns/_matching_shown.html", {"shown": SimpleNamespace(report_import=None, finished_at=finished)}
        )
    assert "matched 12/05/2026 4 p.m.</p>" in with_import and "terms.csv (12/05/2026 4 p.m.)" in with_import
    assert alone.strip().endswith("Matches shown: matched 12/05/2026 4 p.m.</p>")
    assert spanish.strip().endswith("asignadas el 05/12/2026 16:00.</p>")
