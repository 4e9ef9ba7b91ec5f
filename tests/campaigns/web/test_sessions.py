"""The session store (SESSION_ENGINE) reads a session in SQL as Django's database store does with the ORM: the
unexpired session of the key, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.urls import reverse

from campaigns.web.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_settings_use_it():
    assert settings.SESSION_ENGINE == "campaigns.web.sessions"


def test_a_saved_session_reads_back_as_djangos_store_reads_it():
    saved = SessionStore()
    saved["current_organization_id"] = 7
    saved.set_expiry(60)
    saved.save()
    mine, django = SessionStore(saved.session_key), DjangoStore(saved.session_key)
    assert dict(mine.items()) == dict(django.items()) == {"current_organization_id": 7, "_session_expiry": 60}
    assert mine.session_key == saved.session_key


@pytest.mark.parametrize("store", [SessionStore, DjangoStore])
def test_an_expired_or_unknown_session_is_a_new_empty_one(store):
    expired = SessionStore()
    expired["secret"] = "x"
    expired.save()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=Session.objects.get().expire_date - timedelta(days=30)
    )
    for key in (expired.session_key, "f" * 32):
        session = store(key)
        assert dict(session.items()) == {} and session.session_key is None


def test_a_signed_in_page_and_signing_out(client, owner):
    client.force_login(owner)
    assert client.get(reverse("campaigns:dashboard")).status_code == 200
    client.post(reverse("campaigns:logout"))
    assert client.get(reverse("campaigns:dashboard")).status_code == 302
