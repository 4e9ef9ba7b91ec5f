"""The scripts' token check (campaigns/api/authentication.py) answers as django-rest-knox's own class does, in one
query; a user's other expired tokens go when they next get a token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxAuthentication
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework import exceptions
from rest_framework.test import APIClient

from campaigns.api.authentication import TokenAuthentication
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's


def verdict(authentication, header: bytes):
    """What an authentication class makes of a presented key: the user's name and token, or its refusal."""
    try:
        user, token = authentication.authenticate_credentials(header)
    except exceptions.AuthenticationFailed as refusal:
        return ("refused", str(refusal.detail))
    return (user.username, token.digest)


def expired(user) -> tuple[AuthToken, str]:
    token, key = AuthToken.objects.create(user=user)
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    return token, key


def test_it_answers_as_knox_does_for_each_kind_of_key(owner, teammate):
    _token, key = AuthToken.objects.create(user=owner)
    _other, other_key = AuthToken.objects.create(user=teammate)
    inactive = UserFactory(username="gone", is_active=False)
    _gone, inactive_key = AuthToken.objects.create(user=inactive)
    same_prefix = key[:8] + other_key[8:]  # the right token_key, the wrong rest
    keys = [key, other_key, same_prefix, key.upper(), "0" * len(key), key[:8], "zz" + key[2:], inactive_key]
    for presented in keys:
        header = presented.encode()
        assert verdict(TokenAuthentication(), header) == verdict(KnoxAuthentication(), header), presented
    assert verdict(TokenAuthentication(), key.encode())[0] == owner.username
    assert verdict(TokenAuthentication(), inactive_key.encode()) == ("refused", "User inactive or deleted.")
    assert verdict(TokenAuthentication(), "clé".encode("latin-1")) == ("refused", "Invalid token.")  # not UTF-8


def test_an_expired_token_is_refused_deleted_and_signalled(owner):
    token, key = expired(owner)
    heard = []

    def listener(sender, username, source, **kwargs):
        heard.append((username, source))

    token_expired.connect(listener)
    try:
        assert verdict(TokenAuthentication(), key.encode()) == ("refused", "Invalid token.")
    finally:
        token_expired.disconnect(listener)
    assert heard == [(owner.username, "auth_token")]
    assert not AuthToken.objects.filter(pk=token.pk).exists()


def test_one_query_reads_the_token_and_its_user(owner):
    for _ in range(3):
        expired(owner)  # knox's own class reads these on every request, to delete them
    _token, key = AuthToken.objects.create(user=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    with CaptureQueriesContext(connection) as queries:
        user, _auth = TokenAuthentication().authenticate_credentials(key.encode())
        assert user.is_active and user.username == owner.username
    assert len(queries.captured_queries) == 1
    assert client.get("/api/campaigns/").status_code == 200
    assert AuthToken.objects.filter(user=owner).count() == 4  # the other expired tokens wait for the next login


def test_a_users_other_expired_tokens_go_when_they_get_a_new_one(client, owner, teammate):
    for _ in range(2):
        expired(owner)
    expired(teammate)
    live, _key = AuthToken.objects.create(user=owner)
    response = APIClient().post(reverse("api-token"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 200, response.content
    assert AuthToken.objects.filter(user=owner).count() == 2  # the live one and the new one
    assert AuthToken.objects.filter(user=owner, pk=live.pk).exists()
    assert AuthToken.objects.filter(user=teammate).count() == 1  # another user's are theirs to lose

    expired(owner)
    client.force_login(owner)
    assert client.post(reverse("campaigns:create_token")).status_code == 200
    assert not AuthToken.objects.filter(user=owner, expiry__lt=timezone.now()).exists()
    assert AuthToken.objects.filter(user=owner).count() == 3
