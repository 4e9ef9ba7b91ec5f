"""Matching an organization's search terms to the ad groups whose intent they express, and turning the
result into suggestions: negative keywords (replayed so none blocks a converting term) and new ad groups for
relevant intents no ad group covers.

Runs in a Celery worker (it loads the embedding model); the web process never imports this module's ML.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from campaigns.models import (
    AdGroup,
    CampaignStatus,
    CampaignType,
    Keyword,
    Organization,
    SearchTerm,
    SearchTermMatch,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)

if TYPE_CHECKING:
    from ml.matching.embeddings import Embedder

logger = logging.getLogger(__name__)
SOURCE = "matching"
MIN_CALIBRATION_TERMS = 5


@dataclass(frozen=True)
class MatchingResult:
    terms: int
    in_scope: int
    threshold: float | None
    negatives: int
    clusters: int
    # Terms left out: those of Performance Max / Display / ... campaigns (ad-group matching and negatives are
    # search-campaign features) and those the reports list as "Excluded" (already negatives).
    not_search: int = 0
    excluded: int = 0
    # False when ``still_newest`` said a newer matching had saved its result first: nothing was written.
    saved: bool = True


def index_dir(organization: Organization) -> Path:
    return Path(settings.VAR_DIR) / "indexes" / str(organization.pk)


def shared_embedder() -> Embedder:
    """The worker's embedder, with its text → vector cache on disk so re-imports do not re-embed."""
    from ml.matching.embeddings import default_embedder

    return default_embedder(cache_path=str(Path(settings.VAR_DIR) / "embeddings" / "cache.npz"))


def _ad_group_examples(organization: Organization) -> tuple[list[str], list[int], dict[int, int]]:
    """Texts that say what each live ad group is about: its name and its positive keywords."""
    groups = (
        AdGroup.objects.filter(campaign__organization=organization)
        .exclude(status=CampaignStatus.REMOVED)
        .exclude(campaign__status=CampaignStatus.REMOVED)
    )
    texts, labels, campaign_of = [], [], {}
    for group in groups:
        texts.append(group.name)
        labels.append(group.pk)
        campaign_of[group.pk] = group.campaign_id
    keywords = Keyword.objects.filter(ad_group__in=groups, negative=False).exclude(status=CampaignStatus.REMOVED)
    for ad_group_id, text in keywords.values_list("ad_group_id", "text"):
        texts.append(text)
        labels.append(ad_group_id)
    return texts, labels, campaign_of


BRAND_NAME_WORDS = frozenset({"brand", "branded", "marca"})


def _account_theme(organization: Organization, campaign_of: dict[int, int]):
    """The account's own vocabulary for the negatives' approvability rules: keywords, names, brand terms.

    Brand terms are the organization's name and the keywords of ad groups in a campaign or ad group named as a
    brand one ("Brand", "Marca"), the usual way an account separates them.
    """
    from ml.matching.theme import AccountTheme, tokens

    groups = AdGroup.objects.filter(pk__in=campaign_of).select_related("campaign")
    keywords: dict[int, list[str]] = {pk: [] for pk in campaign_of}
    for ad_group_id, text in (
        Keyword.objects.filter(ad_group_id__in=campaign_of, negative=False)
        .exclude(status=CampaignStatus.REMOVED)
        .values_list("ad_group_id", "text")
    ):
        keywords[ad_group_id].append(text)
    brand_groups = {g.pk for g in groups if BRAND_NAME_WORDS & set(tokens(f"{g.name} {g.campaign.name}"))}
    return AccountTheme(
        keywords=keywords,
        campaign_of=campaign_of,
        ad_group_names={g.pk: g.name for g in groups},
        campaign_names={g.campaign_id: g.campaign.name for g in groups},
        brand_terms=(organization.name, *(k for g in brand_groups for k in keywords[g])),
    )


def _search_term_rows(organization: Organization) -> list:
    from ml.matching.matcher import SearchTermRow

    totals = (
        _matchable_terms(organization)
        .annotate(
            clicks=Sum("daily__clicks", default=0),
            cost=Sum("daily__cost_micros", default=0),
            conversions=Sum("daily__conversions", default=0.0),
        )
        .order_by("pk")
    )
    rows = []
    for t in totals:
        assert t.ad_group_id is not None  # _SEARCH_TERMS_OF_SEARCH: terms served by an ad group
        rows.append(
            SearchTermRow(
                text=t.text,
                campaign_id=t.campaign_id,
                ad_group_id=t.ad_group_id,
                clicks=t.clicks,
                cost_micros=t.cost,
                conversions=t.conversions,
                term_id=t.pk,
            )
        )
    return rows


# Matching routes a term to an ad group and proposes negatives beside keywords: only a Search campaign's terms,
# served by one of its ad groups, have either. The others (Performance Max terms have no ad group) are counted.
_SEARCH_TERMS_OF_SEARCH = Q(campaign__campaign_type=CampaignType.SEARCH, ad_group__isnull=False)


def _matchable_terms(organization: Organization) -> QuerySet[SearchTerm]:
    return SearchTerm.objects.filter(_SEARCH_TERMS_OF_SEARCH, organization=organization).exclude(daily__excluded=True)


class LeftOut(TypedDict):
    not_search: int
    excluded: int


def _left_out(organization: Organization) -> LeftOut:
    terms = SearchTerm.objects.filter(organization=organization)
    return {
        "not_search": terms.exclude(_SEARCH_TERMS_OF_SEARCH).count(),
        "excluded": terms.filter(_SEARCH_TERMS_OF_SEARCH, daily__excluded=True).distinct().count(),
    }


def match_search_terms(
    organization: Organization,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[int], None] | None = None,
    still_newest: Callable[[], bool] | None = None,
) -> MatchingResult:
    """Match every search term of the organization, save the matches and replace the pending suggestions.

    ``progress`` is told the percent done after each stage. ``still_newest`` is asked, inside the saving
    transaction and with the organization's row locked, whether this result may still be saved; when it says no
    (a newer matching saved first), nothing is written and the result says ``saved=False``.
    """
    import numpy as np

    from ml.matching.clusters import propose_intent_clusters, unmatched_relevant
    from ml.matching.index import OrgIndex
    from ml.matching.matcher import IntentMatcher
    from ml.matching.negatives import propose_negatives

    step = progress or (lambda percent: None)
    texts, labels, campaign_of = _ad_group_examples(organization)
    rows = _search_term_rows(organization)
    if not texts or not rows:
        return MatchingResult(
            terms=len(rows), in_scope=0, threshold=None, negatives=0, clusters=0, **_left_out(organization)
        )
    step(5)
    embedder = embedder or shared_embedder()
    matcher = IntentMatcher(embedder=embedder).fit(texts, labels)
    step(20)
    vectors = embedder.encode([row.text for row in rows])
    step(60)
    # Calibrate on evidence: terms that converted express the intent of the ad group that served them.
    converting = [i for i, row in enumerate(rows) if row.conversions > 0]
    if len(converting) >= MIN_CALIBRATION_TERMS:
        matcher.calibrate_vectors([rows[i].ad_group_id for i in converting], vectors[converting])
    matches = matcher.predict_vectors(vectors)
    theme = _account_theme(organization, campaign_of)
    negatives = propose_negatives(
        rows,
        matches,
        vectors=vectors,
        relevance_threshold=matcher.similarity_threshold,
        ad_group_campaigns=campaign_of,
        theme=theme,
    )
    step(75)
    candidates = unmatched_relevant(rows, matches, negatives)
    clusters = (
        propose_intent_clusters([rows[i] for i in candidates], vectors[candidates]) if len(candidates) >= 6 else []
    )
    step(85)
    source = f"{SOURCE}:{getattr(embedder, 'name', type(embedder).__name__)}"[:100]
    saved = _save(organization, rows, matches, matcher.threshold, negatives, clusters, source, theme, still_newest)
    if not saved:
        return MatchingResult(
            terms=len(rows), in_scope=0, threshold=None, negatives=0, clusters=0, saved=False, **_left_out(organization)
        )
    step(95)
    term_ids = np.array([row.term_id for row in rows], dtype=np.int64)
    index = OrgIndex.load_or_rebuild(
        organization.pk, index_dir(organization), vectors.shape[1], lambda: (term_ids, vectors)
    )
    index.rebuild(term_ids, vectors)  # the database is the truth; the file follows it
    index.save()
    if hasattr(embedder, "save"):
        embedder.save()
    return MatchingResult(
        terms=len(rows),
        in_scope=sum(m.label is not None for m in matches),
        threshold=matcher.threshold,
        negatives=len(negatives),
        clusters=len(clusters),
        **_left_out(organization),
    )


@transaction.atomic
def _save(organization, rows, matches, threshold, negatives, clusters, source, theme, still_newest=None) -> bool:
    if still_newest is not None:
        # Two matchings saving at once take turns on the organization's row, so the check and the write are one.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if not still_newest():
            return False
    SearchTermMatch.objects.filter(search_term__organization=organization).delete()
    # calibrated on converting terms only, the matcher's threshold is on the cosine similarity (see
    # ml.matching.matcher.Calibration.on), so the saved relevance is that similarity, comparable to the threshold
    SearchTermMatch.objects.bulk_create(
        SearchTermMatch(
            search_term_id=row.term_id,
            ad_group_id=match.label,
            nearest_ad_group_id=match.nearest_label,
            keyword_text=match.keyword[:255],
            score=match.score if match.similarity is None else match.similarity,
            threshold=threshold or 0.0,
            source=source,
        )
        for row, match in zip(rows, matches, strict=True)
    )
    # Re-running replaces what is still waiting for a decision; approved and rejected ones stay as history.
    Suggestion.objects.filter(
        organization=organization,
        status=SuggestionStatus.PENDING,
        kind__in=[SuggestionKind.NEGATIVE, SuggestionKind.AD_GROUP],
        source__startswith=SOURCE,
    ).delete()
    Suggestion.objects.bulk_create(
        [
            *(_negative(organization, n, source, theme) for n in negatives),
            *(_cluster(organization, c, source) for c in clusters),
        ]
    )
    return True


def _negative(organization: Organization, negative, source: str, theme) -> Suggestion:
    """A negative as a suggestion row. Only waste claims savings: sculpting moves traffic, it saves nothing."""
    blocked = negative.blocked
    moves = (
        {"route_to": {"ad_group_id": negative.route_to, "path": theme.path(negative.route_to)}}
        if (negative.route_to is not None)
        else {}
    )
    return Suggestion(
        organization=organization,
        kind=SuggestionKind.NEGATIVE,
        level=negative.level,
        text=negative.text[:255],
        match_type=negative.match_type,
        source=source,
        campaign_id=negative.campaign_ids[0] if negative.level != "shared_list" else None,
        ad_group_id=negative.ad_group_id,
        evidence={
            "reason": negative.reason,
            "kind": negative.kind,
            **moves,
            "would_have_saved_micros": blocked.cost_micros if negative.kind == "waste" else 0,
            "campaign_ids": list(negative.campaign_ids),
            "would_have_blocked": {
                "terms": list(blocked.terms),
                "clicks": blocked.clicks,
                "cost_micros": blocked.cost_micros,
                "conversions": blocked.conversions,
            },
            "ngrams": [
                {
                    "campaign_id": s.campaign_id,
                    "ngram": s.ngram,
                    "n": s.n,
                    "terms": s.terms,
                    "clicks": s.clicks,
                    "cost_micros": s.cost_micros,
                    "conversions": s.conversions,
                }
                for s in negative.evidence
            ],
        },
    )


def _cluster(organization: Organization, cluster, source: str) -> Suggestion:
    return Suggestion(
        organization=organization,
        kind=SuggestionKind.AD_GROUP,
        text=cluster.name[:255],
        source=source,
        evidence={
            "terms": list(cluster.terms),
            "term_ids": list(cluster.term_ids),
            "clicks": cluster.clicks,
            "cost_micros": cluster.cost_micros,
            "conversions": cluster.conversions,
            "cohesion": cluster.cohesion,
            "starter_keywords": list(cluster.starter_keywords),
            "top_ngrams": list(cluster.top_ngrams),
        },
    )
