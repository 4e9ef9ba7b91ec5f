"""The search-terms service on a second account of another industry (the solar installer of
tests/ml/matching/solar_account.py) stored in the database: what the search-terms page and the dashboard read."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from campaigns.models import AdGroup, Campaign, Keyword, Organization, SearchTerm, SearchTermDaily, Suggestion
from campaigns.services.matching import match_search_terms
from ml.matching.negatives import blocks, tokens
from tests.ml.matching.solar_account import AD_GROUPS, BRAND, CAMPAIGNS, TERMS, WASTE

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
DAY = dt.date(2026, 11, 20)


@pytest.fixture
def solar(settings, tmp_path) -> tuple[Organization, dict[int, AdGroup]]:
    settings.VAR_DIR = tmp_path
    organization = Organization.objects.create(name=BRAND, slug="sunpeak")
    campaigns = {
        key: Campaign.objects.create(organization=organization, platform="google", name=name, currency="USD")
        for key, name in CAMPAIGNS.items()
    }
    groups = {}
    for key, (campaign_key, name, keywords) in AD_GROUPS.items():
        groups[key] = AdGroup.objects.create(campaign=campaigns[campaign_key], name=name)
        for text in keywords:
            Keyword.objects.create(
                organization=organization,
                campaign=campaigns[campaign_key],
                ad_group=groups[key],
                text=text,
                match_type="phrase",
            )
    for text, group, clicks, dollars, conversions in TERMS:
        ad_group = groups[group]
        term = SearchTerm.objects.create(
            organization=organization, campaign=ad_group.campaign, ad_group=ad_group, text=text
        )
        SearchTermDaily.objects.create(
            search_term=term,
            campaign=ad_group.campaign,
            date=DAY,
            clicks=clicks,
            cost_micros=dollars * 1_000_000,
            conversions=conversions,
        )
    return organization, groups


def test_second_account_negatives_spare_converting_and_brand_terms_and_keep_kinds_apart(solar):
    organization, groups = solar
    result = match_search_terms(organization)
    negatives = list(Suggestion.objects.filter(organization=organization, kind="negative"))
    assert result.terms == len(TERMS) and len(negatives) == result.negatives >= 10
    converting = [(t, g) for t, g, _c, _d, conversions in TERMS if conversions > 0]
    blocked = {term for n in negatives for term in n.evidence["would_have_blocked"]["terms"]}
    for negative in negatives:
        for text, group in converting:
            ad_group = groups[group]
            applies = negative.level == "shared_list" or negative.campaign_id == ad_group.campaign_id
            if negative.level == "ad_group":
                applies = negative.ad_group_id == ad_group.pk
            assert not (applies and blocks(tokens(negative.text), negative.match_type, tokens(text))), (
                negative.text,
                text,
            )
    assert not {t for t in blocked if "peak" in t or "peek" in t}
    assert len(blocked & WASTE) / len(WASTE) >= 0.7, sorted(WASTE - blocked)
    names = {f"{g.campaign.name} › {g.name}" for g in groups.values()}
    kinds = {negative.evidence["kind"] for negative in negatives}
    assert kinds == {"waste", "sculpting"}
    for negative in negatives:
        evidence = negative.evidence
        # reasons name campaigns and ad groups, never database ids
        assert not re.search(r"\b\d{2,}\b", evidence["reason"].replace("3.0", "")), evidence["reason"]
        if evidence["kind"] == "waste":
            assert evidence["would_have_saved_micros"] == evidence["would_have_blocked"]["cost_micros"]
            assert "route_to" not in evidence
        else:  # sculpting moves traffic to another ad group of the same campaign, by name; it saves nothing
            assert evidence["would_have_saved_micros"] == 0
            assert evidence["route_to"]["path"] in names
            assert evidence["route_to"]["path"] in evidence["reason"]
            destination = AdGroup.objects.get(pk=evidence["route_to"]["ad_group_id"])
            assert (negative.level, destination.campaign_id) == ("ad_group", negative.campaign_id)
