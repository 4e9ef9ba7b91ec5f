"""Search-term matching on the demo account, with the real multilingual embedder."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigns.models import SearchTerm, SearchTermMatch, Suggestion
from campaigns.services.demo import seed_demo
from campaigns.services.matching import index_dir, match_search_terms
from ml.matching.negatives import blocks, tokens

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
WASTE = (
    "cemento dental",
    "ladrillos lego",
    "yeso medico para escayola brazo",
    "bloques minecraft",
    "oferta empleo albañil",
    "como poner pladur youtube",
)


@pytest.fixture
def demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return seed_demo(seed=7, days=90, end=dt.date(2026, 11, 25))


def converting_terms(organization) -> list[SearchTerm]:
    from django.db.models import Sum

    return list(
        SearchTerm.objects.filter(organization=organization).annotate(conv=Sum("daily__conversions")).filter(conv__gt=0)
    )


def test_demo_waste_becomes_negatives_that_block_no_converting_term(demo):
    result = match_search_terms(demo)
    assert result.terms == 30
    negatives = list(Suggestion.objects.filter(organization=demo, kind="negative"))
    assert len(negatives) == result.negatives > 0
    blocked = {term for n in negatives for term in n.evidence["would_have_blocked"]["terms"]}
    assert set(WASTE) <= blocked
    for negative in negatives:
        assert negative.match_type in ("exact", "phrase")
        assert negative.evidence["would_have_blocked"]["conversions"] == 0
        for term in converting_terms(demo):
            applies = negative.level == "shared_list" or negative.campaign_id == term.campaign_id
            if negative.level == "ad_group":
                applies = negative.ad_group_id == term.ad_group_id
            assert not (applies and blocks(tokens(negative.text), negative.match_type, tokens(term.text))), (
                negative.text,
                term.text,
            )


def test_matches_saved_for_every_term_and_rerun_replaces(demo):
    match_search_terms(demo)
    first = Suggestion.objects.filter(organization=demo).count()
    assert SearchTermMatch.objects.filter(search_term__organization=demo).count() == 30
    match_search_terms(demo)
    assert Suggestion.objects.filter(organization=demo).count() == first
    assert SearchTermMatch.objects.filter(search_term__organization=demo).count() == 30
    assert (index_dir(demo) / f"search_terms.org{demo.pk}.faiss").exists()
    buying = SearchTermMatch.objects.get(search_term__text="cemento cola", search_term__organization=demo)
    assert buying.ad_group.name == "Cemento cola"


def test_search_terms_import_queues_matching_after_commit(
    organization, write_report, django_capture_on_commit_callbacks
):
    from campaigns.services.importing import import_report
    from tests.campaigns.reports import GOOGLE_EN_CAMPAIGNS, GOOGLE_ES_SEARCH_TERMS

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_report(organization, write_report(GOOGLE_ES_SEARCH_TERMS))
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        import_report(organization, write_report(GOOGLE_EN_CAMPAIGNS))
    assert callbacks == []  # only search terms need matching


def test_matching_task_runs_the_service(demo):
    from campaigns import tasks

    result = tasks.match_search_terms.apply(args=[demo.pk]).get()
    assert result["terms"] == 30
    assert result["negatives"] == Suggestion.objects.filter(organization=demo, kind="negative").count()
    assert tasks.match_search_terms.apply(args=[987654]).get() == {"skipped": "organization not found"}


def test_demo_top_opportunity_never_blocks_the_campaigns_own_keyword(demo):
    from campaigns.models import Keyword
    from campaigns.web.dashboard import top_negatives

    match_search_terms(demo)
    top = top_negatives(demo)
    assert [n.text for n in top][:1] == ["ladrillos lego"]  # was the phrase "ladrillos", the campaign's keyword
    for negative in Suggestion.objects.filter(organization=demo, kind="negative"):
        keywords = Keyword.objects.filter(
            organization=demo, negative=False, ad_group__campaign_id__in=(negative.evidence["campaign_ids"])
        )
        assert not [k.text for k in keywords if blocks(tokens(negative.text), negative.match_type, tokens(k.text))]
        assert negative.evidence["kind"] == "waste"
        assert negative.evidence["would_have_saved_micros"] == negative.evidence["would_have_blocked"]["cost_micros"]


def test_excluded_terms_and_non_search_campaigns_are_left_out_and_said(demo):
    from campaigns.models import Campaign, SearchTermDaily

    SearchTermDaily.objects.filter(search_term__text="cemento dental").update(excluded=True)
    display = Campaign.objects.get(organization=demo, name="Ladrillos - Búsqueda")
    display.campaign_type = "display"
    display.save(update_fields=["campaign_type"])
    in_display = SearchTerm.objects.filter(organization=demo, campaign=display).count()
    result = match_search_terms(demo)
    assert (result.excluded, result.not_search, result.terms) == (1, in_display, 30 - 1 - in_display)
    left_out = {"cemento dental", *SearchTerm.objects.filter(campaign=display).values_list("text", flat=True)}
    blocked = {
        term
        for n in Suggestion.objects.filter(organization=demo, kind="negative")
        for term in n.evidence["would_have_blocked"]["terms"]
    }
    assert not blocked & left_out
