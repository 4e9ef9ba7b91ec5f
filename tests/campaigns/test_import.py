"""Report import: real layouts import whole; every bad input is one clear error and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from campaigns.models import (
    AdGroup,
    Campaign,
    DailyMetric,
    Keyword,
    ReportImport,
    SearchTerm,
    SearchTermDaily,
)
from campaigns.reports import ReportError
from campaigns.services import importing
from campaigns.services.importing import import_report
from tests.campaigns.reports import (
    GOOGLE_EN_CAMPAIGNS,
    GOOGLE_ES_SEARCH_TERMS,
    MICROSOFT_EN_KEYWORDS,
)
from tests.factories import KeywordFactory

pytestmark = pytest.mark.django_db

ALL_MODELS = (Campaign, AdGroup, Keyword, DailyMetric, SearchTerm, SearchTermDaily, ReportImport)


def snapshot() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def test_google_spanish_search_terms_report(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    assert (result.kind, result.platform, result.rows) == ("search_terms", "google", 4)
    assert (result.date_from, result.date_to) == (dt.date(2026, 9, 1), dt.date(2026, 9, 2))
    assert (result.campaigns_created, result.ad_groups_created, result.rows_replaced) == (2, 3, 0)
    rows = SearchTermDaily.objects.order_by("date", "search_term__text").values_list(
        "search_term__text",
        "date",
        "impressions",
        "clicks",
        "cost_micros",
        "conversions",
        "conversion_value_micros",
        "keyword_text",
        "match_type",
    )
    assert list(rows) == [
        ("cemento cola", dt.date(2026, 9, 1), 1234, 12, 12_500_000, 1.0, 180_000_000, "cemento cola", "exact"),
        ("cemento dental", dt.date(2026, 9, 1), 40, 3, 4_100_000, 0.0, 0, "cemento", "broad"),
        ("cemento cola", dt.date(2026, 9, 2), 1001, 7, 1_003_070_000, 2.5, 2_000_000_000, "cemento cola", "exact"),
        ("ladrillos lego", dt.date(2026, 9, 2), 90, 5, 0, 0.0, 0, "ladrillos", "phrase"),
    ]
    assert SearchTerm.objects.filter(organization=organization).count() == 3
    campaign = Campaign.objects.get(organization=organization, name="Cemento")
    assert (campaign.platform, campaign.currency, campaign.language) == ("google", "EUR", "es")


def test_search_terms_link_to_existing_keywords(organization, write_report):
    import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    ad_group = AdGroup.objects.get(name="Cemento cola")
    keyword = KeywordFactory(ad_group=ad_group, text="Cemento Cola", match_type="exact")
    import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    linked = SearchTermDaily.objects.filter(keyword=keyword).count()
    assert linked == 2


def test_reimport_same_range_replaces_not_duplicates(organization, write_report):
    path = write_report(GOOGLE_ES_SEARCH_TERMS)
    import_report(organization, path)
    before = SearchTermDaily.objects.aggregate(cost=Sum("cost_micros"))["cost"]
    result = import_report(organization, path)
    assert result.rows_replaced == 4
    assert SearchTermDaily.objects.count() == 4
    assert SearchTermDaily.objects.aggregate(cost=Sum("cost_micros"))["cost"] == before == 1_019_670_000
    assert ReportImport.objects.count() == 2


def test_microsoft_utf16_tab_keyword_report_with_preamble_and_footer(organization, write_report):
    path = write_report(MICROSOFT_EN_KEYWORDS, encoding="utf-16")
    result = import_report(organization, path)
    assert (result.kind, result.platform, result.rows, result.keywords_created) == ("keyword", "microsoft", 3, 2)
    assert sorted(Keyword.objects.values_list("text", "match_type")) == [
        ("brick price", "phrase"),
        ("face brick", "exact"),
    ]
    metrics = DailyMetric.objects.filter(level="keyword").order_by("date", "keyword__text")
    assert list(
        metrics.values_list("date", "keyword__text", "impressions", "clicks", "cost_micros", "conversion_value_micros")
    ) == [
        (dt.date(2026, 9, 1), "brick price", 800, 12, 9_050_000, 0),
        (dt.date(2026, 9, 1), "face brick", 1200, 30, 21_300_000, 840_000_000),
        (dt.date(2026, 9, 2), "face brick", 1100, 28, 19_990_000, 410_500_000),
    ]


def test_google_english_campaign_report_creates_campaign_with_budget(organization, write_report):
    result = import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS))
    campaign = Campaign.objects.get(organization=organization)
    assert (campaign.name, campaign.external_id, campaign.daily_budget_micros) == ("Roof tiles", "9012", 20_000_000)
    assert result.kind == "campaign"
    assert list(DailyMetric.objects.filter(level="campaign").values_list("clicks", "cost_micros")) == [
        (45, 30_150_000),
        (40, 28_800_000),
    ]


def test_renamed_campaign_matched_by_its_id(organization, write_report):
    import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS))
    import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS.replace("Roof tiles", "Tejas")))
    assert list(Campaign.objects.values_list("name", "external_id")) == [("Tejas", "9012")]
    assert DailyMetric.objects.count() == 2


def test_imports_are_scoped_to_the_organization(organization, other_organization, write_report):
    path = write_report(GOOGLE_ES_SEARCH_TERMS)
    import_report(organization, path)
    import_report(other_organization, path)
    assert SearchTermDaily.objects.filter(campaign__organization=organization).count() == 4
    assert SearchTermDaily.objects.filter(campaign__organization=other_organization).count() == 4
    assert Campaign.objects.filter(organization=other_organization).count() == 2


BAD_INPUTS = [
    pytest.param(
        b"",
        "the file is empty",
        id="empty file",
    ),
    pytest.param(
        b"\n\n",
        "the file is empty",
        id="blank file",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace("Clics,", "Clicks totales,").encode(),
        "Line 3: wrong header: the search terms report needs the column(s) “Clics”",
        id="wrong header",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.encode("cp1252"),
        "unknown encoding: byte 0xE9 is not UTF-8 or UTF-16 text",
        id="unknown encoding",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace('"12,50 €"', '"12,5x €"').encode(),
        "Line 4, column 'Coste': '12,5x €' is not a number",
        id="bad number",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace('EUR,"4,10"', 'EUR,"-4,10"').encode(),
        "Line 5, column 'Coste': '-4,10' is negative; costs and conversions cannot be below zero",
        id="negative cost",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace(',12,"1.234"', ',1x2,"1.234"').encode(),
        "Line 4, column 'Clics': '1x2' is not a whole number",
        id="bad count",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace("2026-09-02,7", "2026-09-31,7").encode(),
        "Line 6, column 'Día': '2026-09-31' is not a date",
        id="bad date",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS[: GOOGLE_ES_SEARCH_TERMS.index("ladrillos lego") + 40].encode(),
        "Line 7: the file ends in the middle of a row (3 of 14 columns): it is truncated",
        id="truncated file",
    ),
    pytest.param(
        MICROSOFT_EN_KEYWORDS.replace("Rows: 3", "Rows: 5").encode("utf-16"),
        "the report says it has 5 rows but 3 were found: the file is truncated",
        id="truncated by row count",
    ),
    pytest.param(
        "\n".join(GOOGLE_ES_SEARCH_TERMS.split("\n")[:3]).encode(),
        "Line 3: the report has a header but no data rows",
        id="header only",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace(",Cemento,Cemento gris,", ",,Cemento gris,").encode(),
        "Line 5, column 'Campaña': the value is empty",
        id="missing campaign",
    ),
    pytest.param(
        GOOGLE_ES_SEARCH_TERMS.replace('"0,00",0 %\n', '"0,00",0 %,extra\n').encode(),
        "Line 5: the row has 15 columns but the header has 14",
        id="extra column",
    ),
]


@pytest.mark.parametrize(("content", "message"), BAD_INPUTS)
def test_bad_input_is_one_clear_error_and_writes_nothing(organization, write_report, content, message):
    import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS, name="earlier.csv"))
    before = snapshot()
    with pytest.raises(ReportError) as error:
        import_report(organization, write_report(content))
    assert str(error.value).startswith(message), str(error.value)
    assert snapshot() == before


def test_error_in_a_late_chunk_rolls_back_earlier_chunks(organization, write_report):
    header = GOOGLE_ES_SEARCH_TERMS.split("\n")[:3]
    rows = [
        f'termino {n},Concordancia amplia,Ninguno,Cemento,Cemento gris,cemento,2026-09-01,1,10,EUR,"0,50",0,0,'
        for n in range(250)
    ]
    rows[230] = rows[230].replace('"0,50"', '"0,5O"')
    path = write_report("\n".join(header + rows) + "\n")
    with pytest.raises(ReportError, match=r"^Line 234, column 'Coste': '0,5O' is not a number"):
        import_report(organization, path, chunk_rows=100)
    assert snapshot() == {name: 0 for name in snapshot()}


def test_keyword_over_platform_limits_is_refused(organization, write_report):
    long_keyword = " ".join(["ladrillo"] * 11)
    content = MICROSOFT_EN_KEYWORDS.replace("\tbrick price\t", f"\t{long_keyword}\t")
    with pytest.raises(
        ReportError,
        match=r"^Line 12, column 'Keyword': keyword 'ladrillo ladrillo .*80 characters "
        r"and 10 words",
    ):
        import_report(organization, write_report(content, encoding="utf-16"))
    assert Keyword.objects.count() == 0


def test_decimal_mark_can_be_given(organization, write_report):
    # English headers would suggest a dot; without money cells that say otherwise, the caller decides.
    content = "Campaign\tDay\tImpr.\tClicks\tCost\tConversions\nRoof tiles\t2026-09-01\t1500\t45\t30\t2\n"
    content += "Roof tiles\t2026-09-02\t1410\t40\t1.234\t1\n"
    import_report(organization, write_report(content), decimal=",")
    assert sorted(DailyMetric.objects.values_list("cost_micros", flat=True)) == [30_000_000, 1_234_000_000]


def test_spanish_ad_group_report_with_semicolons_and_bom(organization, write_report):
    content = (
        "\ufeffInforme de grupos de anuncios\n"
        "1 de septiembre de 2026 - 1 de septiembre de 2026\n"
        "Campaña;Grupo de anuncios;Día;Impr.;Clics;Coste;Conversiones;Valor de conv.\n"
        "Pladur;Placas;01/09/2026;2.345;61;48,20 €;3;750,00 €\n"
        "Pladur;Perfiles;01/09/2026;812;9;7,05 €;0;0,00 €\n"
        "Total: cuenta;;--;3.157;70;55,25 €;3;750,00 €\n"
    )
    result = import_report(organization, write_report(content))
    assert (result.kind, result.rows, result.date_from) == ("ad_group", 2, dt.date(2026, 9, 1))
    assert sorted(
        DailyMetric.objects.filter(level="ad_group").values_list(
            "ad_group__name", "impressions", "clicks", "cost_micros", "conversion_value_micros"
        )
    ) == [("Perfiles", 812, 9, 7_050_000, 0), ("Placas", 2345, 61, 48_200_000, 750_000_000)]


def _search_term_rows(rows: list[str]) -> str:
    return "\n".join([*GOOGLE_ES_SEARCH_TERMS.split("\n")[:3], *rows]) + "\n"


@pytest.mark.parametrize(
    ("order", "chunk_rows"),
    [pytest.param([0, 1, 2], 100, id="one chunk"), pytest.param([0, 2, 1], 2, id="repeat in a later chunk")],
)
def test_rows_that_repeat_a_row_key_are_summed(organization, write_report, order, chunk_rows):
    # Rows split by a column the account does not keep (here a device) share a row key: they are one row, summed.
    rows = [
        'cemento cola,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-01,12,"1.234",EUR,'
        '"12,50",1,"180,00",',
        "cemento cola,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-01,3,40,EUR,"
        '"1,25","0,5","20,00",',
        'cemento gris,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-01,1,9,EUR,"0,10",0,0,',
    ]
    result = import_report(
        organization, write_report(_search_term_rows([rows[n] for n in order])), chunk_rows=chunk_rows
    )
    assert result.rows == 3
    summed = SearchTermDaily.objects.order_by("search_term__text").values_list(
        "search_term__text", "impressions", "clicks", "cost_micros", "conversions", "conversion_value_micros"
    )
    assert list(summed) == [
        ("cemento cola", 1_274, 15, 13_750_000, 1.5, 200_000_000),
        ("cemento gris", 9, 1, 100_000, 0.0, 0),
    ]


@pytest.mark.parametrize(
    ("before", "line"),
    [
        pytest.param("", 5, id="plain lines"),
        pytest.param("\n", 6, id="after a blank line"),
        pytest.param(
            'termino,Concordancia amplia,Ninguno,Cemento,"Cemento\ngris",cemento,2026-09-01,1,10,EUR,0,0,0,\n',
            7,
            id="after a line break inside quotes",
        ),
    ],
)
def test_errors_name_the_file_line_whatever_the_lines_before(organization, write_report, before, line):
    good = 'cemento cola,Concordancia exacta,Ninguno,Cemento,Cemento cola,cemento,2026-09-01,1,10,EUR,"0,50",0,0,'
    bad = good.replace('"0,50"', '"0,5O"')
    with pytest.raises(ReportError, match=rf"^Line {line}, column 'Coste': '0,5O' is not a number"):
        import_report(organization, write_report(_search_term_rows([good, before + bad])))
    assert snapshot() == {name: 0 for name in snapshot()}


def _indexes() -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, SearchTermDaily._meta.db_table)


def _dropped_indexes(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("DROP INDEX")]


def test_indexes_are_built_after_the_rows_only_when_the_file_outnumbers_the_table(organization, write_report):
    # A file's rows go in with the table's non-unique indexes dropped, then built again, when the table holds
    # fewer rows than the file (SQLite and PostgreSQL): the same indexes come back, and they are used as before.
    before = _indexes()
    with CaptureQueriesContext(connection) as first:
        import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    assert _indexes() == before
    assert len(_dropped_indexes(first)) == 3
    smaller = _search_term_rows(
        ['cemento gris,Concordancia exacta,Ninguno,Cemento,Cemento cola,[cemento cola],2026-09-03,1,9,EUR,"0,10",0,0,']
    )
    with CaptureQueriesContext(connection) as second:
        import_report(organization, write_report(smaller, name="smaller.csv"))
    assert _dropped_indexes(second) == []
    assert SearchTermDaily.objects.count() == 5
    assert SearchTermDaily.objects.filter(campaign__name="Cemento", date=dt.date(2026, 9, 3)).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="table locks held by another connection: PostgreSQL")
def test_postgresql_keeps_the_indexes_while_another_transaction_reads_the_table(organization, write_report):
    # Dropping an index would lock every reader out until the commit: behind a reader that holds the table, the
    # import waits no more than a moment, keeps the indexes, and inserts with them.
    import psycopg

    settings = connection.settings_dict
    reader = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"],
    )
    before = _indexes()
    try:
        reader.execute(f"LOCK TABLE {SearchTermDaily._meta.db_table} IN ACCESS SHARE MODE")
        with CaptureQueriesContext(connection) as queries:
            assert import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS)).rows == 4
    finally:
        reader.close()
    assert _dropped_indexes(queries) == []
    assert _indexes() == before
    assert SearchTermDaily.objects.count() == 4
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone() == ("0",)  # the import's wait for the lock is undone


def test_a_failure_while_the_indexes_are_dropped_restores_them_and_writes_nothing(
    organization, write_report, monkeypatch
):
    before_indexes, before_rows = _indexes(), snapshot()
    real_sql = importing._sql

    def failing(sql: str, params: list | tuple = ()) -> int:
        if sql.startswith(f"INSERT INTO {SearchTermDaily._meta.db_table}"):
            raise DatabaseError("disk I/O error")  # what SQLite raises when the disk fills mid-insert
        return real_sql(sql, params)

    monkeypatch.setattr(importing, "_sql", failing)
    with pytest.raises(DatabaseError, match="disk I/O error"):
        import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    assert _indexes() == before_indexes
    assert snapshot() == before_rows
    monkeypatch.setattr(importing, "_sql", real_sql)
    assert import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS)).rows == 4
    assert _indexes() == before_indexes
