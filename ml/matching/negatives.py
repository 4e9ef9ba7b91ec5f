"""Negative-keyword suggestions from matched search terms, each replayed over the account before it is
proposed.

Waste is a search term that cost money, never converted, and either matched no ad group (``Match.label is
None``) or had so many clicks that zero conversions is improbable at its campaign's conversion rate. For each
waste term, broadest first, the candidates are its 1-, 2- and 3-word phrases, then the whole term as an exact
negative. A candidate is *replayed* over the search terms it would apply to, with the platforms' negative
semantics (phrase: the words, in order, anywhere in the term; exact: the same words and nothing else; no close
variants). A candidate that would have blocked a converting term, or a term that matched an ad group, is
narrowed (a longer phrase, then exact, then ad-group level) or dropped. A phrase shorter than the whole term
must also block at least ``min_support`` distinct waste terms, so one odd query does not turn a common word
into a negative. Only exact and phrase negatives are proposed: Microsoft Advertising accepts no broad
negatives.

With an :class:`ml.matching.theme.AccountTheme`, a candidate must also be one a marketer approves: it has a
word off the scope's theme (not a keyword word, campaign or ad-group name word, or brand word), it does not
block one of the scope's own keywords, and it blocks no term that contains a multi-word keyword of the scope or
a brand term.

Level: a negative that is clean in several campaigns becomes one shared-list suggestion; otherwise it is a
campaign negative, or an ad-group negative when only that narrower scope is clean. Two kinds, shown apart:
*waste* (no ad group is relevant; what it blocked is money saved) and *sculpting* (the term belongs to another
ad group of the campaign: an exact ad-group negative moves the traffic there and saves nothing). Sculpting needs
lexical evidence too: the term has a theme word of the ad group it belongs to that the serving one lacks.

Each suggestion says what it would have blocked (terms, clicks, conversions, cost) and carries the
campaign-level n-gram statistics behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from ml.matching.matcher import Match, SearchTermRow
from ml.matching.theme import STOPWORDS, UNIVERSAL_WASTE, AccountTheme, stems, tokens

if TYPE_CHECKING:
    import numpy as np

EXACT, PHRASE = "exact", "phrase"
AD_GROUP, CAMPAIGN, SHARED_LIST = "ad_group", "campaign", "shared_list"

WASTE, SCULPTING = "waste", "sculpting"


@dataclass(frozen=True)
class Blocked:
    """What a negative would have blocked in the replayed search terms.

    Attributes:
        terms: the distinct blocked term texts, by cost (highest first), then text.
        clicks: their clicks.
        cost_micros: their cost in micros.
        conversions: their conversions (0 for every proposed negative).
    """

    terms: tuple[str, ...]
    clicks: int
    cost_micros: int
    conversions: float


@dataclass(frozen=True)
class NgramStat:
    """Totals over the search terms of one campaign that contain an n-gram (each term counted once)."""

    campaign_id: int
    ngram: str
    n: int
    terms: int
    clicks: int
    cost_micros: int
    conversions: float


@dataclass(frozen=True)
class NegativeSuggestion:
    """A negative keyword to propose.

    Attributes:
        text: the negative keyword, lower-cased words joined by single spaces.
        match_type: ``"exact"`` or ``"phrase"``.
        level: ``"ad_group"``, ``"campaign"`` or ``"shared_list"``.
        campaign_ids: the campaigns it applies to (one, except for a shared list).
        ad_group_id: the ad group for an ad-group negative, else None.
        blocked: what it would have blocked in the replayed terms.
        evidence: campaign-level n-gram statistics of its words.
        reason: one line for the review screen; names ad groups by name, never by id.
        kind: ``"waste"`` (no ad group is relevant; the blocked cost is money saved) or ``"sculpting"`` (the
            term belongs to another ad group; blocking it here moves the traffic, it saves nothing).
        route_to: for sculpting, the ad group the traffic should go to.
    """

    text: str
    match_type: str
    level: str
    campaign_ids: tuple[int, ...]
    ad_group_id: int | None
    blocked: Blocked
    evidence: tuple[NgramStat, ...]
    reason: str
    kind: str = WASTE
    route_to: int | None = None


def blocks(negative: Sequence[str], match_type: str, term: Sequence[str]) -> bool:
    """Whether a negative (as tokens) blocks a search term (as tokens)."""
    if match_type == EXACT:
        return tuple(negative) == tuple(term)
    if match_type != PHRASE:
        raise ValueError(f"negatives are exact or phrase, not {match_type!r}")
    n = len(negative)
    return any(tuple(term[i : i + n]) == tuple(negative) for i in range(len(term) - n + 1))


def replay(
    text: str,
    match_type: str,
    rows: Iterable[SearchTermRow],
    campaign_ids: Iterable[int] | None = None,
    ad_group_id: int | None = None,
) -> Blocked:
    """What a negative would have blocked among ``rows`` within its scope (campaigns, or one ad group)."""
    negative = tokens(text)
    campaigns = None if campaign_ids is None else set(campaign_ids)
    hit = [
        row
        for row in rows
        if (campaigns is None or row.campaign_id in campaigns)
        and (ad_group_id is None or row.ad_group_id == ad_group_id)
        and blocks(negative, match_type, tokens(row.text))
    ]
    return _summarise(hit)


def ngram_stats(rows: Iterable[SearchTermRow], max_n: int = 3) -> dict[tuple[int, str], NgramStat]:
    """Per campaign, the cost, clicks and conversions of the terms containing each 1- to ``max_n``-gram."""
    totals: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0, 0, 0, 0.0, 0])
    for row in rows:
        words = tokens(row.text)
        for gram in {g for n in range(1, max_n + 1) for g in _ngrams(words, n)}:
            total = totals[(row.campaign_id, " ".join(gram))]
            total[0] += 1
            total[1] += row.clicks
            total[2] += row.cost_micros
            total[3] += row.conversions
            total[4] = len(gram)
    return {
        key: NgramStat(
            campaign_id=key[0],
            ngram=key[1],
            n=int(t[4]),
            terms=int(t[0]),
            clicks=int(t[1]),
            cost_micros=int(t[2]),
            conversions=float(t[3]),
        )
        for key, t in totals.items()
    }


def propose_negatives(
    rows: Sequence[SearchTermRow],
    matches: Sequence[Match],
    *,
    min_cost_micros: int = 1,
    min_support: int = 2,
    route_misserved: bool = True,
    vectors: np.ndarray | None = None,
    relevance_threshold: float | None = None,
    alpha: float = 0.01,
    ad_group_campaigns: Mapping[int, int] | None = None,
    theme: AccountTheme | None = None,
) -> list[NegativeSuggestion]:
    """Negative-keyword suggestions for the waste among ``rows``, replayed so none blocks a converting term.

    Args:
        rows: the account's search terms (all of them: the replay needs the converting ones too).
        matches: one :class:`ml.matching.Match` per row, in the same order; labels are ad-group ids.
        min_cost_micros: a term must have cost at least this much to be waste.
        min_support: distinct waste terms a phrase shorter than its term must block.
        route_misserved: also propose exact ad-group negatives for terms served by the wrong ad group of the
            same campaign.
        vectors: optional unit-norm embeddings of ``rows``. With ``relevance_threshold`` (use the matcher's
            calibrated threshold), an unmatched term at least that similar to a term that matched an ad group
            *and* converted is relevant by association: an intent no ad group covers yet, left for
            :mod:`ml.matching.clusters` instead of becoming a negative.
        relevance_threshold: see ``vectors``.
        alpha: a term that matched an ad group is still waste when zero conversions in its clicks would have
            had probability below ``alpha`` at its campaign's conversion rate (see
            :func:`improbably_unconverted`): evidence overrides a similar-looking meaning.
        ad_group_campaigns: ad group id → campaign id for ad groups that served no row (routing needs to know
            the matched ad group's campaign); the rows supply the rest.
        theme: the account's keywords, names and brand terms; without it only the replay guards proposals
            and sculpting reasons cannot name the ad group.

    Returns:
        Waste first, then sculpting; each by blocked cost, highest first.
    """
    if len(rows) != len(matches):
        raise ValueError(f"{len(rows)} rows but {len(matches)} matches")
    unlikely = set(improbably_unconverted(rows, alpha))
    protected = [
        row.conversions > 0 or (match.label is not None and i not in unlikely)
        for i, (row, match) in enumerate(zip(rows, matches, strict=True))
    ]
    if vectors is not None and relevance_threshold is not None:
        for i in related_to_converting(rows, matches, vectors, relevance_threshold):
            protected[i] = protected[i] or i not in unlikely
    words = [tokens(row.text) for row in rows]
    if theme is not None:
        for i, row in enumerate(rows):
            own = theme.protects(words[i], _scope_groups(theme, row.campaign_id))
            if row.conversions == 0 and set(words[i]) & UNIVERSAL_WASTE:
                # a job, course or game search is waste however close its embedding is to an ad group
                protected[i] = own
            else:
                # the advertiser's own theme is never waste, whatever the embedding says
                protected[i] = protected[i] or own
    waste = sorted(
        (i for i, row in enumerate(rows) if not protected[i] and row.cost_micros >= max(min_cost_micros, 1)),
        key=lambda i: (-rows[i].cost_micros, rows[i].text, i),
    )
    by_campaign: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_campaign[row.campaign_id].append(i)

    # (text, type, campaign, ad group) → (reason, kind, route_to)
    chosen: dict[tuple[str, str, int, int | None], tuple[str, str, int | None]] = {}
    for i in waste:
        row = rows[i]
        scope = by_campaign[row.campaign_id]
        if any(_covers(key, row, words[i]) for key in chosen):
            continue
        choice = _narrowest_clean(i, scope, rows, words, protected, min_support, theme)
        if choice is not None:
            chosen[choice[0]] = choice[1]

    if route_misserved:
        campaign_of = {row.ad_group_id: row.campaign_id for row in rows} | dict(ad_group_campaigns or {})
        for i, (row, match) in enumerate(zip(rows, matches, strict=True)):
            label = cast(int | None, match.label)  # labels are ad-group ids (see matches above)
            # only within a campaign: an ad-group negative cannot send traffic to another campaign's ad group
            if (
                label is None
                or label == row.ad_group_id
                or campaign_of.get(label) != row.campaign_id
                or row.conversions > 0
                or i in unlikely
                or row.cost_micros < max(min_cost_micros, 1)
            ):
                continue
            # an exact negative in the serving ad group must not block a copy of the term that converts there
            if any(
                words[j] == words[i] and rows[j].ad_group_id == row.ad_group_id and rows[j].conversions > 0
                for j in by_campaign[row.campaign_id]
            ):
                continue
            if theme is not None and not _belongs_elsewhere(theme, words[i], row.ad_group_id, label):
                continue
            chosen.setdefault(
                (" ".join(words[i]), EXACT, row.campaign_id, row.ad_group_id),
                (_belongs_to(theme, label), SCULPTING, label),
            )

    return _merge(chosen, rows, ngram_stats(rows))


def improbably_unconverted(rows: Sequence[SearchTermRow], alpha: float = 0.01) -> list[int]:
    """Indices of unconverted rows whose zero conversions are improbable at their campaign's conversion rate.

    The rate is the campaign's conversions per click over its *other* terms, so P(0 conversions) is
    ``(1 - rate) ** clicks``; "cemento dental" with 170 clicks in a campaign converting 6% of clicks has
    P = 0.94**170 ≈ 3e-5. Embeddings alone cannot separate it from "cemento cola" (same words); this can.
    """
    clicks_of: dict[int, int] = defaultdict(int)
    conversions_of: dict[int, float] = defaultdict(float)
    for row in rows:
        clicks_of[row.campaign_id] += row.clicks
        conversions_of[row.campaign_id] += row.conversions
    out = []
    for i, row in enumerate(rows):
        other_clicks = clicks_of[row.campaign_id] - row.clicks
        if row.conversions > 0 or row.clicks == 0 or other_clicks <= 0:
            continue
        rate = min(conversions_of[row.campaign_id] / other_clicks, 1.0)
        if (1.0 - rate) ** row.clicks < alpha:
            out.append(i)
    return out


def related_to_converting(
    rows: Sequence[SearchTermRow], matches: Sequence[Match], vectors: np.ndarray, threshold: float
) -> list[int]:
    """Indices of unmatched rows at least ``threshold`` similar (cosine) to a matched, converting row."""
    import numpy as np

    anchors = [
        i
        for i, (row, match) in enumerate(zip(rows, matches, strict=True))
        if row.conversions > 0 and match.label is not None
    ]
    unmatched = [i for i, match in enumerate(matches) if match.label is None]
    if not anchors or not unmatched:
        return []
    vectors = np.asarray(vectors, dtype=np.float32)
    best = (vectors[unmatched] @ vectors[anchors].T).max(axis=1)
    return [i for i, score in zip(unmatched, best.tolist(), strict=True) if score >= threshold]


def _narrowest_clean(
    i: int,
    scope: list[int],
    rows: Sequence[SearchTermRow],
    words: list[tuple[str, ...]],
    protected: list[bool],
    min_support: int,
    theme: AccountTheme | None = None,
) -> tuple[tuple[str, str, int, int | None], tuple[str, str, int | None]] | None:
    row, term = rows[i], words[i]
    groups = _scope_groups(theme, row.campaign_id) if theme is not None else []
    best: tuple[int, int, str] | None = None
    for n in range(1, min(3, len(term)) + 1):
        for gram in dict.fromkeys(_ngrams(term, n)):
            if all(w in STOPWORDS or len(w) < 3 for w in gram):
                continue
            hit = [j for j in scope if blocks(gram, PHRASE, words[j])]
            if any(protected[j] for j in hit):
                continue
            support = len({words[j] for j in hit})
            if n < len(term) and support < min_support:
                continue
            if theme is not None and not approvable(theme, gram, PHRASE, groups, [words[j] for j in hit]):
                continue
            cost = sum(rows[j].cost_micros for j in hit)
            candidate = (-cost, n, " ".join(gram))
            best = candidate if best is None or candidate < best else best
    if best is not None:
        reason = f"no ad group covers {best[2]!r}; cost, no conversions"
        return (best[2], PHRASE, row.campaign_id, None), (reason, WASTE, None)
    if theme is not None and not approvable(theme, term, EXACT, groups, [term]):
        return None
    exact = " ".join(term)
    if not any(protected[j] for j in scope if words[j] == term):
        return (exact, EXACT, row.campaign_id, None), ("no ad group is relevant; cost, no conversions", WASTE, None)
    elsewhere = [
        rows[j].ad_group_id
        for j in scope
        if words[j] == term and rows[j].ad_group_id != row.ad_group_id and protected[j]
    ]
    if elsewhere and not any(
        protected[j] for j in scope if words[j] == term and rows[j].ad_group_id == row.ad_group_id
    ):
        # relevant (or converting) in another ad group of the campaign: blocking it here moves it there
        key = (exact, EXACT, row.campaign_id, row.ad_group_id)
        return key, (_belongs_to(theme, elsewhere[0]), SCULPTING, elsewhere[0])
    return None


def approvable(
    theme: AccountTheme,
    negative: Sequence[str],
    match_type: str,
    ad_group_ids: Sequence[int],
    blocked: Iterable[Sequence[str]],
) -> bool:
    """Whether a negative keeps off the account's theme in these ad groups (see the module docstring)."""
    return (
        bool(theme.off_theme_words(negative, ad_group_ids))
        and not theme.blocks_keyword(negative, match_type, ad_group_ids)
        and not any(theme.protects(term, ad_group_ids) for term in blocked)
    )


def _scope_groups(theme: AccountTheme | None, campaign_id: int) -> list[int]:
    return theme.ad_groups([campaign_id]) if theme is not None else []


def _belongs_elsewhere(theme: AccountTheme, term: Sequence[str], serving: int, matched: int) -> bool:
    """Sculpting only with lexical evidence: a theme word of the matched ad group the serving one lacks."""
    if not approvable(theme, term, EXACT, [serving], [term]):
        return False
    return bool(set(stems(term)) & (theme.theme_words([matched]) - theme.theme_words([serving])))


def _belongs_to(theme: AccountTheme | None, ad_group_id: int) -> str:
    return f"belongs to {theme.path(ad_group_id)}" if theme is not None else "belongs to another ad group"


def _covers(key: tuple[str, str, int, int | None], row: SearchTermRow, term: tuple[str, ...]) -> bool:
    text, match_type, campaign_id, ad_group_id = key
    return (
        campaign_id == row.campaign_id
        and (ad_group_id is None or ad_group_id == row.ad_group_id)
        and blocks(tokens(text), match_type, term)
    )


def _merge(
    chosen: Mapping[tuple[str, str, int, int | None], tuple[str, str, int | None]],
    rows: Sequence[SearchTermRow],
    stats: Mapping[tuple[int, str], NgramStat],
) -> list[NegativeSuggestion]:
    campaigns_of: dict[tuple[str, str], list[int]] = defaultdict(list)
    for text, match_type, campaign_id, ad_group_id in chosen:
        if ad_group_id is None:
            campaigns_of[(text, match_type)].append(campaign_id)
    suggestions = []
    for (text, match_type), campaign_ids in campaigns_of.items():
        ids = tuple(sorted(campaign_ids))
        level = SHARED_LIST if len(ids) > 1 else CAMPAIGN
        reason, kind, route_to = chosen[(text, match_type, ids[0], None)]
        if level == SHARED_LIST:
            reason = f"{reason}, in {len(ids)} campaigns"
        suggestions.append(_suggestion(text, match_type, level, ids, None, reason, rows, stats, kind, route_to))
    for (text, match_type, campaign_id, ad_group_id), (reason, kind, route_to) in chosen.items():
        if ad_group_id is not None:
            suggestions.append(
                _suggestion(
                    text, match_type, AD_GROUP, (campaign_id,), ad_group_id, reason, rows, stats, kind, route_to
                )
            )
    return sorted(
        suggestions,
        key=lambda s: (s.kind != WASTE, -s.blocked.cost_micros, s.text, s.level, s.campaign_ids, s.ad_group_id or 0),
    )


def _suggestion(
    text: str,
    match_type: str,
    level: str,
    campaign_ids: tuple[int, ...],
    ad_group_id: int | None,
    reason: str,
    rows: Sequence[SearchTermRow],
    stats: Mapping[tuple[int, str], NgramStat],
    kind: str = WASTE,
    route_to: int | None = None,
) -> NegativeSuggestion:
    words = tokens(text)
    grams = [" ".join(words)] if len(words) <= 3 else [" ".join(g) for g in dict.fromkeys(_ngrams(words, 3))]
    evidence = tuple(stats[(c, g)] for c in campaign_ids for g in grams if (c, g) in stats)
    return NegativeSuggestion(
        text=text,
        match_type=match_type,
        level=level,
        campaign_ids=campaign_ids,
        ad_group_id=ad_group_id,
        blocked=replay(text, match_type, rows, campaign_ids, ad_group_id),
        evidence=evidence,
        reason=reason,
        kind=kind,
        route_to=route_to,
    )


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(words[i : i + n]) for i in range(len(words) - n + 1)]


def _summarise(hit: Sequence[SearchTermRow]) -> Blocked:
    cost_of: dict[str, int] = defaultdict(int)
    for row in hit:
        cost_of[row.text] += row.cost_micros
    return Blocked(
        terms=tuple(sorted(cost_of, key=lambda t: (-cost_of[t], t))),
        clicks=sum(r.clicks for r in hit),
        cost_micros=sum(r.cost_micros for r in hit),
        conversions=float(sum(r.conversions for r in hit)),
    )
