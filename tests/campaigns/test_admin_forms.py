"""The admin names its models in proper plurals (also in Spanish), and the organization form chooses currency and
time zone from lists and edits blocked terms one per line, never as a raw JSON list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from campaigns.models import Organization

pytestmark = pytest.mark.django_db


def test_the_index_names_models_in_proper_plurals(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "Budget policies" in body and "Global kill switches" in body
    assert "policys" not in body and "switchs" not in body
    admin_client.cookies["django_language"] = "es"
    spanish = admin_client.get(reverse("admin:index")).content.decode()
    assert "Políticas de presupuesto" in spanish and "Interruptores de emergencia globales" in spanish


def test_the_organization_form_has_lists_and_one_term_per_line(admin_client, organization):
    add = admin_client.get(reverse("admin:campaigns_organization_add")).content.decode()
    assert re.search(r'<textarea name="blocked_terms"[^>]*>\s*</textarea>', add)  # empty, not "[]"
    assert '<option value="EUR" selected>EUR</option>' in add
    assert '<option value="Europe/Madrid" selected>Europe/Madrid</option>' in add
    organization.blocked_terms = ["Competidor S.A.", "el más barato"]
    organization.save()
    change = admin_client.get(reverse("admin:campaigns_organization_change", args=[organization.pk]))
    assert change.context["adminform"].form["blocked_terms"].value() == "Competidor S.A.\nel más barato"


def test_saving_stores_the_list_and_refuses_bad_values(admin_client):
    data = {
        "name": "Nueva",
        "slug": "nueva",
        "currency": "USD",
        "time_zone": "America/New_York",
        "blocked_terms": "gratis\n\n  Gratis \nbarato",
        "injection_policy": "refuse",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = admin_client.post(reverse("admin:campaigns_organization_add"), data)
    assert response.status_code == 302
    organization = Organization.objects.get(slug="nueva")
    assert (organization.blocked_terms, organization.currency, organization.time_zone) == (
        ["gratis", "barato"],
        "USD",
        "America/New_York",
    )
    refused = admin_client.post(
        reverse("admin:campaigns_organization_add"), {**data, "slug": "otra", "currency": "usd", "time_zone": "Madrid"}
    )
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert errors["currency"] == ["Select a valid choice. usd is not one of the available choices."]
    assert errors["time_zone"] == ["Select a valid choice. Madrid is not one of the available choices."]
    assert not Organization.objects.filter(slug="otra").exists()
