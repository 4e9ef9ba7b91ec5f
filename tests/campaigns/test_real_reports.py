"""Reports as they are downloaded (no Day segment, total lines, types and statuses) import right and reconcile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.urls import reverse

from campaigns.models import (
    AdGroup,
    Campaign,
    DailyMetric,
    Keyword,
    ReportImport,
    SearchTermDaily,
    in_span,
)
from campaigns.reports import ReportError
from campaigns.reports.periods import ALL_TIME_FROM, parse_range
from campaigns.services.importing import import_report
from campaigns.services.performance import campaign_totals
from campaigns.services.summary import account_summary
from tests.campaigns.real_reports import (
    GOOGLE_EN_CAMPAIGNS_ALL_TIME,
    GOOGLE_EN_KEYWORDS_PERIOD,
    GOOGLE_EN_PMAX_CAMPAIGN_SEARCH_TERMS,
    GOOGLE_EN_SEARCH_TERMS_PERIOD,
    GOOGLE_ES_SEARCH_TERMS_PERIOD,
    MICROSOFT_EN_KEYWORDS_PERIOD,
    as_excel_csv,
)
from tests.campaigns.reports import GOOGLE_EN_CAMPAIGNS

pytestmark = pytest.mark.django_db

JANUARY = (dt.date(2026, 1, 5), dt.date(2026, 2, 3))
SUMS = {
    "impressions": Sum("impressions"),
    "clicks": Sum("clicks"),
    "cost_micros": Sum("cost_micros"),
    "conversions": Sum("conversions"),
    "conversion_value_micros": Sum("conversion_value_micros"),
}


def figures(total: dict, *names: str) -> tuple:
    return tuple(total[name] for name in names)


def stored(queryset, *names: str) -> tuple:
    sums = queryset.aggregate(**SUMS)
    return tuple(sums[name] for name in names)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_google_search_terms_without_days_land_as_one_period_and_reconcile(organization, write_report, encoding):
    text = GOOGLE_EN_SEARCH_TERMS_PERIOD if encoding == "utf-8" else as_excel_csv(GOOGLE_EN_SEARCH_TERMS_PERIOD)
    result = import_report(organization, write_report(text, encoding=encoding))
    assert (result.kind, result.rows, result.segmented_by_day) == ("search_terms", 5, False)
    assert (result.date_from, result.date_to) == JANUARY
    rows = SearchTermDaily.objects.order_by("search_term__text", "keyword_match_type", "match_type").values_list(
        "search_term__text",
        "date",
        "date_to",
        "keyword_text",
        "keyword_match_type",
        "match_type",
        "clicks",
        "cost_micros",
        "excluded",
    )
    # The exact and the close-variant listing of one term, and keywords [x] and "x", stay three rows.
    assert list(rows) == [
        ("free tile samples", *JANUARY, "tile samples", "phrase", "phrase_cv", 3, 2_100_000, True),
        ("grout colours", *JANUARY, "grout", "broad", "broad", 57, 1_004_600_000, False),
        ("tile adhesive", *JANUARY, "tile adhesive", "exact", "exact", 88, 61_200_000, False),
        ("tile adhesive", *JANUARY, "tile adhesive", "exact", "exact_cv", 21, 14_350_000, False),
        ("tile adhesive", *JANUARY, "tile adhesive", "phrase", "phrase", 6, 4_050_000, False),
    ]
    totals = ReportImport.objects.get().totals
    # in the file's order by line: PostgreSQL's jsonb keeps no key order
    assert sorted(totals, key=lambda label: totals[label]["line"]) == [
        "Search terms",
        "Other search terms",
        "Account",
        "Search",
        "Display",
    ]
    names = ("impressions", "clicks", "cost_micros", "conversions")
    assert (
        stored(SearchTermDaily.objects, *names)
        == figures(totals["Search terms"], *names)
        == (3699, 175, 1_086_300_000, 5.5)
    )
    listed, other = totals["Search terms"], totals["Other search terms"]
    for name in ("clicks", "cost_micros", "conversions"):  # listed + not itemised = the account, to the cent
        assert listed[name] + other[name] == totals["Account"][name] == totals["Search"][name]
    assert other["cost_micros"] == 701_140_000


def test_excluded_term_is_already_a_negative_and_close_variants_are_not_keywords(organization, write_report):
    long_term = " ".join(["tile"] * 11)  # excluded on the platform, but no keyword can hold it
    grout = 'grout colours,Broad match,None,S_Tiles_ES,Grout,grout,"2,050",57,57,EUR,1004.60,0.50,Search\n'
    text = GOOGLE_EN_SEARCH_TERMS_PERIOD.replace(
        grout, f"{grout}{long_term},Broad match,Excluded,S_Tiles_ES,Grout,grout,1,0,0,EUR,0.00,0.00,Search\n"
    )
    import_report(organization, write_report(text))
    assert SearchTermDaily.objects.filter(excluded=True).count() == 2
    negatives = Keyword.objects.filter(negative=True).values_list("text", "match_type", "ad_group__name")
    assert list(negatives) == [("free tile samples", "exact", "Samples")]
    assert Campaign.objects.get().campaign_type == "search"


def test_reimporting_an_overlapping_period_replaces_and_never_adds(organization, write_report):
    path = write_report(GOOGLE_EN_SEARCH_TERMS_PERIOD)
    import_report(organization, path)
    again = import_report(organization, path)
    assert again.rows_replaced == 5
    assert stored(SearchTermDaily.objects, "cost_micros") == (1_086_300_000,)
    # A shorter range inside the period replaces the period's rows whole: never period + days for the same days.
    daily = GOOGLE_EN_SEARCH_TERMS_PERIOD.replace("Search term,", "Day,Search term,", 1)
    daily = (
        "\n".join(
            line if n < 3 or line.startswith("Total") or not line else f"2026-01-10,{line}"
            for n, line in enumerate(daily.split("\n"))
        )
        .replace("Total:", ",Total:")
        .replace("January 5, 2026 - February 3, 2026", "January 10, 2026 - January 10, 2026")
    )
    result = import_report(organization, write_report(daily, name="one-day.csv"))
    assert (result.segmented_by_day, result.rows_replaced) == (True, 5)
    assert list(SearchTermDaily.objects.values_list("date_to", flat=True).distinct()) == [None]
    assert stored(SearchTermDaily.objects, "cost_micros") == (1_086_300_000,)


def test_keyword_report_totals_in_the_third_column_and_both_syntaxes_kept(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_KEYWORDS_PERIOD))
    assert (result.kind, result.rows, result.keywords_created) == ("keyword", 5, 5)
    keywords = Keyword.objects.order_by("text", "match_type").values_list("text", "match_type", "status")
    assert list(keywords) == [
        ("grout", "broad", "enabled"),
        ("grout sealer", "exact", "enabled"),
        ("tile adhesive", "exact", "enabled"),
        ("tile adhesive", "phrase", "enabled"),
        ("tile samples", "phrase", "paused"),
    ]
    totals = ReportImport.objects.get().totals
    assert sorted(totals, key=lambda label: totals[label]["line"]) == [
        "All but removed keywords",
        "Keywords in your account",
    ]
    names = ("impressions", "clicks", "cost_micros", "conversions", "conversion_value_micros")
    rows = DailyMetric.objects.filter(level="keyword")
    assert (
        stored(rows, *names)
        == figures(totals["All but removed keywords"], *names)
        == (3699, 175, 1_086_300_000, 5.5, 1_430_000_000)
    )
    assert set(rows.values_list("date", "date_to")) == {JANUARY}


def test_campaign_report_all_time_keeps_types_statuses_and_budget_kinds(organization, write_report):
    today = dt.date.today()
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS_ALL_TIME))
    assert (result.date_from, result.date_to, result.segmented_by_day) == (ALL_TIME_FROM, today, False)
    campaigns = Campaign.objects.order_by("name").values_list(
        "name", "campaign_type", "status", "budget_type", "daily_budget_micros", "total_budget_micros"
    )
    assert list(campaigns) == [
        ("PMax_Tiles", "performance_max", "paused", "daily", 10_000_000, None),
        ("S_Tiles_ES", "search", "enabled", "daily", 25_000_000, None),
        ("Spring promo", "search", "enabled", "campaign_total", 0, 300_000_000),
        ("Tiles, grout & more_Display", "display", "paused", "daily", 5_000_000, None),
    ]
    totals = ReportImport.objects.get().totals
    names = ("impressions", "clicks", "cost_micros", "conversions")
    rows = DailyMetric.objects.filter(level="campaign")
    assert stored(rows, *names) == figures(totals["Campaigns"], *names) == (1_423_195, 9242, 6_989_210_000, 210.51)
    search = rows.filter(campaign__campaign_type="search")
    assert stored(search, *names) == figures(totals["Search"], *names)


def test_period_and_daily_rows_side_by_side_are_never_counted_twice(organization, write_report):
    import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS, name="days.csv"))  # Sept 1-2, 2026, by day
    campaign = Campaign.objects.get(name="Roof tiles")
    period = GOOGLE_EN_CAMPAIGNS_ALL_TIME.replace("All time", '"August 1, 2026 - August 31, 2026"').replace(
        "S_Tiles_ES", "Roof tiles"
    )
    import_report(organization, write_report(period, name="august.csv"))
    rows = DailyMetric.objects.filter(campaign=campaign, level="campaign")
    assert sorted(rows.values_list("date", "date_to", "cost_micros")) == [
        (dt.date(2026, 8, 1), dt.date(2026, 8, 31), 5_216_400_000),
        (dt.date(2026, 9, 1), None, 30_150_000),
        (dt.date(2026, 9, 2), None, 28_800_000),
    ]
    september = (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert campaign_totals(campaign, september).cost_micros == 58_950_000
    assert campaign_totals(campaign, (dt.date(2026, 8, 1), dt.date(2026, 9, 30))).cost_micros == 5_275_350_000
    # A window that cuts a period in two leaves the period out rather than guessing how it was spread.
    assert campaign_totals(campaign, (dt.date(2026, 8, 15), dt.date(2026, 9, 30))).cost_micros == 58_950_000
    assert rows.filter(in_span(*september)).count() == 2


def test_summary_says_how_much_search_term_spend_has_no_visible_term(organization, write_report):
    import_report(organization, write_report(GOOGLE_EN_SEARCH_TERMS_PERIOD))
    period = GOOGLE_EN_CAMPAIGNS_ALL_TIME.replace("All time", '"January 5, 2026 - February 3, 2026"')
    import_report(organization, write_report(period, name="campaigns.csv"))
    summary = account_summary(organization)
    assert (summary["date_from"], summary["date_to"]) == ("2026-01-05", "2026-02-03")
    assert summary["search_term_cost_without_term_micros"] == 701_140_000
    assert summary["search_term_cost_micros"] == 1_086_300_000 + 701_140_000
    assert summary["search_term_cost_without_term_share"] == 701_140_000 / 1_787_440_000
    assert summary["cost_micros"] == 6_989_210_000


def test_dashboard_card_says_the_share_of_spend_without_a_visible_term(organization, owner, client, write_report):
    terms = GOOGLE_ES_SEARCH_TERMS_PERIOD.replace('"1 ene 2026 - 31 ene 2026"', '"5 ene 2026 - 3 feb 2026"')
    import_report(organization, write_report(terms), match_after=False)
    period = GOOGLE_EN_CAMPAIGNS_ALL_TIME.replace("All time", '"January 5, 2026 - February 3, 2026"')
    import_report(organization, write_report(period, name="campaigns.csv"))
    client.force_login(owner)
    body = client.get(reverse("campaigns:dashboard")).content.decode()
    card = body[body.index('id="kpi-unlisted-terms"') :]
    card = card[: card.index("</div></div>")]
    # The Spanish file's "otros términos de búsqueda": 8.20 of 27.85 EUR (19.65 itemised).
    assert "Spend without a visible search term" in card
    assert ">29%<" in card
    assert "8.20 EUR of 27.85 EUR is under “Other search terms”" in card


def test_spanish_search_terms_period_with_close_variant_and_excluded(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS_PERIOD))
    assert (result.date_from, result.date_to) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    rows = SearchTermDaily.objects.order_by("search_term__text", "match_type").values_list(
        "search_term__text", "match_type", "clicks", "cost_micros", "excluded"
    )
    assert list(rows) == [
        ("cemento cola", "exact", 12, 12_500_000, False),
        ("cemento cola", "exact_cv", 4, 3_050_000, False),
        ("cemento dental", "broad", 3, 4_100_000, True),
    ]
    totals = ReportImport.objects.get().totals
    assert (
        stored(SearchTermDaily.objects, "cost_micros", "clicks")
        == figures(totals["términos de búsqueda"], "cost_micros", "clicks")
        == (19_650_000, 19)
    )
    assert (
        totals["términos de búsqueda"]["cost_micros"] + totals["otros términos de búsqueda"]["cost_micros"]
        == (totals["cuenta"]["cost_micros"])
    )


def test_spanish_all_time_line(organization, write_report):
    text = GOOGLE_ES_SEARCH_TERMS_PERIOD.replace('"1 ene 2026 - 31 ene 2026"', "Todo el periodo")
    result = import_report(organization, write_report(text))
    assert (result.date_from, result.date_to) == (ALL_TIME_FROM, dt.date.today())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_microsoft_summary_keyword_report_is_a_period(organization, write_report, encoding):
    result = import_report(organization, write_report(MICROSOFT_EN_KEYWORDS_PERIOD, encoding=encoding))
    assert (result.platform, result.kind, result.rows) == ("microsoft", "keyword", 3)
    assert (result.date_from, result.date_to, result.segmented_by_day) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 31),
        False,
    )
    totals = ReportImport.objects.get().totals
    names = ("impressions", "clicks", "cost_micros", "conversions", "conversion_value_micros")
    assert (
        stored(DailyMetric.objects, *names)
        == figures(totals["Total"], *names)
        == (3195, 72, 51_440_000, 3.0, 1_250_500_000)
    )


def test_currency_other_than_the_organizations_is_refused(organization, write_report):
    text = GOOGLE_EN_SEARCH_TERMS_PERIOD.replace(",EUR,", ",USD,")
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(text))
    assert str(error.value) == (
        "Line 4, column 'Currency code': this Google Ads search terms report is in 'USD' but Materiales Test keeps "
        "its money in EUR, and amounts in two currencies cannot be added up; import the reports of an account in "
        "EUR, or set the organization's currency first"
    )
    assert (SearchTermDaily.objects.count(), Campaign.objects.count(), ReportImport.objects.count()) == (0, 0, 0)


def test_search_terms_from_inside_one_campaign_are_refused_with_the_reason(organization, write_report):
    search_campaign = GOOGLE_EN_PMAX_CAMPAIGN_SEARCH_TERMS.replace(",Performance Max,", ",Exact match,")
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(search_campaign))
    assert str(error.value) == (
        "Line 3: this is a search terms report downloaded from inside one campaign: it has no Campaign column, so its "
        "rows cannot be placed; download it again from the account's report page, or add the Campaign column"
    )


def test_report_without_days_and_without_range_line_is_refused(organization, write_report):
    text = GOOGLE_EN_SEARCH_TERMS_PERIOD.replace('"January 5, 2026 - February 3, 2026"\n', "")
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(text))
    assert str(error.value).startswith(
        "Line 2: this is a Google Ads search terms report without a Day column and without its date-range line"
    )
    assert AdGroup.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "month_first", "expected"),
    [
        ('"January 17, 2024 - February 15, 2024"', False, (dt.date(2024, 1, 17), dt.date(2024, 2, 15))),
        ("1 ene 2024 - 31 ene 2024", False, (dt.date(2024, 1, 1), dt.date(2024, 1, 31))),
        ("1 de septiembre de 2026 - 2 de septiembre de 2026", False, (dt.date(2026, 9, 1), dt.date(2026, 9, 2))),
        ("01.03.2024 - 31.03.2024", False, (dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("1. März 2024 - 31. März 2024", False, (dt.date(2024, 3, 1), dt.date(2024, 3, 31))),
        ("1 juil. 2024 - 31 août 2024", False, (dt.date(2024, 7, 1), dt.date(2024, 8, 31))),
        ("1 juin 2024 - 30 juin 2024", False, (dt.date(2024, 6, 1), dt.date(2024, 6, 30))),
        ("1 gen 2024 - 31 dic 2024", False, (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
        ("1 de fev. de 2024 - 29 de fev. de 2024", False, (dt.date(2024, 2, 1), dt.date(2024, 2, 29))),
        ("Report Time: 1/1/2026,1/31/2026", True, (dt.date(2026, 1, 1), dt.date(2026, 1, 31))),
        ("Report Time: 1/1/2026 - 1/31/2026", True, (dt.date(2026, 1, 1), dt.date(2026, 1, 31))),
        ("All time", False, (ALL_TIME_FROM, dt.date(2026, 12, 5))),
        ("Todo el periodo", False, (ALL_TIME_FROM, dt.date(2026, 12, 5))),
        ("Report Time: 9/3/2026 10:00:00 AM", True, None),
        ("Search terms report", False, None),
        ("February 15, 2024 - January 17, 2024", False, None),
    ],
)
def test_date_range_lines_in_every_interface_language(line, month_first, expected):
    assert parse_range(line, month_first=month_first, today=dt.date(2026, 12, 5)) == expected


def test_a_missing_conversions_column_is_unknown_not_zero(organization, write_report):
    text = GOOGLE_EN_CAMPAIGNS_ALL_TIME.replace("Conv. rate,Conversions,Cost / conv.", "Conv. rate,Conv,Cost / conv.")
    text = text.replace("All time", '"January 5, 2026 - February 3, 2026"')
    result = import_report(organization, write_report(text))
    assert result.unknown_columns == ("conversions", "conversion_value")
    assert account_summary(organization)["unknown"] == ["conversion_value", "conversions"]
