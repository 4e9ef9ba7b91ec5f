"""The page an invitation email links to: the invited person accepts signed in, or creates an account bound to the
invited address; anyone else, a used, withdrawn or expired link, changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Invitation, Membership
from campaigns.web.context import SESSION_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "ladrillo-cemento-arena-42"


@pytest.fixture
def link(client, owner, django_capture_on_commit_callbacks):
    """The link from an owner's invitation of ana@example.com as editor; the client is signed out again."""
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("campaigns:invite_member"), {"email": "Ana@Example.com", "role": "editor"})
    client.logout()
    [message] = mail.outbox
    return message.body.split("\n\n")[2].removeprefix("http://testserver")


def test_the_signed_in_invitee_accepts_and_lands_in_the_organization(client, link, organization):
    ana = UserFactory(username="ana", email="ana@example.com")
    client.force_login(ana)
    page = client.get(link)
    assert page.status_code == 200
    assert "You are invited to join Materiales Test as Editor." in page.content.decode()
    response = client.post(link, follow=True)
    assert response.redirect_chain == [(reverse("campaigns:dashboard"), 302)]
    assert [str(m) for m in response.context["messages"]] == ["You joined Materiales Test as Editor."]
    assert Membership.objects.get(user=ana).organization == organization
    assert client.session[SESSION_KEY] == organization.pk
    assert Invitation.objects.get().accepted_by == ana
    assert client.post(link).status_code == 404  # used: the same answer as a link that never existed


def test_someone_signed_in_with_another_address_cannot_accept(client, link, organization):
    client.force_login(UserFactory(username="otro", email="otro@example.com"))
    page = client.get(link)
    assert 'id="accept-invitation"' not in page.content.decode()
    assert page.context["error"] == "This invitation was sent to another email address; sign in with that one."
    response = client.post(link)
    assert (response.status_code, response.context["error"]) == (400, page.context["error"])
    assert Membership.objects.filter(organization=organization).count() == 1
    assert Invitation.objects.get().accepted_at is None


def test_an_existing_account_is_asked_to_sign_in_first(client, link):
    UserFactory(username="ana", email="ana@example.com")
    body = client.get(link).content.decode()
    assert f'href="/accounts/login/?next={link}"' in body
    assert 'id="sign-up"' not in body
    assert (
        client.post(link, {"username": "ana2", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}).status_code
        == 200
    )  # the sign-in page again: no second account for the address
    assert get_user_model().objects.filter(email__iexact="ana@example.com").count() == 1


def test_a_new_person_creates_an_account_bound_to_the_invited_address(client, link, organization):
    response = client.post(
        link, {"username": "ana", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}, follow=True
    )
    assert response.redirect_chain == [(reverse("campaigns:dashboard"), 302)]
    ana = get_user_model().objects.get(username="ana")
    assert (ana.email, ana.check_password(GOOD_PASSWORD)) == ("Ana@example.com", True)  # Django lower-cases the domain
    assert response.context["user"] == ana  # signed in
    assert Membership.objects.get(user=ana).role == "editor"


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("corta", "This password is too short. It must contain at least 12 characters."),
        ("ana@example.com1", "The password is too similar to the email address."),
        ("123456789012345", "This password is entirely numeric."),
    ],
)
def test_django_password_validators_guard_the_new_account(client, link, password, error):
    response = client.post(link, {"username": "ana", "password1": password, "password2": password})
    assert response.status_code == 400
    assert error in response.context["form"].errors["password2"]
    assert not get_user_model().objects.filter(username="ana").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_taken_username_is_refused(client, link):
    UserFactory(username="ana", email="otra@example.com")
    response = client.post(link, {"username": "ana", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.context["form"].errors == {"username": ["A user with that username already exists."]}
    assert get_user_model().objects.filter(username="ana").count() == 1


@pytest.mark.parametrize(
    ("path", "age_days", "error"),
    [
        ("/invitations/adivinado/", 0, "This invitation does not exist or has already been used."),
        (None, 8, "This invitation expired after 7 days; ask an owner for a new one."),
    ],
)
def test_unknown_and_expired_links_say_why_and_change_nothing(client, link, path, age_days, error):
    Invitation.objects.update(created_at=timezone.now() - dt.timedelta(days=age_days))
    response = client.post(path or link, {"username": "ana", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert (response.status_code, response.context["error"]) == (404, error)
    assert not get_user_model().objects.filter(username="ana").exists()


def test_the_invitation_page_speaks_spanish(client, link):
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": link})
    body = client.get(link, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Te invitan a unirte a Materiales Test como Editor." in body
    assert "Crear la cuenta y unirme" in body
