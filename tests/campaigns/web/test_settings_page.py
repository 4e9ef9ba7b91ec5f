"""Settings: owners change the budget policy (money in units, stored as micros); editors and viewers read it."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from campaigns.models import BudgetPolicy
from tests.factories import member

pytestmark = pytest.mark.django_db

VALID = {"mode": "approval", "monthly_cap_micros": "1500,50", "max_change_percent": "15", "freshness_days": "3",
         "kill_switch": "on"}


def test_owner_changes_the_policy_and_it_is_logged(client, owner, organization, caplog):
    client.force_login(owner)
    with caplog.at_level(logging.INFO, logger="campaigns.audit"):
        response = client.post(reverse("campaigns:settings"), VALID, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Settings saved."]
    policy = BudgetPolicy.objects.get(organization=organization)
    assert (policy.mode, policy.monthly_cap_micros, policy.max_change_percent, policy.freshness_days,
            policy.kill_switch) == ("approval", 1_500_500_000, 15, 3, True)
    [record] = caplog.records
    assert (record.getMessage(), record.user, record.changes["monthly_cap_micros"]) == (
        "budget policy changed", "owner-materiales-test", [None, 1_500_500_000])
    assert 'value="1500.50"' in response.content.decode()  # shown back in currency units


def test_an_empty_cap_means_no_cap(client, owner, organization):
    BudgetPolicy.objects.create(organization=organization, monthly_cap_micros=9_000_000)
    client.force_login(owner)
    client.post(reverse("campaigns:settings"), {**VALID, "monthly_cap_micros": " "})
    assert BudgetPolicy.objects.get(organization=organization).monthly_cap_micros is None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("monthly_cap_micros", "1.500,00", "Organization monthly cap: “1.500,00” is not an amount; write it like 1500 or "
                                       "1500.50, without thousands separators."),
    ("monthly_cap_micros", "-4", "Organization monthly cap: “-4” is not an amount; write it like 1500 or 1500.50, "
                                 "without thousands separators."),
    ("monthly_cap_micros", "12.345", "Organization monthly cap: “12.345” is not an amount; write it like 1500 or "
                                     "1500.50, without thousands separators."),
    ("max_change_percent", "101", "Ensure this value is less than or equal to 100."),
    ("mode", "yolo", "Select a valid choice. yolo is not one of the available choices."),
])
def test_bad_input_names_the_field_and_changes_nothing(client, owner, organization, field, value, message):
    client.force_login(owner)
    response = client.post(reverse("campaigns:settings"), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert not BudgetPolicy.objects.filter(organization=organization, mode="approval").exists()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_read_the_policy_and_cannot_change_it(client, organization, role):
    BudgetPolicy.objects.create(organization=organization, monthly_cap_micros=2_000_000_000)
    client.force_login(member(organization, role))
    response = client.get(reverse("campaigns:settings"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="2000.00"' in body and "Save settings" not in body
    assert all(field.field.disabled for field in response.context["form"])
    assert client.post(reverse("campaigns:settings"), VALID).status_code == 403
    assert BudgetPolicy.objects.get(organization=organization).mode == "dry_run"


def test_settings_are_the_current_organizations(client, owner, outsider, organization, other_organization):
    BudgetPolicy.objects.create(organization=other_organization, monthly_cap_micros=7_000_000)
    client.force_login(owner)
    client.post(reverse("campaigns:settings"), VALID)
    assert BudgetPolicy.objects.get(organization=other_organization).monthly_cap_micros == 7_000_000
    assert BudgetPolicy.objects.get(organization=organization).monthly_cap_micros == 1_500_500_000


def test_generation_rules_are_shown_as_not_configurable_yet(client, owner):
    client.force_login(owner)
    body = client.get(reverse("campaigns:settings")).content.decode()
    assert "Not configurable yet: the organization has no field for them." in body
