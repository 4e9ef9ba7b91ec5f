"""The dashboard: a chosen period against the one before it, in the organization's currency, unknown figures
shown as unknown, and charts whose time axis fits the data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from campaigns.models import DailyMetric, ReportImport
from campaigns.web import periods
from campaigns.web.periods import Period
from tests.campaigns.web.conftest import DAY
from tests.factories import CampaignFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

NEWEST = date(2026, 1, 14)


def _day(
    organization, campaign, day: date, cost: int, clicks: int = 10, conversions: float = 1, value: int = 0
) -> None:
    DailyMetric.objects.create(
        organization=organization,
        campaign=campaign,
        level="campaign",
        date=day,
        impressions=10 * clicks,
        clicks=clicks,
        cost_micros=cost,
        conversions=conversions,
        conversion_value_micros=value,
    )


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("last_7", date(2026, 1, 8), NEWEST),
        ("last_30", date(2025, 12, 16), NEWEST),
        ("last_90", date(2025, 10, 17), NEWEST),
        ("this_month", date(2026, 1, 1), NEWEST),
        ("last_month", date(2025, 12, 1), date(2025, 12, 31)),
    ],
)
def test_presets_end_on_the_newest_day_of_data(preset, start, end):
    period, error = periods.choose(QueryDict(f"range={preset}"), NEWEST)
    assert (period, error) == (Period(preset, start, end), None)


def test_the_previous_period_has_the_same_length_just_before():
    assert Period("this_month", date(2026, 3, 1), date(2026, 3, 10)).previous() == Period(
        "this_month", date(2026, 2, 19), date(2026, 2, 28)
    )


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("range=custom&from=2026-01-10&to=2026-01-01", "The custom period starts after it ends."),
        ("range=custom&from=2026-01-10", "Choose both dates of the custom period."),
        ("range=custom&from=yesterday&to=2026-01-01", "Choose both dates of the custom period."),
        ("range=custom&from=2020-01-01&to=2026-01-01", "A period can be at most 731 days long."),
        ("range=forever", None),
    ],
)
def test_a_period_that_cannot_be_shown_falls_back_to_the_last_30_days(query, error):
    with translation.override("en"):  # the messages are translated: an earlier test's request may have left "es"
        assert periods.choose(QueryDict(query), NEWEST) == (Period("last_30", date(2025, 12, 16), NEWEST), error)


def test_a_custom_period_reads_iso_and_the_languages_own_format():
    assert periods.choose(QueryDict("range=custom&from=2025-12-24&to=2026-01-02"), NEWEST)[0] == Period(
        "custom", date(2025, 12, 24), date(2026, 1, 2)
    )
    with translation.override("es"):
        assert periods.choose(QueryDict("range=custom&from=24/12/2025&to=02/01/2026"), NEWEST)[0] == Period(
            "custom", date(2025, 12, 24), date(2026, 1, 2)
        )


def test_each_figure_is_compared_with_the_previous_period(client, owner, organization):
    campaign = CampaignFactory(organization=organization)
    for offset in range(7):  # this week: 20 a day, 2 conversions; the week before: 10 a day, 1 conversion
        _day(organization, campaign, NEWEST - timedelta(days=offset), 20_000_000, conversions=2, value=60_000_000)
        _day(organization, campaign, NEWEST - timedelta(days=7 + offset), 10_000_000, value=40_000_000)
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"), {"range": "last_7"})
    figures = {f.key: f for f in response.context["figures"]}
    assert (figures["cost_micros"].value, figures["cost_micros"].previous) == (140_000_000, 70_000_000)
    assert (figures["cost_micros"].delta_shown, figures["cost_micros"].change_shown) == ("+70.00 EUR", "+100.0%")
    assert (figures["cpa_micros"].shown, figures["cpa_micros"].delta_shown) == ("10.00 EUR", "0.00 EUR")
    assert (figures["roas"].shown, figures["roas"].previous_shown, figures["roas"].change_shown) == (
        "3.00",
        "4.00",
        "-25.0%",
    )
    assert [(key, f.verdict) for key, f in figures.items()] == [
        ("cost_micros", ""),
        ("clicks", ""),
        ("conversions", "better"),
        ("cpa_micros", ""),
        ("roas", "worse"),
        ("wasted_spend_micros", ""),
    ]
    body = " ".join(response.content.decode().split())
    assert "From 01/08/2026 to 01/14/2026, compared with the period before, from 01/01/2026 to 01/07/2026." in body
    assert (
        '<div class="change "><abbr title="change against the period before">Δ</abbr> +70.00 EUR (+100.0%)'
        '</div> <div class="muted">before: 70.00 EUR</div>'
    ) in body
    assert '<a href="?range=last_7" aria-current="true">Last 7 days</a>' in body


def test_a_period_with_no_data_before_shows_no_change(client, owner, organization, account):
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"))
    assert response.context["previous_has_data"] is False
    assert [f.delta for f in response.context["figures"]] == [None] * 6
    body = response.content.decode()
    assert "(no data then)" in body and "Δ" not in body


def test_money_is_in_the_organizations_currency_everywhere(client, owner, organization):
    organization.currency = "USD"
    organization.save()
    _day(organization, CampaignFactory(organization=organization), DAY, 12_345_670_000, conversions=3)
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"))
    body = response.content.decode()
    assert "12,345.67 USD" in body and "4,115.22 USD" in body  # spend, CPA
    assert "EUR" not in body and "€" not in body
    assert response.context["chart"]["currency"] == "USD"
    assert "€" not in (Path(__file__).parents[3] / "static" / "campaigns" / "dashboard.js").read_text()


def test_roas_is_unknown_when_the_reports_carry_no_conversion_value(client, owner, organization):
    campaign = CampaignFactory(organization=organization)
    _day(organization, campaign, DAY, 50_000_000, conversions=5, value=0)
    ReportImport.objects.create(
        organization=organization,
        platform="google",
        kind="campaign",
        filename="c.csv",
        sha256="0" * 64,
        rows=1,
        date_from=DAY,
        date_to=DAY,
        unknown_columns=["conversion_value"],
    )
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"))
    roas = next(f for f in response.context["figures"] if f.key == "roas")
    assert (roas.value, roas.shown) == (None, "—")
    body = " ".join(response.content.decode().split())
    assert (
        '<div class="label">ROAS</div> <div class="value">—</div> <div class="muted">unknown: the reports give '
        "the conversions no value</div>"
    ) in body
    campaigns = client.get(reverse("campaigns:campaigns")).context["table"]
    assert [c.totals.roas for c in campaigns.rows] == [None]


def test_conversions_without_any_value_leave_roas_unknown_not_zero(client, owner, organization):
    _day(organization, CampaignFactory(organization=organization), DAY, 50_000_000, conversions=5, value=0)
    client.force_login(owner)
    roas = next(f for f in client.get(reverse("campaigns:dashboard")).context["figures"] if f.key == "roas")
    assert roas.shown == "—"


def test_one_day_of_data_spans_one_day_of_the_time_axis(client, owner, organization, account):
    client.force_login(owner)
    chart = client.get(reverse("campaigns:dashboard"), {"range": "last_90"}).context["chart"]
    midnight = int(datetime(2025, 3, 10, tzinfo=UTC).timestamp())
    assert (chart["start"], chart["days"], chart["end"]) == (midnight, [midnight + 43_200], midnight + 86_400)


def test_the_charts_speak_the_pages_language(client, owner, account):
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/"})
    response = client.get(reverse("campaigns:dashboard"), {"range": "last_7"})
    chart = response.context["chart"]
    assert (chart["locale"], chart["labels"]) == (
        "es",
        {"day": "Día", "spend": "Gasto", "conversions": "Conversiones", "cpa": "CPA"},
    )
    body = response.content.decode()
    assert '<a href="?range=last_7" aria-current="true">Últimos 7 días</a>' in body
    assert "50,00 EUR" in body and "Del 04/03/2025 al 10/03/2025" in body


def test_a_refused_custom_period_says_why(client, owner, account):
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"), {"range": "custom", "from": "2025-03-10", "to": "2025-03-01"})
    assert response.status_code == 200
    assert (
        '<p class="error" role="alert" id="period-error">The custom period starts after it ends.</p>'
        in response.content.decode()
    )
    assert response.context["period"].preset == "last_30"


def test_an_organization_without_data_is_told_to_import(client, owner):
    client.force_login(owner)
    response = client.get(reverse("campaigns:dashboard"))
    assert "No performance data yet" in response.content.decode() and "chart-data" not in response.content.decode()


def test_both_periods_are_summed_in_three_queries_as_each_alone(organization, account, django_assert_num_queries):
    """The comparison reads each table once for both periods, and each period's figures are those of its own
    summary."""
    from campaigns.services.summary import account_summaries, account_summary

    campaign = account["campaign"]
    DailyMetric.objects.create(
        organization=organization,
        campaign=campaign,
        level="campaign",
        date=DAY - timedelta(days=3),
        impressions=10,
        clicks=4,
        cost_micros=9_000_000,
    )
    now, before = (DAY - timedelta(days=1), DAY, 2), (DAY - timedelta(days=3), DAY - timedelta(days=2), 2)
    with django_assert_num_queries(3):
        both = account_summaries(organization, [now, before])
    assert both == [
        account_summary(organization, days=2, end=now[1]),
        account_summary(organization, days=2, end=before[1]),
    ]
    assert (both[0]["cost_micros"], both[1]["cost_micros"]) == (50_000_000, 9_000_000)
    assert both[0]["search_term_cost_micros"] == 3_500_000 and both[1]["search_term_cost_micros"] == 0


def test_overlapping_periods_count_their_shared_days_in_each(organization, account, django_assert_num_queries):
    """Periods that overlap (not the dashboard's) are summed apart (one query, a part each), so a day in both
    counts in both."""
    from campaigns.services.summary import account_summaries, account_summary

    DailyMetric.objects.create(
        organization=organization,
        campaign=account["campaign"],
        level="campaign",
        date=DAY - timedelta(days=2),
        impressions=10,
        clicks=4,
        cost_micros=9_000_000,
    )
    wide, narrow = (DAY - timedelta(days=2), DAY, 3), (DAY - timedelta(days=1), DAY, 2)
    with django_assert_num_queries(3):
        both = account_summaries(organization, [wide, narrow])
    assert both == [account_summary(organization, days=3, end=DAY), account_summary(organization, days=2, end=DAY)]
    assert (both[0]["cost_micros"], both[1]["cost_micros"]) == (59_000_000, 50_000_000)


@pytest.mark.parametrize("overlapping", [False, True])
def test_the_sums_are_those_of_the_rows_in_each_span(organization, account, overlapping):
    """The summary's SQL selects what ``in_span`` selects: day rows inside, period rows wholly inside (not one that
    straddles the end), this organization's campaign-level rows only, each search term's rows summed by text."""
    from django.db.models import Sum

    from campaigns.models import SearchTerm, SearchTermDaily, in_span
    from campaigns.services.summary import account_summaries
    from tests.factories import OrganizationFactory

    campaign, other = account["campaign"], CampaignFactory(organization=OrganizationFactory(slug="other"))
    rows = [  # (organization, campaign, level, first day, last day of a period row, cost)
        (organization, campaign, "campaign", DAY - timedelta(days=6), DAY - timedelta(days=4), 11_000_000),
        (organization, campaign, "campaign", DAY - timedelta(days=3), DAY - timedelta(days=1), 13_000_000),
        (organization, campaign, "campaign", DAY - timedelta(days=7), None, 17_000_000),
        (organization, campaign, "campaign", DAY - timedelta(days=1), DAY + timedelta(days=1), 29_000_000),
        (organization, campaign, "ad_group", DAY - timedelta(days=5), None, 19_000_000),
        (other.organization, other, "campaign", DAY - timedelta(days=5), None, 23_000_000),
    ]
    for owner, of, level, first, last, cost in rows:
        extra = {"ad_group": account["ad_group"]} if level == "ad_group" else {}
        DailyMetric.objects.create(
            organization=owner, campaign=of, level=level, date=first, date_to=last, clicks=3, cost_micros=cost, **extra
        )
    term = account["term"]
    twin = SearchTerm.objects.create(organization=organization, campaign=campaign, text=term.text)  # no ad group
    for search_term, first, last, cost in [
        (term, DAY - timedelta(days=5), None, 1_000_000),
        (twin, DAY - timedelta(days=5), None, 2_000_000),
        (twin, DAY - timedelta(days=2), DAY, 4_000_000),
    ]:
        SearchTermDaily.objects.create(
            search_term=search_term, campaign=campaign, date=first, date_to=last, clicks=4, cost_micros=cost
        )
    week, before = (DAY - timedelta(days=6), DAY, 7), (DAY - timedelta(days=13), DAY - timedelta(days=7), 7)
    periods = [week, (DAY - timedelta(days=3), DAY, 4)] if overlapping else [week, before]
    summaries = account_summaries(organization, periods)
    for (start, end, _days), summary in zip(periods, summaries, strict=True):
        span = in_span(start, end)
        campaign_rows = DailyMetric.objects.filter(span, organization=organization, level="campaign")
        term_rows = SearchTermDaily.objects.filter(span, campaign__organization=organization)
        assert summary["cost_micros"] == campaign_rows.aggregate(cost=Sum("cost_micros", default=0))["cost"]
        assert summary["clicks"] == campaign_rows.aggregate(clicks=Sum("clicks", default=0))["clicks"]
        assert summary["search_term_cost_micros"] == term_rows.aggregate(cost=Sum("cost_micros", default=0))["cost"]
        assert isinstance(summary["cost_micros"], int)
    assert [summary["cost_micros"] for summary in summaries] == (
        [74_000_000, 63_000_000] if overlapping else [74_000_000, 17_000_000]
    )
    assert summaries[0]["search_term_cost_micros"] == 10_500_000


def test_the_charts_draw_days_and_each_campaign_sums_its_period_rows(client, owner, organization, account):
    """The charts draw only day rows of the period, summed over campaigns; the spend per campaign counts the period
    rows wholly inside it too, biggest spender first, and never another organization's or an ad group's rows."""
    cemento, ladrillo = account["campaign"], CampaignFactory(organization=organization, name="Ladrillo")
    _day(organization, ladrillo, DAY, 20_000_000, conversions=2)
    _day(organization, ladrillo, DAY - timedelta(days=1), 30_000_000, conversions=0)
    _day(organization, cemento, DAY - timedelta(days=9), 70_000_000)  # before the period
    for campaign, first, last, cost in [
        (ladrillo, DAY - timedelta(days=6), DAY - timedelta(days=2), 90_000_000),  # inside: counted, not drawn
        (cemento, DAY - timedelta(days=2), DAY + timedelta(days=3), 80_000_000),  # ends after: left out
    ]:
        DailyMetric.objects.create(
            organization=organization, campaign=campaign, level="campaign", date=first, date_to=last, cost_micros=cost
        )
    DailyMetric.objects.create(
        organization=organization,
        campaign=cemento,
        ad_group=account["ad_group"],
        level="ad_group",
        date=DAY,
        cost_micros=60_000_000,
    )
    other = CampaignFactory(organization=OrganizationFactory(slug="otra"))
    _day(other.organization, other, DAY, 40_000_000)
    client.force_login(owner)
    week = {"range": "custom", "from": (DAY - timedelta(days=6)).isoformat(), "to": DAY.isoformat()}
    response = client.get(reverse("campaigns:dashboard"), week)
    assert [
        (row["name"], row["cost_micros"], row["conversions"], row["percent"])
        for row in response.context["spend_by_campaign"]
    ] == [("Ladrillo", 140_000_000, 2.0, 100), (cemento.name, 50_000_000, 5.0, 36)]
    chart = response.context["chart"]
    noon = int(datetime(2025, 3, 9, 12, tzinfo=UTC).timestamp())
    assert (chart["days"], chart["spend"], chart["conversions"], chart["cpa"]) == (
        [noon, noon + 86_400],
        [30.0, 70.0],
        [0.0, 7.0],
        [None, 10.0],
    )
