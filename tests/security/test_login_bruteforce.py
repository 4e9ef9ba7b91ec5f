"""The pen-test's findings on authentication, each as a guarantee: repeated wrong passwords lock a username+address
out (web form and API token endpoint) until the cool-off ends; the token endpoint is throttled; API tokens expire,
are new per login, stored hashed, and die on logout, logout-all, password change and reset; weak passwords are
refused; a reset mail's link works once."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's
NEW_PASSWORD = "larch-okapi-trombone-47"
# The token endpoint's throttle (10 a minute) would answer 429 before the lockout does; these tests are about axes.
NO_THROTTLE = {"imports": "30/hour", "generation": "60/hour", "auth": "1000/minute"}


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    cache.clear()  # the throttle counts in the cache, which outlives each test's database


@pytest.fixture
def unthrottled(monkeypatch):
    # DRF reads the rates into the class when it is imported, so a settings override would come too late.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", NO_THROTTLE)


def web_login(client: Client, username: str, password: str):
    return client.post(reverse("campaigns:login"), {"username": username, "password": password})


def api_login(client: APIClient, username: str, password: str):
    return client.post(reverse("api-token"), {"username": username, "password": password}, format="json")


def new_token(user) -> str:
    response = api_login(APIClient(), user.username, PASSWORD)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def campaigns_status(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/campaigns/").status_code


def test_web_login_is_locked_after_fifty_wrong_passwords(client, owner):
    for _ in range(50):
        assert web_login(client, owner.username, "wrong-guess").status_code in (200, 429)
    response = web_login(client, owner.username, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_web_lockout_begins_at_the_failure_limit(client, owner):
    for _ in range(4):
        assert web_login(client, owner.username, "wrong-guess").status_code == 200  # the form again, with the error
    assert web_login(client, owner.username, "wrong-guess").status_code == 429  # the fifth failure locks
    assert AccessAttempt.objects.get(username=owner.username).failures_since_start == 5


def test_web_lockout_is_per_username_and_address(client, owner, teammate):
    for _ in range(5):
        web_login(client, owner.username, "wrong-guess")
    assert web_login(client, teammate.username, PASSWORD).status_code == 302  # another user from this address
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert web_login(elsewhere, owner.username, PASSWORD).status_code == 302  # the owner from another address


def test_web_login_unlocks_after_the_cool_off(client, owner, settings):
    for _ in range(5):
        web_login(client, owner.username, "wrong-guess")
    assert web_login(client, owner.username, PASSWORD).status_code == 429
    # The cool-off is counted from the last failure: move it 16 minutes into the past (cool-off 15).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = web_login(client, owner.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:home")


def test_token_endpoint_is_locked_after_fifty_wrong_passwords(owner, unthrottled):
    client = APIClient()
    for _ in range(50):
        assert api_login(client, owner.username, "wrong-guess").status_code in (400, 429)
    response = api_login(client, owner.username, PASSWORD)
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed logins: try again in 15 minutes."}
    assert AuthToken.objects.count() == 0


def test_token_endpoint_unlocks_after_the_cool_off(owner, unthrottled):
    client = APIClient()
    for _ in range(5):
        api_login(client, owner.username, "wrong-guess")
    assert api_login(client, owner.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert api_login(client, owner.username, PASSWORD).status_code == 200


def test_token_endpoint_is_throttled_per_address(owner):
    client = APIClient()
    statuses = [api_login(client, f"nobody-{n}", "wrong-guess").status_code for n in range(11)]
    assert statuses == [400] * 10 + [429]  # API_THROTTLE_AUTH: 10 a minute, whatever the usernames


def test_a_forged_forwarded_for_header_dodges_neither_throttle_nor_lockout(owner):
    client = APIClient()
    statuses = [
        client.post(
            reverse("api-token"),
            {"username": owner.username, "password": "wrong-guess"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(11)
    ]
    assert statuses == [400] * 4 + [429] * 7  # locked at the fifth failure, as if the header were absent
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_behind_a_trusted_proxy_the_address_it_saw_is_locked_out(owner, settings, unthrottled):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}  # production's TRUSTED_PROXY_COUNT
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")  # the proxy appended .7
    for _ in range(5):
        web_login(attacker, owner.username, "wrong-guess")
    assert web_login(attacker, owner.username, PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.8")  # same proxy, another client
    assert web_login(colleague, owner.username, PASSWORD).status_code == 302


def test_each_login_gets_a_new_expiring_token_stored_hashed(owner, settings):
    first, second = new_token(owner), new_token(owner)
    assert first != second
    stored = AuthToken.objects.get(token_key=first[:15])
    assert stored.digest == hashlib.sha512(first.encode()).hexdigest() and first not in stored.digest
    assert abs(stored.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert campaigns_status(first) == 200 and campaigns_status(second) == 200


def test_an_expired_token_is_refused(owner):
    token = new_token(owner)
    AuthToken.objects.filter(user=owner).update(expiry=timezone.now() - timedelta(seconds=1))
    assert campaigns_status(token) == 401
    assert AuthToken.objects.filter(user=owner).count() == 0  # knox deletes it on sight


def test_logout_revokes_this_token_only(owner):
    this, other = new_token(owner), new_token(owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {this}")
    assert client.post(reverse("api-logout")).status_code == 204
    assert campaigns_status(this) == 401
    assert campaigns_status(other) == 200


def test_logout_all_revokes_every_token_of_the_user(owner, teammate):
    this, other, teammates = new_token(owner), new_token(owner), new_token(teammate)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {this}")
    assert client.post(reverse("api-logout-all")).status_code == 204
    assert (campaigns_status(this), campaigns_status(other), campaigns_status(teammates)) == (401, 401, 200)


def test_password_change_revokes_the_users_tokens(client, owner, teammate):
    token, teammates = new_token(owner), new_token(teammate)
    client.force_login(owner)
    response = client.post(
        reverse("campaigns:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:password_change_done")
    assert campaigns_status(token) == 401
    assert campaigns_status(teammates) == 200


def test_password_reset_mails_a_link_that_works_once(client, owner):
    owner.email = "owner@materiales.example"
    owner.save(update_fields=["email"])
    token = new_token(owner)
    response = client.post(reverse("campaigns:password_reset"), {"email": "owner@materiales.example"})
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@materiales.example"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token in the URL for one in the session
    assert form.status_code == 200 and form.context["validlink"] is True
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("campaigns:password_reset_complete")
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    assert campaigns_status(token) == 401  # tokens earned with the old password die with it
    assert Client().get(link, follow=True).context["validlink"] is False  # the link works once


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, owner):
    response = client.post(reverse("campaigns:password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:password_reset_done")
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("weak", "message"),
    [
        ("Tq9$vbn", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("804718293651", "This password is entirely numeric."),
        ("owner-materiales-test", "The password is too similar to the username."),
    ],
)
def test_weak_passwords_are_refused(client, owner, weak, message):
    client.force_login(owner)
    response = client.post(
        reverse("campaigns:password_change"), {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak}
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors["new_password2"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
