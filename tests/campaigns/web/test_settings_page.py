"""Settings: owners change the budget policy (money in units, stored as micros) and the generation guardrails;
editors and viewers read them; every change is one SettingsChange row, shown in the page's history."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import BudgetPolicy, Organization, SettingsChange
from campaigns.services.policy import update_settings
from tests.factories import member

pytestmark = pytest.mark.django_db

VALID = {
    "mode": "approval",
    "monthly_cap_micros": "1500,50",
    "max_change_percent": "15",
    "freshness_days": "3",
    "kill_switch": "on",
    "blocked_terms": "",
    "injection_policy": "refuse",
}
DEFAULTS = {
    "mode": "dry_run",
    "monthly_cap_micros": "",
    "max_change_percent": "20",
    "freshness_days": "2",
    "blocked_terms": "",
    "injection_policy": "refuse",
}


def test_owner_changes_the_policy_and_it_is_audited_and_logged(client, owner, organization, caplog):
    client.force_login(owner)
    with caplog.at_level(logging.INFO, logger="campaigns.audit"):
        response = client.post(reverse("campaigns:settings"), VALID, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Settings saved."]
    policy = BudgetPolicy.objects.get(organization=organization)
    assert (
        policy.mode,
        policy.monthly_cap_micros,
        policy.max_change_percent,
        policy.freshness_days,
        policy.kill_switch,
    ) == ("approval", 1_500_500_000, 15, 3, True)
    [change] = SettingsChange.objects.all()
    assert (change.organization, change.user, change.actor, change.changes) == (
        organization,
        owner,
        "user:owner-materiales-test",
        {
            "mode": ["dry_run", "approval"],
            "monthly_cap_micros": [None, 1_500_500_000],
            "max_change_percent": [20, 15],
            "freshness_days": [2, 3],
            "kill_switch": [False, True],
        },
    )
    [record] = [r for r in caplog.records if r.name == "campaigns.audit"]  # axes logs the sign-in too
    assert (record.getMessage(), record.user, record.changes) == (
        "settings changed",
        "owner-materiales-test",
        change.changes,
    )
    assert 'value="1500.50"' in response.content.decode()  # shown back in currency units


def test_saving_the_same_values_again_changes_and_audits_nothing(client, owner, organization):
    client.force_login(owner)
    client.post(reverse("campaigns:settings"), VALID, follow=True)
    response = client.post(reverse("campaigns:settings"), VALID, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Nothing changed."]
    assert SettingsChange.objects.count() == 1


def test_owner_sets_blocked_terms_and_the_injection_policy(client, owner, organization):
    client.force_login(owner)
    terms = "  Cemex \r\n\r\ncemex\nEl   más barato\nCEMEX\nHolcim  "
    response = client.post(
        reverse("campaigns:settings"), {**DEFAULTS, "blocked_terms": terms, "injection_policy": "strip"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == ["Settings saved."]
    organization.refresh_from_db()
    assert (organization.blocked_terms, organization.injection_policy) == (
        ["Cemex", "El más barato", "Holcim"],
        "strip",
    )
    [change] = SettingsChange.objects.all()
    assert change.changes == {
        "blocked_terms": [[], ["Cemex", "El más barato", "Holcim"]],
        "injection_policy": ["refuse", "strip"],
    }
    body = response.content.decode()
    assert ">\nCemex\nEl más barato\nHolcim</textarea>" in body
    assert '<option value="strip" selected>Strip the offending sentences</option>' in body


LONG_TERM = "x" * 81


@pytest.mark.parametrize(
    ("terms", "errors"),
    [
        (
            f"Cemex\n\n{LONG_TERM}\nHolcim\n{'y' * 90}",
            [
                f"Line 3: “{LONG_TERM}” has 81 characters; a blocked term has at most 80.",
                f"Line 5: “{'y' * 90}” has 90 characters; a blocked term has at most 80.",
            ],
        ),
        ("\n".join(f"término {i}" for i in range(201)), ["201 different blocked terms; at most 200 are allowed."]),
    ],
)
def test_bad_blocked_terms_name_the_line_and_change_nothing(client, owner, organization, terms, errors):
    client.force_login(owner)
    response = client.post(
        reverse("campaigns:settings"), {**VALID, "blocked_terms": terms, "injection_policy": "strip"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"blocked_terms": errors}
    organization.refresh_from_db()
    assert (organization.blocked_terms, organization.injection_policy) == ([], "refuse")
    assert not BudgetPolicy.objects.filter(organization=organization, mode="approval").exists()
    assert not SettingsChange.objects.exists()


def test_two_hundred_terms_and_eighty_characters_are_allowed(client, owner, organization):
    client.force_login(owner)
    terms = ["z" * 80, *(f"término {i}" for i in range(199)), "Z" * 80]  # the last repeats the first
    client.post(reverse("campaigns:settings"), {**DEFAULTS, "blocked_terms": "\n".join(terms)})
    organization.refresh_from_db()
    assert organization.blocked_terms == terms[:200]


def test_an_empty_cap_means_no_cap(client, owner, organization):
    BudgetPolicy.objects.create(organization=organization, monthly_cap_micros=9_000_000)
    client.force_login(owner)
    client.post(reverse("campaigns:settings"), {**VALID, "monthly_cap_micros": " "})
    assert BudgetPolicy.objects.get(organization=organization).monthly_cap_micros is None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "monthly_cap_micros",
            "1.500,00",
            "Organization monthly cap: “1.500,00” is not an amount; write it like 1500 or "
            "1500.50, without thousands separators.",
        ),
        (
            "monthly_cap_micros",
            "-4",
            "Organization monthly cap: “-4” is not an amount; write it like 1500 or 1500.50, "
            "without thousands separators.",
        ),
        (
            "monthly_cap_micros",
            "12.345",
            "Organization monthly cap: “12.345” is not an amount; write it like 1500 or "
            "1500.50, without thousands separators.",
        ),
        ("max_change_percent", "101", "Ensure this value is less than or equal to 100."),
        ("mode", "yolo", "Select a valid choice. yolo is not one of the available choices."),
        ("injection_policy", "obey", "Select a valid choice. obey is not one of the available choices."),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client, owner, organization, field, value, message):
    client.force_login(owner)
    response = client.post(reverse("campaigns:settings"), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert not BudgetPolicy.objects.filter(organization=organization, mode="approval").exists()
    assert not SettingsChange.objects.exists()


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


def test_the_history_shows_the_latest_twenty_changes_in_one_query(client, owner, organization):
    update_settings(organization, user=owner, blocked_terms=["Cemex"], monthly_cap_micros=2_000_000_000)
    update_settings(
        organization,
        user=None,
        actor="command:seed_demo",
        blocked_terms=["Holcim", "Cemex"],
        injection_policy="strip",
        kill_switch=True,
    )
    client.force_login(owner)
    client.get(reverse("campaigns:settings"))  # the session's first request remembers the organization
    with CaptureQueriesContext(connection) as with_two:
        response = client.get(reverse("campaigns:settings"))
    body = response.content.decode()
    newest, oldest = SettingsChange.objects.all()
    assert [
        (row.change, row.who, [(f.label, f.before, f.after) for f in row.fields]) for row in response.context["history"]
    ] == [
        (
            newest,
            "command:seed_demo",
            [
                ("Kill switch", "off", "on"),
                ("Blocked terms", "none", "“Holcim”"),
                ("Injection policy", "Refuse the request", "Strip the offending sentences"),
            ],
        ),
        (
            oldest,
            "owner-materiales-test",
            [("Organization monthly cap", "no cap", "2,000.00 EUR"), ("Blocked terms", "none", "“Cemex”")],
        ),
    ]
    assert "<div>Blocked terms: none → “Holcim”</div>" in body
    for i in range(25):
        update_settings(organization, user=owner, max_change_percent=i)
    with CaptureQueriesContext(connection) as with_many:
        response = client.get(reverse("campaigns:settings"))
    assert len(with_many) == len(with_two)
    assert [row.fields[0].after for row in response.context["history"]] == [str(i) for i in range(24, 4, -1)]


def test_editors_and_viewers_read_the_guardrails_and_the_history(client, organization, owner):
    update_settings(organization, user=owner, blocked_terms=["Cemex"], injection_policy="strip")
    client.force_login(member(organization, "viewer"))
    body = client.get(reverse("campaigns:settings")).content.decode()
    assert 'disabled aria-describedby="id_blocked_terms_helptext" id="id_blocked_terms">\nCemex</textarea>' in body
    assert "<div>Injection policy: Refuse the request → Strip the offending sentences</div>" in body
    assert client.post(reverse("campaigns:settings"), {**DEFAULTS, "blocked_terms": ""}).status_code == 403
    assert Organization.objects.get(pk=organization.pk).blocked_terms == ["Cemex"]


def test_the_guardrails_read_in_spanish(client, owner, organization):
    update_settings(organization, user=owner, injection_policy="strip")
    client.force_login(owner)
    body = client.get(reverse("campaigns:settings"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Términos bloqueados" in body
    assert "<div>Política ante inyecciones: Rechazar la petición → Quitar las frases sospechosas</div>" in body
