"""factory_boy factories for the campaign models."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from campaigns.models import AdGroup, Campaign, Keyword, Membership, Organization, Suggestion


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-only")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    organization = factory.SubFactory(OrganizationFactory)
    platform = "google"
    name = factory.Sequence(lambda n: f"Campaign {n}")
    daily_budget_micros = 40_000_000


class AdGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdGroup

    campaign = factory.SubFactory(CampaignFactory)
    name = factory.Sequence(lambda n: f"Ad group {n}")


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    ad_group = factory.SubFactory(AdGroupFactory)
    campaign = factory.SelfAttribute("ad_group.campaign")
    organization = factory.SelfAttribute("ad_group.campaign.organization")
    text = factory.Sequence(lambda n: f"cemento {n}")
    match_type = "exact"


def member(organization: Organization, role: str) -> object:
    user = UserFactory(username=f"{role}-{organization.slug}")
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def suggestion_for(group: AdGroup, kind: str, text: str, source: str = "test", **extra) -> Suggestion:
    """A pending suggestion of ``kind`` for ``group``, in its campaign and organization."""
    return Suggestion.objects.create(
        organization=group.campaign.organization,
        campaign=group.campaign,
        ad_group=group,
        kind=kind,
        text=text,
        source=source,
        **extra,
    )
