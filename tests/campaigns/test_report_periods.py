"""Week, Month, Quarter and Year segments, Google Ads and Microsoft Advertising: each row lands as its period
(from-to, cut to the report's date range), and the stored figures reconcile with the file's total lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from campaigns.models import Campaign, DailyMetric, ReportImport, SearchTermDaily
from campaigns.reports import ReportError
from campaigns.services.importing import import_report
from tests.campaigns.period_reports import (
    GOOGLE_EN_CAMPAIGNS_BY_MONTH,
    GOOGLE_EN_CAMPAIGNS_BY_QUARTER,
    GOOGLE_EN_SEARCH_TERMS_BY_WEEK_WRITTEN,
    GOOGLE_ES_AD_GROUPS_BY_YEAR,
    MICROSOFT_EN_CAMPAIGNS_MONTH_COLUMN,
    MICROSOFT_EN_CAMPAIGNS_YEARLY,
    MICROSOFT_EN_SEARCH_TERMS_WEEKLY,
)

pytestmark = pytest.mark.django_db

NAMES = ("impressions", "clicks", "cost_micros", "conversions")
D = dt.date


def stored(queryset) -> tuple:
    sums = queryset.aggregate(**{name: Sum(name) for name in NAMES})
    return tuple(sums[name] for name in NAMES)


def figures(total: dict) -> tuple:
    return tuple(total[name] for name in NAMES)


def periods(queryset) -> list[tuple]:
    return sorted(queryset.values_list("date", "date_to").distinct())


def test_google_weeks_written_out_land_as_weeks_and_reconcile(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_SEARCH_TERMS_BY_WEEK_WRITTEN), match_after=False)
    assert (result.kind, result.rows, result.segmented_by_day) == ("search_terms", 4, False)
    assert (result.date_from, result.date_to) == (D(2024, 1, 15), D(2024, 1, 28))
    rows = SearchTermDaily.objects.order_by("date", "search_term__text", "match_type")
    assert list(rows.values_list("date", "date_to", "search_term__text", "match_type", "clicks", "cost_micros")) == [
        (D(2024, 1, 15), D(2024, 1, 21), "grout sealer", "exact", 31, 24_180_000),
        (D(2024, 1, 15), D(2024, 1, 21), "grout sealer", "exact_cv", 6, 4_020_000),
        (D(2024, 1, 22), D(2024, 1, 28), "grout sealer", "exact", 27, 21_600_000),
        (D(2024, 1, 22), D(2024, 1, 28), "white grout sealer", "phrase", 4, 3_120_000),
    ]
    totals = ReportImport.objects.get().totals
    assert stored(SearchTermDaily.objects) == figures(totals["Search terms"]) == (2355, 68, 52_920_000, 3.0)
    assert figures(totals["Account"]) == figures(totals["Search terms"])


@pytest.mark.parametrize(
    "cells",
    [
        ("January 2024", "February 2024", "March 2024"),
        ("2024-01", "2024-02", "2024-03"),
        ("2024-01-01", "2024-02-01", "2024-03-01"),
        ("enero de 2024", "febrero de 2024", "marzo de 2024"),
        ('"Jan 1, 2024"', '"Feb 1, 2024"', '"Mar 1, 2024"'),
    ],
    ids=["names", "year-month", "first-day", "spanish", "written-first-day"],
)
def test_google_months_land_as_whole_months_and_reconcile(organization, write_report, cells):
    jan, feb, mar = cells
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_BY_MONTH.format(jan=jan, feb=feb, mar=mar)))
    assert (result.rows, result.segmented_by_day) == (3, False)
    metrics = DailyMetric.objects.filter(level="campaign")
    assert list(metrics.order_by("date").values_list("date", "date_to", "cost_micros")) == [
        (D(2024, 1, 1), D(2024, 1, 31), 96_400_000),
        (D(2024, 2, 1), D(2024, 2, 29), 90_050_000),  # a leap year's February
        (D(2024, 3, 1), D(2024, 3, 31), 104_900_000),
    ]
    total = ReportImport.objects.get().totals["Campaigns"]
    assert stored(metrics) == figures(total) == (12390, 362, 291_350_000, 15.5)


@pytest.mark.parametrize(
    "q1, q2",
    [
        ("Q1 2024", "Q2 2024"),
        ("2024-01-01", "2024-04-01"),
        ("2024 Q1", "2024 Q2"),
        ("T1 2024", "T2 2024"),
        ("1. Quartal 2024", "2. Quartal 2024"),
        ("1er trimestre 2024", "2e trimestre 2024"),
    ],
    ids=["Q1 2024", "first-day", "2024 Q1", "trimestre", "Quartal", "trimestre-ordinal"],
)
def test_google_quarters_land_as_quarters_and_reconcile(organization, write_report, q1, q2):
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_BY_QUARTER.format(q1=q1, q2=q2)))
    assert (result.rows, result.segmented_by_day) == (4, False)
    assert (result.date_from, result.date_to) == (D(2024, 1, 1), D(2024, 6, 30))
    metrics = DailyMetric.objects.filter(level="campaign")
    assert periods(metrics) == [(D(2024, 1, 1), D(2024, 3, 31)), (D(2024, 4, 1), D(2024, 6, 30))]
    pmax = Campaign.objects.get(name="PMax_Tiles")
    assert pmax.campaign_type == "performance_max"
    assert stored(metrics.filter(campaign=pmax)) == (58750, 805, 389_050_000, 17.5)
    total = ReportImport.objects.get().totals["Account"]
    assert stored(metrics) == figures(total) == (83130, 1497, 940_800_000, 43.5)


def test_quarters_are_cut_to_the_report_range_and_a_reimport_replaces_them(organization, write_report):
    text = GOOGLE_EN_CAMPAIGNS_BY_QUARTER.format(q1="Q1 2024", q2="Q2 2024")
    narrow = text.replace("January 1, 2024 - June 30, 2024", "February 10, 2024 - May 20, 2024")
    import_report(organization, write_report(narrow, name="narrow.csv"))
    metrics = DailyMetric.objects.filter(level="campaign")
    assert periods(metrics) == [(D(2024, 2, 10), D(2024, 3, 31)), (D(2024, 4, 1), D(2024, 5, 20))]
    result = import_report(organization, write_report(text))  # the whole half year: overlaps, so it replaces
    assert result.rows_replaced == 4
    assert periods(metrics) == [(D(2024, 1, 1), D(2024, 3, 31)), (D(2024, 4, 1), D(2024, 6, 30))]
    assert stored(metrics) == (83130, 1497, 940_800_000, 43.5)  # never added to the first import's rows


def test_a_quarter_cell_that_is_no_quarter_names_line_and_column(organization, write_report):
    text = GOOGLE_EN_CAMPAIGNS_BY_QUARTER.format(q1="Q1 2024", q2="Q2 2024").replace("Q2 2024", "Q5 2024", 1)
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(text))
    assert str(error.value).startswith("Line 6, column 'Quarter': 'Q5 2024' is not a quarter (expected its first day")
    assert DailyMetric.objects.count() == 0


def test_google_years_in_spanish_land_as_years_and_reconcile(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_ES_AD_GROUPS_BY_YEAR))
    assert (result.kind, result.rows, result.segmented_by_day) == ("ad_group", 2, False)
    metrics = DailyMetric.objects.filter(level="ad_group")
    assert list(metrics.order_by("date").values_list("date", "date_to", "cost_micros")) == [
        (D(2023, 1, 1), D(2023, 12, 31), 1_102_350_000),
        (D(2024, 1, 1), D(2024, 12, 31), 1_209_900_000),
    ]
    total = ReportImport.objects.get().totals["cuenta"]
    assert stored(metrics) == figures(total) == (99960, 2798, 2_312_250_000, 131.5)


def test_microsoft_weekly_search_terms_with_a_week_column_and_a_bom(organization, write_report):
    result = import_report(organization, write_report(MICROSOFT_EN_SEARCH_TERMS_WEEKLY), match_after=False)
    assert (result.platform, result.kind, result.rows, result.segmented_by_day) == (
        "microsoft",
        "search_terms",
        3,
        False,
    )
    assert periods(SearchTermDaily.objects) == [(D(2024, 1, 15), D(2024, 1, 21)), (D(2024, 1, 22), D(2024, 1, 28))]
    total = ReportImport.objects.get().totals["Total"]
    assert stored(SearchTermDaily.objects) == figures(total) == (2994, 81, 66_610_000, 3.0)


@pytest.mark.parametrize(
    "m1, m2", [("1/1/2024", "2/1/2024"), ("2024-01", "2024-02"), ("January 2024", "February 2024")]
)
def test_microsoft_month_column_in_utf16_lands_as_months(organization, write_report, m1, m2):
    organization.currency = "USD"
    organization.save()
    text = MICROSOFT_EN_CAMPAIGNS_MONTH_COLUMN.format(m1=m1, m2=m2)
    result = import_report(organization, write_report(text, encoding="utf-16"))
    assert (result.platform, result.rows, result.segmented_by_day) == ("microsoft", 2, False)
    metrics = DailyMetric.objects.filter(level="campaign")
    assert periods(metrics) == [(D(2024, 1, 1), D(2024, 1, 31)), (D(2024, 2, 1), D(2024, 2, 29))]
    total = ReportImport.objects.get().totals["Total"]
    assert stored(metrics) == figures(total) == (18950, 410, 351_500_000, 16.0)


def test_microsoft_yearly_time_period_lands_as_years(organization, write_report):
    result = import_report(organization, write_report(MICROSOFT_EN_CAMPAIGNS_YEARLY, encoding="utf-16"))
    assert (result.platform, result.rows, result.segmented_by_day) == ("microsoft", 2, False)
    metrics = DailyMetric.objects.filter(level="campaign")
    assert periods(metrics) == [(D(2023, 1, 1), D(2023, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))]
    total = ReportImport.objects.get().totals["Total"]
    assert stored(metrics) == figures(total) == (119400, 2610, 2_146_050_000, 99.0)


@pytest.mark.parametrize(
    "aggregation, first, second",
    [("Day of week", "Monday", "Tuesday"), ("Hour of day", "9", "10"), ("Hourly", "2023-06-01|09", "2024-06-01|10")],
)
def test_microsoft_rows_of_a_weekday_or_an_hour_add_up_to_the_report_range(
    organization, write_report, aggregation, first, second
):
    # Rows of a weekday or an hour of the day span the whole range: together they are its figures, one period.
    text = (
        MICROSOFT_EN_CAMPAIGNS_YEARLY.replace("Report Aggregation: Yearly", f"Report Aggregation: {aggregation}")
        .replace("\n2023\t", f"\n{first}\t")
        .replace("\n2024\t", f"\n{second}\t")
    )
    result = import_report(organization, write_report(text, encoding="utf-16"))
    assert (result.rows, result.segmented_by_day) == (2, False)
    metrics = DailyMetric.objects.filter(level="campaign")
    assert list(metrics.values_list("date", "date_to", "cost_micros")) == [
        (D(2023, 1, 1), D(2024, 12, 31), 2_146_050_000)
    ]
    total = ReportImport.objects.get().totals["Total"]
    assert stored(metrics) == figures(total) == (119400, 2610, 2_146_050_000, 99.0)


def test_microsoft_hourly_rows_with_a_gregorian_date_are_summed_per_day(organization, write_report):
    text = (
        '"Report Name: Campaign Performance Report"\n'
        '"Report Time: 1/15/2024,1/16/2024"\n'
        '"Time Zone: (GMT+01:00) Brussels, Copenhagen, Madrid, Paris"\n'
        '"Report Aggregation: Hourly"\n'
        '"Rows: 3"\n'
        "\n"
        "Gregorian date\tHour of day\tCampaign name\tImpressions\tClicks\tSpend\tConversions\tCurrency code\n"
        "1/15/2024\t9\tBricks\t100\t4\t3.20\t0\tEUR\n"
        "1/15/2024\t10\tBricks\t120\t5\t4.10\t1\tEUR\n"
        "1/16/2024\t9\tBricks\t90\t3\t2.50\t0\tEUR\n"
        "Total\t-\t-\t310\t12\t9.80\t1\t-\n"
        "\n"
        "\u00a92024 Microsoft Corporation. All rights reserved. \n"
    )
    result = import_report(organization, write_report(text, encoding="utf-16"))
    assert (result.rows, result.segmented_by_day) == (3, True)
    metrics = DailyMetric.objects.filter(level="campaign").order_by("date")
    assert list(metrics.values_list("date", "date_to", "cost_micros")) == [
        (D(2024, 1, 15), None, 7_300_000),
        (D(2024, 1, 16), None, 2_500_000),
    ]
    assert stored(metrics) == figures(ReportImport.objects.get().totals["Total"]) == (310, 12, 9_800_000, 1.0)
