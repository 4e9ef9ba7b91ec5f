"""Performance Max search terms land at campaign level; Week and Month segments land as periods."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from campaigns.models import AdGroup, Campaign, DailyMetric, Keyword, ReportImport, SearchTerm, SearchTermDaily
from campaigns.reports import ReportError
from campaigns.services.importing import import_report
from tests.campaigns.real_reports import (
    GOOGLE_DE_AD_GROUPS_BY_MONTH,
    GOOGLE_EN_CAMPAIGNS_BY_WEEK,
    GOOGLE_EN_PMAX_SEARCH_TERMS,
    GOOGLE_EN_SEARCH_TERMS_WITH_PMAX,
    GOOGLE_ES_SEARCH_TERMS_BY_MONTH,
    MICROSOFT_EN_CAMPAIGNS_MONTHLY,
)

pytestmark = pytest.mark.django_db

JANUARY = (dt.date(2026, 1, 5), dt.date(2026, 2, 3))


def test_performance_max_search_terms_belong_to_the_campaign(organization, write_report):
    path = write_report(GOOGLE_EN_PMAX_SEARCH_TERMS)
    result = import_report(organization, path, match_after=False)
    assert (result.kind, result.rows, result.ad_groups_created) == ("search_terms", 3, 0)
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.campaign_type) == ("PMax_Tiles", "performance_max")
    terms = SearchTerm.objects.order_by("text").values_list("text", "campaign__name", "ad_group")
    assert list(terms) == [
        ("bathroom tiles", "PMax_Tiles", None),
        ("cheap tiles", "PMax_Tiles", None),
        ("tile shop near me", "PMax_Tiles", None),
    ]
    rows = SearchTermDaily.objects.order_by("search_term__text").values_list(
        "search_term__text", "date", "date_to", "match_type", "clicks", "cost_micros", "excluded"
    )
    assert list(rows) == [
        ("bathroom tiles", *JANUARY, "pmax", 12, 9_360_000, False),
        ("cheap tiles", *JANUARY, "pmax", 2, 1_100_000, True),
        ("tile shop near me", *JANUARY, "pmax", 31, 24_800_000, False),
    ]
    # The excluded term is a negative of the campaign (it has no ad group to hold one).
    assert list(Keyword.objects.values_list("text", "level", "negative", "campaign__name", "ad_group")) == [
        ("cheap tiles", "campaign", True, "PMax_Tiles", None)
    ]
    totals = ReportImport.objects.get().totals
    stored = SearchTermDaily.objects.aggregate(clicks=Sum("clicks"), cost=Sum("cost_micros"))
    assert (
        (stored["clicks"], stored["cost"])
        == (totals["Search terms"]["clicks"], totals["Search terms"]["cost_micros"])
        == (45, 35_260_000)
    )
    # Imported again, the period is replaced: the same three rows, the same three terms.
    again = import_report(organization, path, match_after=False)
    assert (again.rows_replaced, SearchTermDaily.objects.count(), SearchTerm.objects.count()) == (3, 3, 3)


def test_search_terms_report_with_a_performance_max_row_among_search_rows(organization, write_report):
    import_report(organization, write_report(GOOGLE_EN_SEARCH_TERMS_WITH_PMAX), match_after=False)
    terms = SearchTerm.objects.order_by("campaign__name").values_list(
        "text", "campaign__name", "campaign__campaign_type", "ad_group__name"
    )
    assert list(terms) == [
        ("tile adhesive", "PMax_Tiles", "performance_max", None),
        ("tile adhesive", "S_Tiles_ES", "search", "Adhesives"),
    ]
    pmax = SearchTermDaily.objects.get(campaign__name="PMax_Tiles")
    assert (pmax.keyword_text, pmax.match_type, pmax.clicks) == ("", "pmax", 21)
    assert list(AdGroup.objects.values_list("name", flat=True)) == ["Adhesives"]


def test_a_search_row_without_ad_group_is_refused_with_line_and_column(organization, write_report):
    text = GOOGLE_EN_SEARCH_TERMS_WITH_PMAX.replace("S_Tiles_ES,Adhesives,", "S_Tiles_ES, --,")
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(text), match_after=False)
    assert str(error.value).startswith(
        "Line 4, column 'Ad group': ' --' the value is empty (only a Performance Max row has no ad group)"
    )
    assert (Campaign.objects.count(), SearchTerm.objects.count()) == (0, 0)


def test_weeks_land_as_periods_cut_to_the_report_range(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_BY_WEEK))
    assert (result.rows, result.segmented_by_day) == (3, False)
    assert (result.date_from, result.date_to) == (dt.date(2026, 8, 26), dt.date(2026, 9, 13))
    rows = DailyMetric.objects.filter(level="campaign").order_by("date").values_list("date", "date_to", "cost_micros")
    assert list(rows) == [
        (dt.date(2026, 8, 26), dt.date(2026, 8, 30), 30_000_000),  # the week of Aug 24, from the range's first day
        (dt.date(2026, 8, 31), dt.date(2026, 9, 6), 33_100_000),
        (dt.date(2026, 9, 7), dt.date(2026, 9, 13), 25_000_000),
    ]
    totals = ReportImport.objects.get().totals["Campaigns"]
    assert DailyMetric.objects.aggregate(cost=Sum("cost_micros"))["cost"] == totals["cost_micros"] == 88_100_000


def test_spanish_months_written_out_land_as_months(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS_BY_MONTH), match_after=False)
    assert (result.date_from, result.date_to) == (dt.date(2026, 7, 1), dt.date(2026, 8, 31))
    rows = SearchTermDaily.objects.order_by("date").values_list("date", "date_to", "clicks", "cost_micros")
    assert list(rows) == [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 31), 12, 12_500_000),
        (dt.date(2026, 8, 1), dt.date(2026, 8, 31), 7, 9_300_000),
    ]


def test_german_months_written_as_their_first_day(organization, write_report):
    import_report(organization, write_report(GOOGLE_DE_AD_GROUPS_BY_MONTH))
    rows = DailyMetric.objects.filter(level="ad_group").order_by("date")
    assert list(rows.values_list("date", "date_to", "cost_micros")) == [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 31), 48_200_000),
        (dt.date(2026, 8, 1), dt.date(2026, 8, 31), 41_050_000),
    ]
    assert ReportImport.objects.get().totals["Konto"]["cost_micros"] == 89_250_000


def test_microsoft_monthly_time_period_lands_as_months(organization, write_report):
    result = import_report(organization, write_report(MICROSOFT_EN_CAMPAIGNS_MONTHLY, encoding="utf-16"))
    assert (result.platform, result.segmented_by_day) == ("microsoft", False)
    rows = DailyMetric.objects.order_by("date").values_list("date", "date_to", "clicks")
    assert list(rows) == [
        (dt.date(2026, 7, 1), dt.date(2026, 7, 31), 90),
        (dt.date(2026, 8, 1), dt.date(2026, 8, 31), 85),
    ]


def test_a_week_cell_that_is_no_week_names_line_and_column(organization, write_report):
    text = GOOGLE_EN_CAMPAIGNS_BY_WEEK.replace("2026-08-31,", "week 35,")
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(text))
    assert str(error.value).startswith("Line 5, column 'Week': 'week 35' is not a week (expected its first day")
    assert DailyMetric.objects.count() == 0


def test_performance_max_terms_are_left_out_of_matching_and_the_page_says_why(
    organization, owner, client, write_report
):
    from django.urls import reverse

    from campaigns.services.matching import match_search_terms

    import_report(organization, write_report(GOOGLE_EN_PMAX_SEARCH_TERMS), match_after=False)
    result = match_search_terms(organization)
    assert (result.terms, result.not_search) == (0, 3)
    client.force_login(owner)
    body = client.get(reverse("campaigns:search_terms")).content.decode()
    assert body.count("Performance Max: no ad group, so no matching or negatives here") == 3
