from __future__ import annotations

import csv
import io

import pytest

from campaigns.exporters.google_editor import COLUMNS, export_google_editor
from tests.campaigns.exporters.conftest import make_ad

pytestmark = pytest.mark.django_db


def read(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def filled(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if value}


def test_editor_csv_has_every_item_with_editor_columns(account):
    content, result = export_google_editor(account.organization)
    rows = read(content)
    assert list(rows[0]) == COLUMNS
    assert result.problems == []
    shown = [filled(row) for row in rows]
    assert shown[:4] == [
        {"Shared Set Name": "Competidores", "Shared Set Type": "Negative keywords"},
        {"Shared Set Name": "Competidores", "Keyword": "bricomart", "Criterion Type": "Negative Exact"},
        {"Shared Set Name": "Competidores", "Keyword": "leroy", "Criterion Type": "Negative Phrase"},
        {
            "Campaign": "Azulejos",
            "Campaign Type": "Search",
            "Campaign Status": "Paused",
            "Campaign Daily Budget": "12.345678",
            "Languages": "es",
        },
    ]
    cemento = [row for row in shown if row.get("Campaign") == "Cemento"]
    assert cemento[:7] == [
        {
            "Campaign": "Cemento",
            "Campaign Type": "Search",
            "Campaign Status": "Enabled",
            "Campaign Daily Budget": "40.00",
            "Languages": "es",
        },
        {"Campaign": "Cemento", "Shared Set Name": "Competidores"},
        {"Campaign": "Cemento", "Keyword": "gratis", "Criterion Type": "Campaign Negative Exact"},
        {"Campaign": "Cemento", "Ad Group": "Cemento cola", "Ad Group Status": "Enabled", "Max CPC": "1.25"},
        {
            "Campaign": "Cemento",
            "Ad Group": "Cemento cola",
            "Keyword": "adhesivo azulejos",
            "Criterion Type": "Broad",
            "Status": "Paused",
        },
        {
            "Campaign": "Cemento",
            "Ad Group": "Cemento cola",
            "Keyword": "cemento cola",
            "Criterion Type": "Exact",
            "Max CPC": "1.50",
            "Status": "Enabled",
        },
        {
            "Campaign": "Cemento",
            "Ad Group": "Cemento cola",
            "Keyword": "cemento cola flexible",
            "Criterion Type": "Phrase",
            "Status": "Enabled",
        },
    ]
    assert cemento[7] == {
        "Campaign": "Cemento",
        "Ad Group": "Cemento cola",
        "Keyword": "dental",
        "Criterion Type": "Negative Phrase",
    }
    assert cemento[8] == {
        "Campaign": "Cemento",
        "Ad Group": "Cemento cola",
        "Ad type": "Responsive search ad",
        "Status": "Enabled",
        "Headline 1": "Cemento Cola Rápido",
        "Headline 1 position": "1",
        "Headline 2": "Entrega en 24 horas",
        "Headline 3": "Precios de Fábrica",
        "Headline 3 position": "2",
        "Headline 4": "Sacos de 25 kg",
        "Description 1": "Cemento cola flexible para interior y exterior.",
        "Description 1 position": "1",
        "Description 2": "Pide hoy y recibe mañana en toda la península.",
        "Path 1": "cemento",
        "Path 2": "cola",
        "Final URL": "https://materiales.example/cemento-cola",
    }
    assert len(rows) == 3 + 5 + 12  # shared list, Azulejos, Cemento


def test_invalid_items_are_reported_not_exported(account):
    cola = account.ad_groups.get(name="Cemento cola")
    bad = make_ad(cola, first="Un titular demasiado largo para Google Ads")
    account.keywords.filter(text="cemento cola flexible").update(text="cemento (cola)")
    content, result = export_google_editor(account.organization, campaign_ids=[account.pk])
    texts = [row["Keyword"] for row in read(content)]
    assert "cemento (cola)" not in texts
    assert [(p.item, p.rule) for p in result.problems] == [
        ("campaign 'Cemento' › ad group 'Cemento cola' › keyword 'cemento (cola)' (phrase)", "invalid_character"),
        (f"campaign 'Cemento' › ad group 'Cemento cola' › ad {bad.pk}", "too_long"),
    ]
    assert result.problems[1].detail == "headlines 1: headline is 42 wide; the limit is 30"
    assert sum(1 for row in read(content) if row["Ad type"]) == 2


def test_campaign_filter_and_zero_budget(account):
    account.organization.campaigns.filter(name="Azulejos").update(daily_budget_micros=0)
    content, result = export_google_editor(account.organization)
    assert {row["Campaign"] for row in read(content)} == {"", "Cemento"}
    assert [(p.item, p.rule) for p in result.problems] == [("campaign 'Azulejos'", "budget")]


def test_the_organizations_blocked_terms_stop_ads_and_keywords_but_not_negatives(account):
    organization = account.organization
    organization.blocked_terms = ["Cemex", "el más barato"]
    organization.save()
    cola = account.ad_groups.get(name="Cemento cola")
    bad = make_ad(cola, first="Mejor que Cemex")
    account.keywords.filter(text="cemento cola flexible").update(text="cemento cemex")
    account.keywords.filter(text="dental").update(text="cemex")  # a negative naming the competitor is wanted
    content, result = export_google_editor(organization, campaign_ids=[account.pk])
    rows = read(content)
    assert "cemento cemex" not in [row["Keyword"] for row in rows]
    assert "cemex" in [row["Keyword"] for row in rows]
    assert [(p.item, p.rule) for p in result.problems] == [
        ("campaign 'Cemento' › ad group 'Cemento cola' › keyword 'cemento cemex' (phrase)", "blocked_term"),
        (f"campaign 'Cemento' › ad group 'Cemento cola' › ad {bad.pk}", "blocked_term"),
    ]
    assert "Cemex" in result.problems[1].detail


def test_an_ad_edit_with_a_blocked_term_is_refused_and_changes_nothing(account):
    from campaigns.services.ads import edit_ad_text

    organization = account.organization
    organization.blocked_terms = ["Cemex"]
    organization.save()
    ad = account.ad_groups.get(name="Cemento cola").ads.get()
    before = (ad.headlines, ad.descriptions)
    findings = edit_ad_text(
        ad.pk,
        headlines=["Igual que Cemex", *[h["text"] for h in ad.headlines[1:]]],
        descriptions=[d["text"] for d in ad.descriptions],
        path1=ad.path1,
        path2=ad.path2,
        platform="google",
    )
    assert [(f.field, f.index, f.rule) for f in findings] == [("headlines", 0, "blocked_term")]
    ad.refresh_from_db()
    assert (ad.headlines, ad.descriptions) == before
