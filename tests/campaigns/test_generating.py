"""Generation for a demo campaign with the real packaged model: saved as pending suggestions within limits."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns import tasks
from campaigns.models import Campaign, Suggestion
from campaigns.services.demo import seed_demo
from ml.ad_rules import KeywordText, Rules, check_keyword, check_text
from ml.generation.prompts import PROMPT_VERSION_FULL

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.backend_independent]


def test_generate_fills_a_demo_campaign_with_valid_spanish_suggestions():
    organization = seed_demo(seed=7, days=5, end=dt.date(2026, 11, 25))
    campaign = Campaign.objects.get(organization=organization, name="Tejas - Búsqueda")
    group = campaign.ad_groups.first()
    # what an earlier run left: its pending lines are replaced (a rerun or a redelivered task never duplicates),
    # a decided one and a line another source proposed stay
    earlier = {"organization": organization, "campaign": campaign, "ad_group": group}
    stale = Suggestion.objects.create(**earlier, kind="headline", text="Teja antigua", source="generation:old")
    approved = Suggestion.objects.create(
        **earlier, kind="headline", text="Teja aprobada", source="generation:old", status="approved"
    )
    negative = Suggestion.objects.create(**earlier, kind="negative", text="teja lego", source="matching:test")
    result = tasks.generate_campaign_suggestions.apply(args=[campaign.pk]).get()
    assert result["ad_groups"] == 1 and result["refused"] == {}
    assert not Suggestion.objects.filter(pk=stale.pk).exists()
    assert Suggestion.objects.filter(pk__in=[approved.pk, negative.pk]).count() == 2
    saved = Suggestion.objects.filter(campaign=campaign, status="pending", source__startswith="generation:")
    assert saved.count() == result["keywords"] + result["headlines"] + result["descriptions"] > 0
    rules = Rules(platforms=("google",))
    for suggestion in saved:
        assert suggestion.source.startswith("generation:") and PROMPT_VERSION_FULL in suggestion.source
        if suggestion.kind == "keyword":
            assert check_keyword(KeywordText(suggestion.text, suggestion.match_type), None, rules) == []
        else:
            assert check_text(suggestion.text, f"{suggestion.kind}s", None, rules) == []
