"""Campaign and ad group pages: ad groups' numbers, keywords with match types, ads with counters and the validator."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from campaigns.models import Ad, DailyMetric
from campaigns.web.counters import wide_ranges
from ml.ad_rules import char_width
from tests.campaigns.web.conftest import DAY
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory

pytestmark = pytest.mark.django_db

HEADLINES = ["Cemento gris", "Entrega en 24 h", "Sacos de 25 kg"]
DESCRIPTIONS = ["Cemento para obra y reformas.", "Pide hoy y recíbelo mañana."]


@pytest.fixture
def ad(account):
    return Ad.objects.create(
        ad_group=account["ad_group"],
        headlines=[{"text": t, "pin": None} for t in HEADLINES],
        descriptions=[{"text": t, "pin": None} for t in DESCRIPTIONS],
        path1="cemento",
        final_url="https://example.com/cemento",
    )


@pytest.fixture
def keyword(account, organization):
    keyword = KeywordFactory(ad_group=account["ad_group"], text="cemento gris", match_type="phrase")
    DailyMetric.objects.create(
        organization=organization,
        campaign=account["campaign"],
        level="keyword",
        ad_group=account["ad_group"],
        keyword=keyword,
        date=DAY,
        impressions=400,
        clicks=40,
        cost_micros=20_000_000,
        conversions=4,
        conversion_value_micros=80_000_000,
    )
    return keyword


def test_campaign_page_shows_ad_groups_with_their_arithmetic(client, viewer, account, keyword, ad):
    client.force_login(viewer)
    response = client.get(reverse("campaigns:campaign", args=[account["campaign"].pk]))
    body = response.content.decode()
    assert response.status_code == 200
    [ad_group] = response.context["table"].rows
    assert (ad_group.keyword_count, ad_group.ad_count) == (1, 1)
    totals = ad_group.totals  # the keyword rows summed: CTR 40/400, CPC 20/40, CPA 20/4, ROAS 80/20
    assert (totals.ctr, totals.cpc_micros, totals.cpa_micros, totals.roas) == (0.1, 500_000, 5_000_000, 4.0)
    assert response.context["totals"].cpa_micros == 10_000_000  # the campaign's own rows: 50 / 5
    assert f'href="{reverse("campaigns:ad_group", args=[ad_group.pk])}"' in body
    assert "10.00%" in body and "5.00 EUR" in body
    assert "Cemento &lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body


def test_dashboard_rows_link_to_campaign_pages(client, owner, account):
    client.force_login(owner)
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    assert f'href="{reverse("campaigns:campaign", args=[account["campaign"].pk])}"' in body


def test_ad_group_page_lists_keywords_and_ads_with_counters(client, viewer, account, keyword, ad):
    client.force_login(viewer)
    response = client.get(reverse("campaigns:ad_group", args=[account["ad_group"].pk]))
    body = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert [(k.text, k.match_type, k.totals.clicks) for k in response.context["table"].rows] == [
        ("cemento gris", "phrase", 40)
    ]
    assert 'value="Entrega en 24 h" data-limit="30" data-platform="google" readonly>' in body
    assert '<span class="counter" aria-live="polite">15/30</span>' in body
    assert '<span class="counter" aria-live="polite">29/90</span>' in body
    assert '<span class="counter" aria-live="polite">7/15</span>' in body
    assert "Save ad" not in body  # viewers read
    assert response.context["wide_ranges"] is None  # Google counts characters: no table needed


def test_microsoft_counts_double_width_characters_as_two(client, owner, organization):
    campaign = CampaignFactory(organization=organization, platform="microsoft")
    ad_group = AdGroupFactory(campaign=campaign)
    Ad.objects.create(
        ad_group=ad_group,
        headlines=[{"text": t, "pin": None} for t in ["セメント", "B", "C"]],
        descriptions=[{"text": "d1", "pin": None}, {"text": "d2", "pin": None}],
        final_url="https://example.com/",
    )
    client.force_login(owner)
    response = client.get(reverse("campaigns:ad_group", args=[ad_group.pk]))
    assert '<span class="counter" aria-live="polite">8/30</span>' in response.content.decode()
    assert response.context["wide_ranges"][:2] == [(0x1100, 0x115F), (0x231A, 0x231B)]


def test_wide_ranges_agree_with_the_validator_on_every_assigned_character():
    ranges = wide_ranges()
    inside = {code for start, end in ranges for code in range(start, end + 1)}
    disagree = [
        code
        for code in range(0x40000)
        if unicodedata.category(chr(code)) != "Cn" and (char_width(chr(code), "microsoft") == 2) != (code in inside)
    ]
    assert (disagree, len(ranges)) == ([], 81)


def test_editor_saves_an_ad_and_an_over_long_headline_is_refused(client, teammate, account, ad):
    client.force_login(teammate)
    url = reverse("campaigns:ad_group", args=[account["ad_group"].pk])
    data = {
        "ad": ad.pk,
        "headlines": ["Cemento gris de obra", *HEADLINES[1:]],
        "descriptions": DESCRIPTIONS,
        "path1": "cemento",
        "path2": "gris",
    }
    assert client.post(url, data).status_code == 302
    ad.refresh_from_db()
    assert (ad.headline_texts[0], ad.path2) == ("Cemento gris de obra", "gris")
    too_long = "Cemento gris de obra para reformas"  # 34 characters
    response = client.post(url, {**data, "headlines": [too_long, *HEADLINES[1:]]})
    assert response.status_code == 400
    assert response.context["findings"] == ["Headline 1: headline is 34 wide; the limit is 30"]
    body = response.content.decode()
    assert f'value="{too_long}"' in body and '<span class="counter over" aria-live="polite">34/30</span>' in body
    ad.refresh_from_db()
    assert ad.headline_texts[0] == "Cemento gris de obra"


def test_viewer_cannot_save_an_ad(client, viewer, account, ad):
    client.force_login(viewer)
    url = reverse("campaigns:ad_group", args=[account["ad_group"].pk])
    assert client.post(url, {"ad": ad.pk, "headlines": ["x", "y", "z"], "descriptions": ["a", "b"]}).status_code == 403
    ad.refresh_from_db()
    assert ad.headline_texts == HEADLINES


def test_a_forged_ad_or_asset_count_is_a_bad_request(client, teammate, account, ad, organization):
    other_ad_group = AdGroupFactory(campaign=account["campaign"], name="Otro")
    client.force_login(teammate)
    url = reverse("campaigns:ad_group", args=[other_ad_group.pk])
    assert client.post(url, {"ad": ad.pk, "headlines": HEADLINES, "descriptions": DESCRIPTIONS}).status_code == 400
    url = reverse("campaigns:ad_group", args=[account["ad_group"].pk])
    assert client.post(url, {"ad": ad.pk, "headlines": HEADLINES[:2], "descriptions": DESCRIPTIONS}).status_code == 400


def test_another_organizations_campaign_and_ad_group_are_404(client, outsider, account):
    client.force_login(outsider)
    assert client.get(reverse("campaigns:campaign", args=[account["campaign"].pk])).status_code == 404
    assert client.get(reverse("campaigns:ad_group", args=[account["ad_group"].pk])).status_code == 404
    assert client.post(reverse("campaigns:ad_group", args=[account["ad_group"].pk]), {}).status_code == 404


def test_ad_and_keyword_text_render_as_text(client, owner, account, organization):
    KeywordFactory(ad_group=account["ad_group"], text="<b>cemento</b>", match_type="exact")
    Ad.objects.create(
        ad_group=account["ad_group"],
        headlines=[{"text": t, "pin": None} for t in ['"><script>alert(1)</script>', "B", "C"]],
        descriptions=[{"text": "d1", "pin": None}, {"text": "d2", "pin": None}],
        final_url="https://example.com/?a=<i>",
    )
    client.force_login(owner)
    body = client.get(reverse("campaigns:ad_group", args=[account["ad_group"].pk])).content.decode()
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in body and "<script>alert(1)" not in body
    assert "&lt;b&gt;cemento&lt;/b&gt;" in body and "<b>cemento</b>" not in body and "<i>" not in body


def test_the_new_pages_require_sign_in(client, account):
    for url in (
        reverse("campaigns:campaign", args=[account["campaign"].pk]),
        reverse("campaigns:ad_group", args=[account["ad_group"].pk]),
        reverse("campaigns:members"),
        reverse("campaigns:settings"),
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"{reverse('campaigns:login')}?next={url}")
