"""Real layouts of Video, Demand Gen, Smart and Performance Max accounts, and per-period total lines, import right
and reconcile with the file's own total lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from campaigns.models import Campaign, DailyMetric, ReportImport, SearchTermDaily
from campaigns.reports import ReportError
from campaigns.reports.periods import ALL_TIME_FROM
from campaigns.services.importing import import_report
from campaigns.services.summary import search_term_visibility
from tests.campaigns.real_reports import (
    GOOGLE_EN_CAMPAIGNS_BY_WEEK_WITH_WEEK_TOTALS,
    GOOGLE_EN_CAMPAIGNS_SMART,
    GOOGLE_EN_CAMPAIGNS_VIDEO_DEMAND_GEN,
    GOOGLE_EN_PMAX_CAMPAIGN_SEARCH_TERMS,
    GOOGLE_EN_SEARCH_TERMS_ALL_TIME_PMAX_ACCOUNT,
)

pytestmark = pytest.mark.django_db

NAMES = ("impressions", "clicks", "cost_micros", "conversions")


def stored(queryset) -> tuple:
    sums = queryset.aggregate(**{name: Sum(name) for name in NAMES})
    return tuple(sums[name] for name in NAMES)


def figures(total: dict) -> tuple:
    return tuple(total[name] for name in NAMES)


def test_video_and_demand_gen_campaigns_in_inr_without_a_clicks_column(organization, write_report):
    organization.currency = "INR"
    organization.save()
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_VIDEO_DEMAND_GEN))
    assert (result.kind, result.rows, result.segmented_by_day) == ("campaign", 2, False)
    assert (result.date_from, result.date_to) == (dt.date(2026, 3, 2), dt.date(2026, 3, 29))
    campaigns = Campaign.objects.order_by("name").values_list(
        "name", "campaign_type", "status", "budget_type", "daily_budget_micros", "total_budget_micros"
    )
    assert list(campaigns) == [
        ("DG-grout-north", "demand_gen", "enabled", "daily", 600_000_000, None),
        ("Tiles video - 2026-03-02", "video", "enabled", "campaign_total", 0, 4_000_000_000),
    ]
    rows = DailyMetric.objects.filter(level="campaign")
    # Interactions stand for clicks; Conversions, not the "(Platform Comparable)" column beside it.
    assert sorted(rows.values_list("campaign__name", "clicks", "cost_micros", "conversions")) == [
        ("DG-grout-north", 1610, 882_000_000, 12.0),
        ("Tiles video - 2026-03-02", 18_950, 2_188_020_000, 0.0),
    ]
    totals = ReportImport.objects.get().totals
    assert sorted(totals, key=lambda label: totals[label]["line"]) == ["Campaigns", "Account", "Video", "Demand Gen"]
    assert (
        stored(rows)
        == figures(totals["Campaigns"])
        == figures(totals["Account"])
        == (48_704, 20_560, 3_070_020_000, 12.0)
    )
    for label, kind in (("Video", "video"), ("Demand Gen", "demand_gen")):
        assert stored(rows.filter(campaign__campaign_type=kind)) == figures(totals[label])


def test_smart_campaigns_with_names_in_another_script_and_no_traffic(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_SMART))
    assert result.rows == 2
    campaigns = Campaign.objects.order_by("name").values_list("name", "campaign_type", "daily_budget_micros")
    assert list(campaigns) == [("plakakia-north.gr", "smart", 700_000), ("Πλακάκια Μπάνιου Πάτρα", "smart", 450_000)]
    totals = ReportImport.objects.get().totals
    rows = DailyMetric.objects.filter(level="campaign")
    assert stored(rows) == figures(totals["Campaigns"]) == figures(totals["Smart"]) == (1120, 28, 19_880_000, 1.0)
    assert rows.get(campaign__name="Πλακάκια Μπάνιου Πάτρα").impressions == 0


def test_search_terms_of_an_account_with_performance_max_reconcile_with_the_search_total(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_SEARCH_TERMS_ALL_TIME_PMAX_ACCOUNT))
    today = dt.date.today()
    assert (result.rows, result.date_from, result.date_to) == (4, ALL_TIME_FROM, today)
    rows = SearchTermDaily.objects.order_by("search_term__text").values_list(
        "search_term__text", "keyword_text", "match_type", "clicks", "cost_micros", "excluded"
    )
    assert list(rows) == [
        ("epoxy grout", "", "exact", 2, 2_200_000, False),
        ("grout colour chart", "", "exact_cv", 0, 0, False),
        ("grout for shower tiles", "", "broad", 1, 840_000, True),
        ("grout pen white", "", "phrase_cv", 3, 1_860_000, False),
    ]
    totals = ReportImport.objects.get().totals
    listed, other, search = totals["Search terms"], totals["Other search terms"], totals["Search"]
    assert stored(SearchTermDaily.objects) == figures(listed) == (56, 6, 4_900_000, 1.0)
    # Listed and not itemised make the Search campaigns' total; the account adds Performance Max, whose terms
    # this report does not list, so it is no measure of the terms' spend.
    for name in NAMES:
        assert listed[name] + other[name] == search[name]
        assert search[name] + totals["Performance Max"][name] == totals["Account"][name]
    visibility = search_term_visibility(organization, ALL_TIME_FROM, today)
    assert visibility["search_term_cost_micros"] == search["cost_micros"] == 8_510_000
    assert visibility["search_term_cost_without_term_micros"] == 3_610_000


def test_search_terms_from_inside_a_performance_max_campaign_say_so(organization, write_report):
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(GOOGLE_EN_PMAX_CAMPAIGN_SEARCH_TERMS))
    assert str(error.value) == (
        "Line 3: this is a search terms report downloaded from inside one Performance Max campaign: it has no "
        "Campaign column, so its rows cannot be placed; download it again from the account's report page, or add "
        "the Campaign column"
    )
    assert ReportImport.objects.count() == 0


def _label_first(text: str) -> str:
    """The same report with the Campaign column before the time column: total lines lead with their label."""
    lines = text.split("\n")
    for number in range(2, len(lines)):
        if lines[number]:
            first, second, rest = lines[number].split(",", 2)
            lines[number] = f"{second},{first},{rest}"
    return "\n".join(lines)


@pytest.mark.parametrize("segment", ["Week", "Day"])
@pytest.mark.parametrize("arrange", [str, _label_first], ids=["time-first", "label-first"])
def test_a_total_line_per_period_is_a_total_and_the_periods_add_up(organization, write_report, segment, arrange):
    text = arrange(GOOGLE_EN_CAMPAIGNS_BY_WEEK_WITH_WEEK_TOTALS.replace("Week,", f"{segment},", 1))
    result = import_report(organization, write_report(text))
    assert result.rows == 4
    assert sorted(Campaign.objects.values_list("name", flat=True)) == ["PMax_Tiles", "Roof tiles"]
    total = ReportImport.objects.get().totals["Account"]
    assert (total["line"], total["periods"]) == (6, 2)
    assert stored(DailyMetric.objects.filter(level="campaign")) == figures(total) == (3600, 91, 71_550_000, 1.75)
    days = sorted(DailyMetric.objects.values_list("date", "date_to").distinct())
    if segment == "Week":
        assert days == [(dt.date(2026, 8, 31), dt.date(2026, 9, 6)), (dt.date(2026, 9, 7), dt.date(2026, 9, 13))]
    else:
        assert days == [(dt.date(2026, 8, 31), None), (dt.date(2026, 9, 7), None)]
