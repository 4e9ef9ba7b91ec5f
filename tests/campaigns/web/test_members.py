"""Members and roles: owners only; add an existing user, change a role, remove; the last owner stays."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import Membership
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def test_owner_sees_members_with_roles(client, owner, teammate, organization):
    client.force_login(owner)
    response = client.get(reverse("campaigns:members"))
    body = response.content.decode()
    assert response.status_code == 200
    assert [(row.user.username, row.role) for row in response.context["rows"]] == [
        ("editor-materiales-test", "editor"), ("owner-materiales-test", "owner")]
    assert 'href="/members/"' in body  # the nav link, for owners


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_are_refused_and_see_no_link(client, organization, owner, role):
    user = member(organization, role)
    target = Membership.objects.get(user=owner)
    client.force_login(user)
    assert client.get(reverse("campaigns:members")).status_code == 403
    assert client.post(reverse("campaigns:add_member"), {"who": "x", "role": "owner"}).status_code == 403
    assert client.post(reverse("campaigns:change_member", args=[target.pk]), {"remove": "1"}).status_code == 403
    assert 'href="/members/"' not in client.get(reverse("campaigns:dashboard")).content.decode()
    assert Membership.objects.filter(organization=organization).count() == 2


def test_owner_adds_an_existing_user_by_email(client, owner, organization):
    UserFactory(username="lucia", email="Lucia@Example.com")
    client.force_login(owner)
    response = client.post(reverse("campaigns:add_member"), {"who": "lucia@example.com", "role": "editor"},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == ["lucia added."]
    assert Membership.objects.get(user__username="lucia").role == "editor"


def test_adding_an_unknown_or_existing_member_says_why(client, owner, teammate):
    client.force_login(owner)
    response = client.post(reverse("campaigns:add_member"), {"who": "nobody", "role": "viewer"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "No single user has the username or email “nobody”."]
    response = client.post(reverse("campaigns:add_member"), {"who": teammate.username, "role": "viewer"},
                           follow=True)
    assert [str(m) for m in response.context["messages"]] == ["editor-materiales-test is already a member."]
    assert Membership.objects.get(user=teammate).role == "editor"


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
        "owner-materiales-test is the last owner: make someone else an owner first."]
    response = client.post(reverse("campaigns:change_member", args=[mine.pk]), {"remove": "1"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "owner-materiales-test is the last owner and cannot be removed."]
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
    assert "Miembros y roles" in body and "Propietario" in body
