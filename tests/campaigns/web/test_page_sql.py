"""The pages' hand-written SQL reads what the ORM reads: every field of every instance, converted the same way
(dates and times, JSON), related instances attached, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.forms.models import model_to_dict

from campaigns.models import Membership, Organization
from campaigns.web.context import memberships_of
from tests.factories import member

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
