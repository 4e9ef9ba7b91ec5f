"""Signing up: email and password (Django's validators), an inactive account until the emailed link's button is
pressed, then sign-in with the address. The answer never says whether the address had an account; bad input and
bad links change nothing; the forms that send email are throttled per address and sign-in stays under axes."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from campaigns.models import AccountConfirmation
from campaigns.services import signup
from campaigns.web.signup import AccountMailThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "ladrillo-cemento-arena-42"
User = get_user_model()


@pytest.fixture(autouse=True)
def fresh_throttle_counters():
    cache.clear()  # the throttle counts in the cache, which outlives each test's database


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """POST the form; the emails queued after commit are sent before this returns."""

    def post(email: str, password: str = PASSWORD, password2: str | None = None, on: Client = client):
        with django_capture_on_commit_callbacks(execute=True):
            return on.post(
                reverse("campaigns:signup"),
                {"email": email, "password1": password, "password2": password if password2 is None else password2},
            )

    return post


def link_in(message: mail.EmailMessage) -> str:
    return re.search(r"http://testserver(/accounts/confirm/\S+/)", message.body).group(1)


def page_text(response) -> str:
    """The page less its CSRF tokens, which differ per browser."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("campaigns:login"), {"username": username, "password": password})


def test_the_paths_people_expect(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["email", "password1", "password2"]
    assert "at least 12 characters" in page.content.decode()  # the validators' help
    assert client.get("/register/")["Location"] == "/accounts/signup/"
    assert client.get("/accounts/password_reset/").status_code == 200
    assert client.get("/accounts/password/reset/")["Location"] == "/accounts/password_reset/"
    login = client.get(reverse("campaigns:login")).content.decode()
    assert 'href="/accounts/signup/"' in login and 'href="/accounts/password_reset/"' in login


def test_sign_up_confirm_then_sign_in_with_the_address(client, sign_up):
    response = sign_up("Ana@Example.com")
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:signup_done")
    ana = User.objects.get()
    assert (ana.username, ana.email, ana.is_active, ana.check_password(PASSWORD)) == (
        "ana@example.com",
        "ana@example.com",
        False,
        True,
    )
    assert AccountConfirmation.objects.get(user=ana).confirmed_at is None
    [message] = mail.outbox
    assert (message.to, message.subject) == (["ana@example.com"], "Confirm your email address")
    link = link_in(message)

    assert sign_in(client, "ana@example.com").status_code == 200  # not yet: the account is off
    page = client.get(link)
    assert page.status_code == 200 and 'id="confirm-account"' in page.content.decode()
    ana.refresh_from_db()
    assert ana.is_active is False  # opening the link (a mail scanner does) switches nothing on

    response = client.post(link, follow=True)
    assert response.redirect_chain == [(reverse("campaigns:login"), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Your email address is confirmed. Sign in with it and your password."
    ]
    ana.refresh_from_db()
    assert ana.is_active is True
    assert AccountConfirmation.objects.get(user=ana).confirmed_at is not None

    response = sign_in(client, "ANA@example.com")  # the address in any case
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:home")
    assert client.get(response["Location"])["Location"] == reverse("campaigns:new_organization")

    used = Client().post(link)
    assert used.status_code == 404
    assert used.context["error"] == "This link was already used. Sign in with your email address."


def test_an_address_with_an_account_gets_the_same_answer_and_an_email_to_its_owner(client, sign_up):
    UserFactory(username="ana", email="ana@example.com")
    new = sign_up("nuevo@example.com", on=Client())
    mail.outbox.clear()
    again = sign_up("ANA@example.com")
    assert (again.status_code, again["Location"]) == (new.status_code, new["Location"])
    assert page_text(client.get(again["Location"])) == page_text(Client().get(new["Location"]))
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
    ana = User.objects.get(username="ana")
    assert ana.check_password("pw-for-tests-only")  # nothing about the account changed
    [message] = mail.outbox
    assert (message.to, message.subject) == (["ana@example.com"], "You already have an account")
    assert "http://testserver/accounts/password_reset/" in message.body
    assert "/accounts/confirm/" not in message.body


def test_an_address_waiting_for_confirmation_gets_its_link_again_and_keeps_its_password(client, sign_up):
    sign_up("ana@example.com")
    sign_up("ana@example.com", password="otra-clave-distinta-77")
    first, second = mail.outbox
    assert second.subject == "Confirm your email address"
    assert "signed up again" in second.body
    ana = User.objects.get()
    assert ana.check_password(PASSWORD) and User.objects.count() == 1
    assert client.post(link_in(second)).status_code == 302
    assert client.post(link_in(first)).status_code == 404  # one confirmation per account


def test_an_account_an_admin_switched_off_is_never_switched_on_by_signing_up(client, sign_up):
    UserFactory(username="ana@example.com", email="ana@example.com", is_active=False)  # no sign-up behind it
    sign_up("ana@example.com")
    [message] = mail.outbox
    assert message.subject == "You already have an account"
    forged = signup.confirmation_token(User.objects.get())  # even a link made with the secret key
    assert client.post(reverse("campaigns:confirm_account", args=[forged])).status_code == 404
    assert User.objects.get().is_active is False


@pytest.mark.parametrize(
    ("email", "password", "password2", "field", "error"),
    [
        ("no-es-un-correo", PASSWORD, None, "email", "Enter a valid email address."),
        ("", PASSWORD, None, "email", "This field is required."),
        (
            "ana@example.com",
            PASSWORD,
            "otra-cosa-distinta-88",
            "password2",
            "The two passwords differ: type the same one twice.",
        ),
        (
            "ana@example.com",
            "Tq9$vbn",
            None,
            "password2",
            "This password is too short. It must contain at least 12 characters.",
        ),
        ("ana@example.com", "password1234", None, "password2", "This password is too common."),
        ("ana@example.com", "804718293651", None, "password2", "This password is entirely numeric."),
        (
            "anamaria.lopez@example.com",
            "anamarialopez",
            None,
            "password2",
            "The password is too similar to the username.",
        ),
        (
            f"{'a' * 140}@example.com",
            PASSWORD,
            None,
            "email",
            "Ensure this value has at most 150 characters (it has 152).",
        ),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(sign_up, email, password, password2, field, error):
    response = sign_up(email, password, password2)
    assert response.status_code == 400
    assert error in response.context["form"].errors[field]
    assert error in response.content.decode()
    assert (User.objects.count(), AccountConfirmation.objects.count(), mail.outbox) == (0, 0, [])


def test_altered_and_expired_links_switch_nothing_on(client, sign_up, monkeypatch):
    sign_up("ana@example.com")
    link = link_in(mail.outbox[0])
    token = link.split("/")[-2]
    altered = reverse("campaigns:confirm_account", args=[token[:-2] + ("AA" if token[-2:] != "AA" else "BB")])
    for page in (client.get(altered), client.post(altered)):
        assert page.status_code == 404
        assert page.context["error"] == "This link is not valid. Check that it was copied whole."
    ana = User.objects.get()
    now = time.time
    with monkeypatch.context() as m:  # a link made four days ago (links work three)
        m.setattr(signing.time, "time", lambda: now() - timedelta(days=4).total_seconds())
        old = reverse("campaigns:confirm_account", args=[signup.confirmation_token(ana)])
    expired = client.post(old)
    assert expired.status_code == 404
    assert expired.context["error"].startswith("This link has expired.")
    ana.refresh_from_db()
    assert ana.is_active is False


def test_a_signed_in_user_is_sent_home(client, owner):
    client.force_login(owner)
    assert client.get(reverse("campaigns:signup"))["Location"] == reverse("campaigns:home")


def test_sign_ups_and_password_resets_share_a_throttle_per_address(client, sign_up, monkeypatch):
    monkeypatch.setattr(AccountMailThrottle, "THROTTLE_RATES", {"account_mail": "3/hour"})
    assert sign_up("uno@example.com").status_code == 302
    assert sign_up("no-es-un-correo").status_code == 400  # every POST counts, refused or not
    assert client.post(reverse("campaigns:password_reset"), {"email": "x@example.com"}).status_code == 302
    refused = sign_up("dos@example.com")
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert "try again in 60 minutes" in refused.content.decode()
    assert client.post(reverse("campaigns:password_reset"), {"email": "x@example.com"}).status_code == 429
    assert User.objects.filter(email="dos@example.com").exists() is False
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_up("dos@example.com", on=elsewhere).status_code == 302


def test_wrong_passwords_lock_the_address_out_whatever_its_case(client, sign_up):
    sign_up("ana@example.com")
    client.post(link_in(mail.outbox[0]))
    for variant in ("ana@example.com", "Ana@example.com", "ANA@EXAMPLE.COM", "ana@Example.com"):
        assert sign_in(client, variant, "wrong-guess").status_code == 200
    assert sign_in(client, "aNa@example.com", "wrong-guess").status_code == 429  # axes: the fifth failure locks
    assert sign_in(client, "ana@example.com").status_code == 429  # the right password too, until the cool-off


def test_the_pages_and_errors_speak_spanish(sign_up, client):
    client.cookies["django_language"] = "es"
    page = client.get(reverse("campaigns:signup")).content.decode()
    assert "Crea tu cuenta" in page and "Correo electrónico" in page
    response = sign_up("ana@example.com", "corta", "corta")
    assert "La contraseña es demasiado corta." in response.content.decode()
    response = sign_up("ana@example.com", PASSWORD, "otra-cosa-distinta-88")
    assert "Las dos contraseñas no coinciden: escribe la misma dos veces." in response.content.decode()
    done = client.get(sign_up("ana@example.com")["Location"]).content.decode()
    assert "Revisa tu bandeja de entrada" in done
    [message] = mail.outbox
    assert message.subject == "Confirma tu dirección de correo"
    confirm = client.get(link_in(message)).content.decode()
    assert "Confirmar y activar mi cuenta" in confirm
