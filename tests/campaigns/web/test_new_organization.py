"""Creating an organization at /organizations/new/: a name, a short name derived unless typed (unique, validated),
a currency and a time zone chosen from their lists; the creator is its owner and lands on its dashboard, which
leads to the first import. Bad input is refused with its reason and creates nothing."""

from __future__ import annotations

from zoneinfo import available_timezones

import pytest
from django.urls import reverse
from django.utils.html import escape

from campaigns.models import Membership, Organization
from campaigns.models.validators import ISO_4217
from campaigns.web.context import SESSION_KEY
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = "/organizations/new/"


@pytest.fixture
def newcomer(client):
    user = UserFactory(username="ana@example.com", email="ana@example.com")
    client.force_login(user)
    return user


def create(client, **fields):
    data = {"name": "Materiales Ibéricos, S.L.", "slug": "", "currency": "EUR", "time_zone": "Europe/Madrid"}
    return client.post(NEW, {**data, **fields})


def test_signed_out_visitors_are_asked_to_sign_in(client):
    assert client.get(NEW)["Location"] == f"{reverse('campaigns:login')}?next={NEW}"


def test_someone_without_an_organization_lands_on_creating_one(client, newcomer):
    assert client.get(reverse("campaigns:home"))["Location"] == NEW
    page = client.get(reverse("campaigns:dashboard"))
    assert page.status_code == 403 and f'href="{NEW}"' in page.content.decode()


def test_the_form_offers_lists_not_free_text(client, newcomer):
    page = client.get(NEW)
    form = page.context["form"]
    assert [code for code, _ in form.fields["currency"].choices] == sorted(ISO_4217)
    zones = [zone for _, group in form.fields["time_zone"].choices for zone, _ in group]
    assert sorted(zones) == sorted(available_timezones())
    body = page.content.decode()
    assert '<option value="EUR" selected>EUR</option>' in body
    assert '<option value="Europe/Madrid" selected>Europe/Madrid</option>' in body
    assert '<optgroup label="America">' in body
    assert '<option value="America/Argentina/Buenos_Aires">America/Argentina/Buenos Aires</option>' in body


def test_the_creator_becomes_owner_and_lands_on_the_empty_dashboard(client, newcomer):
    response = create(client, currency="MXN", time_zone="America/Mexico_City")
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:dashboard")
    organization = Organization.objects.get()
    assert (organization.name, organization.slug, organization.currency, organization.time_zone) == (
        "Materiales Ibéricos, S.L.",
        "materiales-ibericos-sl",
        "MXN",
        "America/Mexico_City",
    )
    assert list(Membership.objects.values_list("user", "organization", "role")) == [
        (newcomer.pk, organization.pk, "owner")
    ]
    assert client.session[SESSION_KEY] == organization.pk
    dashboard = client.get(response["Location"])
    body = dashboard.content.decode()
    assert [str(m) for m in dashboard.context["messages"]] == [
        "Materiales Ibéricos, S.L. is ready. Start by importing a report."
    ]
    assert 'id="first-import"' in body and f'href="{reverse("campaigns:imports")}" id="go-to-imports"' in body
    assert "Segment › Time › Day" in body and "Search term report" in body
    assert 'href="/members/"' in body  # the owner's menu


def test_a_derived_short_name_that_is_taken_gets_a_number(client, newcomer):
    OrganizationFactory(name="Otra", slug="materiales-ibericos-sl")
    OrganizationFactory(name="Otra más", slug="materiales-ibericos-sl-2")
    assert create(client).status_code == 302
    assert Organization.objects.get(memberships__user=newcomer).slug == "materiales-ibericos-sl-3"


def test_a_typed_short_name_is_kept(client, newcomer):
    assert create(client, slug="mi-tienda").status_code == 302
    assert Organization.objects.get(memberships__user=newcomer).slug == "mi-tienda"


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "x" * 201}, "name", "Ensure this value has at most 200 characters (it has 201)."),
        (
            {"slug": "Mi Tienda"},
            "slug",
            "“Mi Tienda” is not a short name: use lower-case letters, digits and single "
            "hyphens, such as materiales-ibericos.",
        ),
        (
            {"slug": "tienda--uno"},
            "slug",
            "“tienda--uno” is not a short name: use lower-case letters, digits and "
            "single hyphens, such as materiales-ibericos.",
        ),
        ({"slug": "competidor"}, "slug", "Another organization has this short name; choose another."),
        ({"name": "¡¡!!"}, "slug", "The name has no letters or digits to make a short name from: type one."),
        ({"currency": "XTS"}, "currency", "Select a valid choice. XTS is not one of the available choices."),
        ({"currency": ""}, "currency", "This field is required."),
        (
            {"time_zone": "Mars/Olympus_Mons"},
            "time_zone",
            "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
        ),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_creates_nothing(
    client, newcomer, other_organization, fields, field, error
):
    response = create(client, **fields)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [error]
    assert escape(error) in response.content.decode()
    assert Organization.objects.exclude(pk=other_organization.pk).count() == 0
    assert Membership.objects.filter(user=newcomer).count() == 0
    assert SESSION_KEY not in client.session


def test_a_member_can_create_another_and_switch_between_them(client, owner, organization):
    client.force_login(owner)
    assert create(client, name="Segunda marca").status_code == 302
    second = Organization.objects.get(slug="segunda-marca")
    assert client.session[SESSION_KEY] == second.pk
    page = client.get(reverse("campaigns:dashboard"))
    assert [m.organization for m in page.context["memberships"]] == [organization, second]
    assert page.context["current_organization"] == second
    client.post(reverse("campaigns:switch_organization"), {"organization": organization.pk})
    assert client.get(reverse("campaigns:dashboard")).context["current_organization"] == organization
    assert Membership.objects.get(user=owner, organization=organization).role == "owner"  # unchanged


def test_a_viewer_of_an_empty_organization_is_told_who_can_import(client, viewer):
    client.force_login(viewer)
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    assert 'id="first-import"' in body and 'id="go-to-imports"' not in body
    assert "Viewers cannot import reports: ask an owner or an editor of this organization." in body


def test_the_page_speaks_spanish(client, newcomer):
    client.cookies["django_language"] = "es"
    body = client.get(NEW).content.decode()
    assert "Crea tu organización" in body and "Zona horaria" in body and "Moneda" in body
    response = create(client, slug="Mal Nombre")
    assert "«Mal Nombre» no es un nombre corto" in response.content.decode()
    dashboard = client.get(create(client)["Location"]).content.decode()
    assert "Importa tu primer informe" in dashboard and "Segmentar › Tiempo › Día" in dashboard
