"""Members and roles: owners only; invite by email (nobody added without accepting), withdraw, change a role,
remove; the last owner stays."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from campaigns.models import Invitation, Membership
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def test_owner_sees_members_with_roles(client, owner, teammate, organization):
    client.force_login(owner)
    response = client.get(reverse("campaigns:members"))
    body = response.content.decode()
    assert response.status_code == 200
    assert [(row.user.username, row.role) for row in response.context["rows"]] == [
        ("editor-materiales-test", "editor"),
        ("owner-materiales-test", "owner"),
    ]
    assert 'href="/members/"' in body  # the nav link, for owners


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_are_refused_and_see_no_link(client, organization, owner, role):
    user = member(organization, role)
    target = Membership.objects.get(user=owner)
    client.force_login(user)
    assert client.get(reverse("campaigns:members")).status_code == 403
    assert (
        client.post(reverse("campaigns:invite_member"), {"email": "x@example.com", "role": "owner"}).status_code == 403
    )
    invitation = Invitation.objects.create(
        organization=organization, email="y@example.com", role="viewer", token_sha256="0" * 64, invited_by=owner
    )
    assert client.post(reverse("campaigns:revoke_invitation", args=[invitation.pk])).status_code == 403
    assert client.post(reverse("campaigns:change_member", args=[target.pk]), {"remove": "1"}).status_code == 403
    assert 'href="/members/"' not in client.get(reverse("campaigns:dashboard")).content.decode()
    assert Membership.objects.filter(organization=organization).count() == 2
    assert list(Invitation.objects.values_list("email", flat=True)) == ["y@example.com"]


def invite(client, email, capture, role="editor"):
    """The page's answer after the redirect, and the emails the invitation sent."""
    sent = len(mail.outbox)
    with capture(execute=True):
        response = client.post(reverse("campaigns:invite_member"), {"email": email, "role": role}, follow=True)
    return response, mail.outbox[sent:]


def test_inviting_answers_the_same_whether_the_account_exists(
    client, owner, organization, django_capture_on_commit_callbacks
):
    UserFactory(username="lucia", email="Lucia@Example.com")
    client.force_login(owner)
    answers = []
    for email in ("lucia@example.com", "nadie@example.com"):
        response, [message] = invite(client, email, django_capture_on_commit_callbacks)
        answers.append([str(m) for m in response.context["messages"]])
        assert (message.to, message.subject) == ([email], "Invitation to Materiales Test")
        assert message.body.split("\n\n")[2].startswith("http://testserver/invitations/")
    assert answers == [
        ["Invitation sent to lucia@example.com. They join when they accept it."],
        ["Invitation sent to nadie@example.com. They join when they accept it."],
    ]
    assert Membership.objects.filter(organization=organization).count() == 1  # the owner only: nobody added
    body = client.get(reverse("campaigns:members")).content.decode()
    assert [(i.email, i.role) for i, _, expired in response.context["pending"]] == [
        ("nadie@example.com", "editor"),
        ("lucia@example.com", "editor"),
    ]
    assert body.count("Withdraw</button>") == 2


def test_an_invalid_address_is_refused_and_nothing_is_sent(client, owner, django_capture_on_commit_callbacks):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaigns:invite_member"), {"email": "no-es-un-correo", "role": "editor"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"email": ["Enter a valid email address."]}
    assert (Invitation.objects.count(), len(mail.outbox)) == (0, 0)


def test_owner_withdraws_an_invitation_and_its_link_stops_working(
    client, owner, outsider, other_organization, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    _, [message] = invite(client, "ana@example.com", django_capture_on_commit_callbacks)
    link = message.body.split("\n\n")[2]
    invitation = Invitation.objects.get()
    response = client.post(reverse("campaigns:revoke_invitation", args=[invitation.pk]), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Invitation to ana@example.com withdrawn."]
    assert Invitation.objects.count() == 0
    assert client.get(link).status_code == 404
    theirs = Invitation.objects.create(
        organization=other_organization,
        email="x@example.com",
        role="viewer",
        token_sha256="0" * 64,
        invited_by=outsider,
    )
    assert client.post(reverse("campaigns:revoke_invitation", args=[theirs.pk])).status_code == 404
    assert Invitation.objects.filter(pk=theirs.pk).exists()


def test_owner_changes_a_role_and_removes_a_member(client, owner, teammate):
    client.force_login(owner)
    target = Membership.objects.get(user=teammate)
    client.post(reverse("campaigns:change_member", args=[target.pk]), {"role": "viewer", "change": ""})
    target.refresh_from_db()
    assert target.role == "viewer"
    client.post(reverse("campaigns:change_member", args=[target.pk]), {"remove": "1"})
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_the_last_owner_cannot_be_demoted_or_removed(client, owner):
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    response = client.post(reverse("campaigns:change_member", args=[mine.pk]), {"role": "editor"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "owner-materiales-test is the last owner: make someone else an owner first."
    ]
    response = client.post(reverse("campaigns:change_member", args=[mine.pk]), {"remove": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "owner-materiales-test is the last owner and cannot be removed."
    ]
    mine.refresh_from_db()
    assert mine.role == "owner"


def test_an_owner_may_step_down_when_another_owner_remains(client, owner, organization):
    Membership.objects.create(user=UserFactory(username="second-owner"), organization=organization, role="owner")
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    response = client.post(reverse("campaigns:change_member", args=[mine.pk]), {"role": "viewer"})
    assert response["Location"] == reverse("campaigns:dashboard")  # no longer an owner: no members page
    mine.refresh_from_db()
    assert mine.role == "viewer"


def test_another_organizations_membership_is_404(client, owner, outsider):
    client.force_login(owner)
    theirs = Membership.objects.get(user=outsider)
    assert client.post(reverse("campaigns:change_member", args=[theirs.pk]), {"remove": "1"}).status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_members_page_speaks_spanish(client, owner):
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/members/"})
    body = client.get(reverse("campaigns:members")).content.decode()
    assert "Miembros y roles" in body and "Propietario" in body and "Invitar a alguien" in body
