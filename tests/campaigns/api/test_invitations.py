"""Joining by invitation: owners invite an address, the person who reads the email accepts; inviting says nothing
about which accounts exist, and nobody becomes a member without accepting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Invitation, Membership

pytestmark = pytest.mark.django_db


def api_as(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def person(username: str, email: str) -> object:
    return get_user_model().objects.create(username=username, email=email)


def invite(owner, organization, email, capture, role="editor") -> tuple[dict, str]:
    """The API's answer and the token the email carried."""
    from django.core import mail

    sent = len(mail.outbox)
    with capture(execute=True):
        response = api_as(owner).post(
            "/api/invitations/", {"organization": organization.pk, "email": email, "role": role}, format="json"
        )
    assert response.status_code == 201, response.json()
    [message] = mail.outbox[sent:]
    assert (message.to, message.subject) == ([email], "Invitation to Materiales Test")
    link, token = message.body.split("\n\n")[2:5:2]
    assert link == f"http://testserver/invitations/{token}/"  # the web page that accepts it
    return response.json(), token


def test_inviting_answers_the_same_whether_the_account_exists(owner, organization, django_capture_on_commit_callbacks):
    person("existe", "existe@example.com")
    known, _ = invite(owner, organization, "existe@example.com", django_capture_on_commit_callbacks)
    unknown, _ = invite(owner, organization, "nadie@example.com", django_capture_on_commit_callbacks)
    ignore = {"id", "email", "created_at"}
    assert (
        {k: v for k, v in known.items() if k not in ignore}
        == {k: v for k, v in unknown.items() if k not in ignore}
        == {"organization": organization.pk, "role": "editor", "invited_by": owner.pk, "accepted_at": None}
    )
    assert "token" not in known
    assert Membership.objects.filter(organization=organization).count() == 1  # the owner only: nobody added


def test_the_invited_person_accepts_once_and_becomes_a_member(owner, organization, django_capture_on_commit_callbacks):
    _, token = invite(owner, organization, "Ana@Example.com", django_capture_on_commit_callbacks)
    ana = person("ana", "ana@example.com")
    response = api_as(ana).post("/api/invitations/accept/", {"token": token}, format="json")
    assert response.status_code == 201
    assert (response.json()["organization"], response.json()["username"], response.json()["role"]) == (
        organization.pk,
        "ana",
        "editor",
    )
    invitation = Invitation.objects.get()
    assert (invitation.accepted_by, invitation.accepted_at is not None) == (ana, True)
    again = api_as(ana).post("/api/invitations/accept/", {"token": token}, format="json")
    assert (again.status_code, again.json()) == (
        400,
        {"detail": "This invitation does not exist or has already been used."},
    )
    assert Membership.objects.filter(organization=organization, user=ana).count() == 1


@pytest.mark.parametrize(
    ("who", "age_days", "detail"),
    [
        ("otra@example.com", 0, "This invitation was sent to another email address; sign in with that one."),
        ("ana@example.com", 8, "This invitation expired after 7 days; ask an owner for a new one."),
    ],
)
def test_an_invitation_is_for_its_address_and_its_week(
    owner, organization, django_capture_on_commit_callbacks, who, age_days, detail
):
    _, token = invite(owner, organization, "ana@example.com", django_capture_on_commit_callbacks)
    Invitation.objects.update(created_at=timezone.now() - dt.timedelta(days=age_days))
    response = api_as(person("alguien", who)).post("/api/invitations/accept/", {"token": token}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": detail})
    assert Membership.objects.filter(organization=organization).count() == 1
    assert Invitation.objects.get().accepted_at is None


def test_a_guessed_token_learns_nothing(teammate):
    response = api_as(teammate).post("/api/invitations/accept/", {"token": "adivinado"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "This invitation does not exist or has already been used."},
    )


def test_only_owners_invite_and_see_invitations(owner, teammate, organization, django_capture_on_commit_callbacks):
    invite(owner, organization, "ana@example.com", django_capture_on_commit_callbacks)
    client = api_as(teammate)
    response = client.post(
        "/api/invitations/", {"organization": organization.pk, "email": "b@example.com", "role": "owner"}, format="json"
    )
    assert response.status_code == 403
    assert client.get("/api/invitations/").json()["count"] == 0  # invited addresses are for owners
    assert api_as(owner).get("/api/invitations/").json()["count"] == 1
    assert Invitation.objects.count() == 1


def test_a_member_accepting_again_is_told_so(owner, organization, django_capture_on_commit_callbacks):
    _, token = invite(owner, organization, "ana@example.com", django_capture_on_commit_callbacks, role="owner")
    ana = person("ana", "ana@example.com")
    Membership.objects.create(user=ana, organization=organization, role="viewer")
    response = api_as(ana).post("/api/invitations/accept/", {"token": token}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "You are already a member of Materiales Test."})
    assert Membership.objects.get(user=ana).role == "viewer"
    assert Invitation.objects.get().accepted_at is None
