"""The pages' hand-written SQL reads what the ORM reads: every field of every instance, converted the same way
(dates and times, JSON), related instances attached, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from campaigns.models import BudgetPolicy, Campaign, Membership, Organization, RebalanceMode
from campaigns.services import page_sql
from campaigns.services.budget_checks import read_policy
from campaigns.web.context import memberships_of
from tests.factories import CampaignFactory, member

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_memberships_read_in_sql_equal_the_orms(organization, other_organization, django_assert_num_queries):
    Organization.objects.filter(pk=organization.pk).update(blocked_terms=["gratis", "dental"], currency="USD")
    user = member(organization, "owner")
    Membership.objects.create(user=user, organization=other_organization, role="viewer")
    Organization.objects.create(name="Aaa sin miembros", slug="aaa")  # not the user's
    with django_assert_num_queries(1):
        found = memberships_of(user)
        organizations = [membership.organization for membership in found]  # attached: no query each
    expected = list(Membership.objects.filter(user=user).select_related("organization").order_by("organization__name"))
    assert [_fields(m) for m in found] == [_fields(m) for m in expected]
    assert [_fields(o) for o in organizations] == [_fields(m.organization) for m in expected]
    assert [o.name for o in organizations] == ["Competidor", "Materiales Test"]
    assert organizations[1].blocked_terms == ["gratis", "dental"] and organizations[1].currency == "USD"
    assert found[0].created_at.tzinfo is not None and model_to_dict(found[1])["role"] == "owner"
    assert not found[0]._state.adding and found[0]._state.db == "default"


def test_a_kept_query_is_written_once_and_run_for_each_organization(
    organization, other_organization, django_assert_num_queries
):
    built = []

    @page_sql.per_organization
    def names(organization_id: int):
        built.append(organization_id)
        return Campaign.objects.filter(organization_id=organization_id, name__startswith="C").values_list("name")

    CampaignFactory(organization=organization, name="Cemento")
    CampaignFactory(organization=organization, name="Arena")
    CampaignFactory(organization=other_organization, name="Cal")
    with django_assert_num_queries(1):
        assert names(organization.pk) == [("Cemento",)]
    assert names(other_organization.pk) == [("Cal",)]
    assert len(built) == 1


def test_a_kept_query_must_hold_the_organization_once(organization):
    @page_sql.per_organization
    def twice(organization_id: int):
        same = Campaign.objects.filter(ad_groups__campaign__organization=organization_id)
        return Campaign.objects.filter(organization_id=organization_id) & same

    with pytest.raises(ValueError, match="twice: the organization's id must be one parameter of the query"):
        twice(organization.pk)


def test_the_policy_read_in_sql_is_the_saved_one_or_an_unsaved_default(organization, other_organization):
    saved = BudgetPolicy.objects.create(organization=organization, mode=RebalanceMode.APPROVAL, max_change_percent=15)
    found = read_policy(organization)
    assert _fields(found) == _fields(BudgetPolicy.objects.get(pk=saved.pk)) and not found._state.adding
    default = read_policy(other_organization)
    assert default.pk is None and default.organization == other_organization
    assert _fields(default) == _fields(BudgetPolicy(organization=other_organization))
