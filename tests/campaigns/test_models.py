"""The database itself refuses rows that break the platforms' rules or the money rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DataError, IntegrityError, transaction

from campaigns.models import Ad, Campaign, DailyMetric, Keyword, NegativeKeywordList, SettingsChange
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory

pytestmark = pytest.mark.django_db

HEADLINE = {"text": "Cemento Cola Profesional", "pin": None}
DESCRIPTION = {"text": "Envío a obra en 24 horas.", "pin": None}


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except (IntegrityError, DataError):  # PostgreSQL reports an over-long value as a DataError
        return True
    return False


def test_keyword_limits_enforced_by_the_database():
    ad_group = AdGroupFactory()
    org = ad_group.campaign.organization

    def keyword(text: str, **extra) -> object:
        return lambda: Keyword.objects.create(
            organization=org,
            campaign=ad_group.campaign,
            ad_group=ad_group,
            text=text,
            match_type=extra.pop("match_type", "exact"),
            **extra,
        )

    assert not refused(keyword("a" * 80))
    assert refused(keyword("b" * 81))
    assert not refused(keyword(" ".join(["palabra"] * 10)))
    assert refused(keyword(" ".join(["ladrillo"] * 11)))
    assert refused(keyword("cemento", match_type="fuzzy"))
    assert not refused(keyword("cemento gris"))
    assert refused(keyword("Cemento   Gris"))  # same keyword: case and spacing do not make a new one
    assert not refused(keyword("cemento gris", match_type="phrase"))
    assert not refused(keyword("cemento gris", negative=True))


def test_keyword_level_must_match_its_parent():
    ad_group = AdGroupFactory()
    campaign, org = ad_group.campaign, ad_group.campaign.organization
    shared = NegativeKeywordList.objects.create(organization=org, name="Marcas y empleo")
    assert refused(
        lambda: Keyword.objects.create(
            organization=org, level="campaign", campaign=campaign, text="lego", match_type="phrase", negative=False
        )
    )
    assert not refused(
        lambda: Keyword.objects.create(
            organization=org, level="campaign", campaign=campaign, text="lego", match_type="phrase", negative=True
        )
    )
    assert refused(
        lambda: Keyword.objects.create(
            organization=org,
            level="shared_list",
            shared_list=shared,
            campaign=campaign,
            text="dental",
            match_type="phrase",
            negative=True,
        )
    )
    assert not refused(
        lambda: Keyword.objects.create(
            organization=org, level="shared_list", shared_list=shared, text="dental", match_type="phrase", negative=True
        )
    )
    assert refused(
        lambda: Keyword.objects.create(
            organization=org, level="ad_group", campaign=campaign, text="sin grupo", match_type="exact"
        )
    )


def test_responsive_search_ad_asset_counts():
    ad_group = AdGroupFactory()

    def ad(headlines: int, descriptions: int, **extra) -> object:
        return lambda: Ad.objects.create(
            ad_group=ad_group,
            headlines=[HEADLINE] * headlines,
            descriptions=[DESCRIPTION] * descriptions,
            final_url="https://example.com/",
            **extra,
        )

    assert not refused(ad(3, 2))
    assert not refused(ad(15, 4))
    assert refused(ad(2, 2))
    assert refused(ad(16, 2))
    assert refused(ad(3, 1))
    assert refused(ad(3, 5))
    assert refused(ad(3, 2, path2="solo"))
    assert refused(ad(3, 2, path1="x" * 16))
    assert not refused(ad(3, 2, path1="cemento", path2="cola"))


def test_money_cannot_be_negative():
    campaign = CampaignFactory()
    assert refused(lambda: CampaignFactory(organization=campaign.organization, daily_budget_micros=-1))
    assert refused(lambda: CampaignFactory(organization=campaign.organization, monthly_cap_micros=-5))
    assert refused(
        lambda: DailyMetric.objects.create(
            organization=campaign.organization,
            campaign=campaign,
            level="campaign",
            date=dt.date(2026, 9, 1),
            cost_micros=-1,
        )
    )


def test_daily_metric_one_row_per_level_and_day():
    keyword = KeywordFactory()
    campaign = keyword.campaign
    base = dict(organization=campaign.organization, campaign=campaign, date=dt.date(2026, 9, 1))
    DailyMetric.objects.create(level="campaign", **base)
    assert refused(lambda: DailyMetric.objects.create(level="campaign", **base))
    assert not refused(
        lambda: DailyMetric.objects.create(level="keyword", ad_group=keyword.ad_group, keyword=keyword, **base)
    )
    assert refused(lambda: DailyMetric.objects.create(level="keyword", ad_group=keyword.ad_group, **base))


def test_campaign_names_unique_per_platform_within_organization():
    campaign = CampaignFactory(name="Cemento")
    assert refused(
        lambda: Campaign.objects.create(organization=campaign.organization, platform="google", name="Cemento")
    )
    assert not refused(
        lambda: Campaign.objects.create(organization=campaign.organization, platform="microsoft", name="Cemento")
    )
    assert not refused(lambda: CampaignFactory(name="Cemento"))  # another organization


def test_settings_changes_are_an_append_only_audit(organization):
    change = SettingsChange.objects.create(
        organization=organization, actor="user:ana", changes={"kill_switch": [False, True]}
    )
    with pytest.raises(PermissionError, match="settings changes are an append-only audit: they cannot be updated"):
        change.save()
    with pytest.raises(PermissionError, match="settings changes are an append-only audit: they cannot be deleted"):
        change.delete()
    with pytest.raises(PermissionError, match="cannot be updated"):
        SettingsChange.objects.filter(pk=change.pk).update(actor="user:eve")
    with pytest.raises(PermissionError, match="cannot be deleted"):
        SettingsChange.objects.all().delete()
    assert SettingsChange.objects.get(pk=change.pk).actor == "user:ana"
