"""Owners' business through the API: the generation guardrails (validated and audited as on the settings page)
and members (the last owner can be neither demoted, moved away nor removed)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from campaigns.models import Membership, Organization, SettingsChange
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def api_as(user: object) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_owner_sets_the_guardrails_and_the_change_is_audited(owner, organization):
    response = api_as(owner).patch(
        f"/api/organizations/{organization.pk}/",
        {"blocked_terms": [" Cemex ", "", "el  más barato", "CEMEX", "Holcim"], "injection_policy": "strip"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["blocked_terms"], response.json()["injection_policy"]) == (
        ["Cemex", "el más barato", "Holcim"],
        "strip",
    )
    organization.refresh_from_db()
    assert (organization.blocked_terms, organization.injection_policy) == (
        ["Cemex", "el más barato", "Holcim"],
        "strip",
    )
    [change] = SettingsChange.objects.all()
    assert (change.organization, change.user, change.actor, change.changes) == (
        organization,
        owner,
        "user:owner-materiales-test",
        {"blocked_terms": [[], ["Cemex", "el más barato", "Holcim"]], "injection_policy": ["refuse", "strip"]},
    )


def test_renaming_keeps_the_guardrails_and_audits_nothing(owner, organization):
    Organization.objects.filter(pk=organization.pk).update(blocked_terms=["Cemex"])
    response = api_as(owner).patch(
        f"/api/organizations/{organization.pk}/", {"name": "Materiales Nuevo"}, format="json"
    )
    assert response.status_code == 200
    organization.refresh_from_db()
    assert (organization.name, organization.blocked_terms) == ("Materiales Nuevo", ["Cemex"])
    assert not SettingsChange.objects.exists()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"blocked_terms": ["Cemex", "x" * 81]},
            {"blocked_terms": [f"Term 2: “{'x' * 81}” has 81 characters; a blocked term has at most 80."]},
        ),
        (
            {"blocked_terms": [f"término {i}" for i in range(201)]},
            {"blocked_terms": ["201 different blocked terms; at most 200 are allowed."]},
        ),
        ({"blocked_terms": "Cemex"}, {"blocked_terms": ['Expected a list of items but got type "str".']}),
        ({"injection_policy": "obey"}, {"injection_policy": ['"obey" is not a valid choice.']}),
    ],
)
def test_bad_guardrails_are_a_400_naming_the_term_and_change_nothing(owner, organization, payload, errors):
    response = api_as(owner).patch(
        f"/api/organizations/{organization.pk}/", {"name": "Otro nombre", **payload}, format="json"
    )
    assert (response.status_code, response.json()) == (400, errors)
    organization.refresh_from_db()
    assert (organization.name, organization.blocked_terms, organization.injection_policy) == (
        "Materiales Test",
        [],
        "refuse",
    )
    assert not SettingsChange.objects.exists()


def test_an_editor_cannot_change_the_guardrails(teammate, organization):
    response = api_as(teammate).patch(
        f"/api/organizations/{organization.pk}/", {"blocked_terms": ["Cemex"]}, format="json"
    )
    assert response.status_code == 403
    assert Organization.objects.get(pk=organization.pk).blocked_terms == []


def test_the_last_owner_is_neither_demoted_nor_moved_nor_removed(owner, organization, other_organization):
    mine = Membership.objects.get(user=owner, organization=organization)
    member(other_organization, "owner")
    Membership.objects.create(user=owner, organization=other_organization, role="owner")
    client = api_as(owner)
    last_owner = {"role": ["owner-materiales-test is the last owner: make someone else an owner first."]}
    response = client.patch(f"/api/memberships/{mine.pk}/", {"role": "viewer"}, format="json")
    assert (response.status_code, response.json()) == (400, last_owner)
    newcomer = UserFactory(username="recien-llegado")
    response = client.put(
        f"/api/memberships/{mine.pk}/",
        {"organization": other_organization.pk, "user": newcomer.pk, "role": "owner"},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {  # no membership moves at all (ownership is fixed)
            "organization": ["The organization is set when the membership is created and cannot change."],
            "user": ["The user is set when the membership is created and cannot change."],
        },
    )
    response = client.delete(f"/api/memberships/{mine.pk}/")
    assert (response.status_code, response.json()) == (
        409,
        {"detail": "owner-materiales-test is the last owner and cannot be removed."},
    )
    assert Membership.objects.filter(pk=mine.pk, organization=organization, role="owner").exists()


def test_with_another_owner_an_owner_can_step_down_and_leave(owner, organization):
    member(organization, "viewer").memberships.filter(organization=organization).update(role="owner")
    mine = Membership.objects.get(user=owner, organization=organization)
    client = api_as(owner)
    response = client.patch(f"/api/memberships/{mine.pk}/", {"role": "editor"}, format="json")
    assert (response.status_code, response.json()["role"]) == (200, "editor")
    other_owner = Membership.objects.get(organization=organization, role="owner")
    assert api_as(other_owner.user).delete(f"/api/memberships/{mine.pk}/").status_code == 204
    assert list(Membership.objects.filter(organization=organization).values_list("user__username", "role")) == [
        ("viewer-materiales-test", "owner")
    ]
