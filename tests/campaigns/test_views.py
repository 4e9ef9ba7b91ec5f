"""Pages: sign-in required, each user sees only their organizations, the admin lists every model."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import Membership
from tests.factories import CampaignFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_requires_sign_in(client):
    response = client.get(reverse("campaigns:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("campaigns:login"))


def test_home_leads_to_the_dashboard_or_to_creating_an_organization(client, owner):
    client.force_login(owner)
    assert client.get(reverse("campaigns:home"))["Location"] == reverse("campaigns:dashboard")
    client.force_login(UserFactory(username="nadie"))
    assert client.get(reverse("campaigns:home"))["Location"] == reverse("campaigns:new_organization")


def test_campaign_list_shows_only_my_organizations(client, owner, organization, other_organization, outsider):
    CampaignFactory(organization=organization, name="Cemento <b>gris</b>", daily_budget_micros=40_500_000)
    CampaignFactory(organization=other_organization, name="Secreto del competidor")
    client.force_login(owner)
    response = client.get(reverse("campaigns:campaign_list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Cemento &lt;b&gt;gris&lt;/b&gt;" in body  # escaped, never rendered as markup
    assert "40.50 EUR" in body
    assert "Secreto del competidor" not in body


def test_sign_in_page_signs_in(client, owner):
    response = client.post(reverse("campaigns:login"), {"username": owner.username, "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:home")


@pytest.mark.parametrize(
    "model",
    [
        "organization",
        "membership",
        "campaign",
        "adgroup",
        "negativekeywordlist",
        "budgetpolicy",
        "globalkillswitch",
        "budgetplan",
        "budgetchange",
        "keyword",
        "ad",
        "dailymetric",
        "searchterm",
        "searchtermdaily",
        "reportimport",
    ],
)
def test_admin_changelists_load(admin_client, model, organization):
    CampaignFactory(organization=organization)
    response = admin_client.get(reverse(f"admin:campaigns_{model}_changelist"))
    assert response.status_code == 200


def test_staff_member_sees_only_their_organizations_in_admin(client, organization, other_organization):
    CampaignFactory(organization=organization, name="Mine")
    CampaignFactory(organization=other_organization, name="Theirs")
    staff = UserFactory(username="staffer", is_staff=True)
    Membership.objects.create(user=staff, organization=organization, role="owner")
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    client.force_login(staff)
    body = client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "Mine" in body and "Theirs" not in body
