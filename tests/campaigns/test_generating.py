"""Generation for a demo campaign with the real packaged model: saved as pending suggestions within limits."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tasks
from campaigns.models import Campaign, Suggestion
from campaigns.services.demo import seed_demo
from ml.ad_rules import KeywordText, Rules, check_keyword, check_text
from ml.generation.prompts import PROMPT_VERSION_FULL

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_generate_fills_a_demo_campaign_with_valid_spanish_suggestions():
    organization = seed_demo(seed=7, days=5, end=dt.date(2026, 11, 25))
    campaign = Campaign.objects.get(organization=organization, name="Tejas - Búsqueda")
    result = tasks.generate_campaign_suggestions.apply(args=[campaign.pk]).get()
    assert result["ad_groups"] == 1 and result["refused"] == {}
    saved = Suggestion.objects.filter(campaign=campaign, status="pending")
    assert saved.count() == result["keywords"] + result["headlines"] + result["descriptions"] > 0
    rules = Rules(platforms=("google",))
    for suggestion in saved:
        assert suggestion.source.startswith("generation:") and PROMPT_VERSION_FULL in suggestion.source
        if suggestion.kind == "keyword":
            assert check_keyword(KeywordText(suggestion.text, suggestion.match_type), None, rules) == []
        else:
            assert check_text(suggestion.text, f"{suggestion.kind}s", None, rules) == []
    again = tasks.generate_campaign_suggestions.apply(args=[campaign.pk]).get()
    assert Suggestion.objects.filter(campaign=campaign, status="pending").count() == (
        again["keywords"] + again["headlines"] + again["descriptions"]
    )  # replaced, never duplicated
