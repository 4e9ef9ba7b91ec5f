"""The demo organization: deterministic, idempotent, and it holds the trade's classic waste."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum

from campaigns.exporters.validation import ad_findings
from campaigns.models import Ad, Campaign, DailyMetric, Membership, SearchTerm, SearchTermDaily
from campaigns.services.demo import DEMO_SLUG, seed_demo
from campaigns.services.summary import account_summary

pytestmark = pytest.mark.django_db
END = dt.date(2026, 11, 25)
WASTE = (
    "cemento dental",
    "ladrillos lego",
    "yeso medico para escayola brazo",
    "bloques minecraft",
    "oferta empleo albañil",
    "como poner pladur youtube",
)


def totals() -> dict:
    return SearchTermDaily.objects.aggregate(cost=Sum("cost_micros"), clicks=Sum("clicks"), conv=Sum("conversions"))


def test_seed_is_the_same_every_time_and_idempotent():
    organization = seed_demo(seed=7, days=90, end=END)
    first = (totals(), Campaign.objects.count(), DailyMetric.objects.count(), SearchTerm.objects.count())
    seed_demo(seed=7, days=90, end=END)
    assert (totals(), Campaign.objects.count(), DailyMetric.objects.count(), SearchTerm.objects.count()) == first
    assert first[1:] == (5, 2700, 30)
    assert first[0]["clicks"] > 0 and first[0]["cost"] > 0
    assert sorted(Campaign.objects.values_list("name", "daily_budget_micros")) == [
        ("Aislamiento - Búsqueda", 25_000_000),
        ("Cemento - Búsqueda", 40_000_000),
        ("Ladrillos - Búsqueda", 35_000_000),
        ("Pladur - Búsqueda", 30_000_000),
        ("Tejas - Búsqueda", 20_000_000),
    ]
    by_level = dict(DailyMetric.objects.values_list("level").annotate(cost=Sum("cost_micros")))
    assert by_level["campaign"] == by_level["keyword"] == first[0]["cost"]
    assert sorted(Membership.objects.filter(organization=organization).values_list("user__username", "role")) == [
        ("demo", "owner"),
        ("editora", "editor"),
        ("visor", "viewer"),
    ]


def test_another_seed_gives_other_numbers():
    seed_demo(seed=7, days=30, end=END)
    first = totals()
    seed_demo(seed=8, days=30, end=END)
    assert totals() != first


def test_waste_terms_spend_and_never_convert():
    seed_demo(seed=7, days=90, end=END)
    for text in WASTE:
        stats = SearchTermDaily.objects.filter(search_term__text=text).aggregate(
            cost=Sum("cost_micros"), conv=Sum("conversions")
        )
        assert stats["conv"] == 0, text
        assert stats["cost"] > 0, text
    buying = SearchTermDaily.objects.filter(search_term__text="cemento cola").aggregate(conv=Sum("conversions"))
    assert buying["conv"] > 0


def test_demo_ads_pass_every_rule_of_both_platforms():
    """Product codes and standards ("Cemento cola C2TE", "CEM II") are not capitals for emphasis."""
    seed_demo(seed=7, days=5, end=END)
    ads = list(Ad.objects.order_by("pk"))
    assert len(ads) == 7  # one per ad group
    for ad in ads:
        for platform in ("google", "microsoft"):
            assert ad_findings(ad.headlines, ad.descriptions, ad.path1, ad.path2, ad.final_url, platform) == []
    assert "C2TE" in ads[0].description_texts[0] and "CEM II" in ads[1].headline_texts[1]


def test_summary_matches_the_rows():
    organization = seed_demo(seed=7, days=90, end=END)
    summary = account_summary(organization, days=30)
    rows = DailyMetric.objects.filter(level="campaign", date__gt=END - dt.timedelta(days=30)).aggregate(
        cost=Sum("cost_micros"), clicks=Sum("clicks")
    )
    assert (summary["date_from"], summary["date_to"]) == ("2026-10-27", "2026-11-25")
    assert (summary["cost_micros"], summary["clicks"]) == (rows["cost"], rows["clicks"])
    assert summary["wasted_spend_micros"] > 0
    assert {item["text"] for item in summary["top_waste"]} <= set(WASTE) | {
        "cemento para dientes",
        "ladrillos de juguete para niños",
        "trabajo en fabrica de cemento",
        "como hacer cemento casero tutorial",
        "tejas minecraft",
        "ofertas de empleo tejador",
        "curso aislamiento gratis",
    }


def test_seed_demo_command(capsys):
    call_command("seed_demo", "--days", "10")
    out = capsys.readouterr().out
    assert "Demo organization 'Materiales Ibéricos S.L.' ready: 5 campaigns" in out
    assert "Sign in as demo / demo-materiales" in out
    assert Campaign.objects.filter(organization__slug=DEMO_SLUG).count() == 5
