"""Intent clusters: relevant search terms that no ad group covers, grouped into proposals for new ad groups.

The candidates are the terms that matched no ad group (``Match.label is None``) and that no proposed negative
would block, i.e. unmatched terms that were not judged waste: they converted, resemble a converting matched
term (see :func:`ml.matching.negatives.related_to_converting`), or cost too little to act on yet. They are clustered on
their embeddings with seeded spherical k-means (numpy for up to ``faiss_above`` terms, faiss k-means above),
``k`` chosen by the cosine silhouette when not given. Each cluster is named by the n-grams most
over-represented in it relative to the other candidates, reports volume and cost, and suggests starter
keywords.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ml.matching.matcher import Match, SearchTermRow
from ml.matching.negatives import STOPWORDS, NegativeSuggestion, blocks, tokens

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class IntentCluster:
    """A proposed new ad group.

    Attributes:
        name: its top n-grams joined by " / ".
        top_ngrams: the n-grams most over-represented in the cluster, best first.
        terms: member term texts, by conversions, then clicks, then text.
        term_ids: the members' ``term_id`` values, in the order of ``terms``.
        clicks: total clicks of the members.
        cost_micros: total cost of the members, in micros.
        conversions: total conversions of the members.
        cohesion: mean cosine similarity of the members to the cluster centre.
        starter_keywords: keywords for the new ad group (phrase match suggested).
    """

    name: str
    top_ngrams: tuple[str, ...]
    terms: tuple[str, ...]
    term_ids: tuple[int | None, ...]
    clicks: int
    cost_micros: int
    conversions: float
    cohesion: float
    starter_keywords: tuple[str, ...]


def unmatched_relevant(
    rows: Sequence[SearchTermRow], matches: Sequence[Match], negatives: Sequence[NegativeSuggestion] = ()
) -> list[int]:
    """Indices of the rows that matched no ad group and that no proposed negative would block."""
    if len(rows) != len(matches):
        raise ValueError(f"{len(rows)} rows but {len(matches)} matches")
    negative_words = [(tokens(n.text), n) for n in negatives]
    keep = []
    for i, (row, match) in enumerate(zip(rows, matches, strict=True)):
        if match.label is not None:
            continue
        words = tokens(row.text)
        if any(
            row.campaign_id in n.campaign_ids
            and n.ad_group_id in (None, row.ad_group_id)
            and blocks(neg, n.match_type, words)
            for neg, n in negative_words
        ):
            continue
        keep.append(i)
    return keep


def propose_intent_clusters(
    rows: Sequence[SearchTermRow],
    vectors: np.ndarray,
    *,
    k: int | None = None,
    max_k: int = 20,
    min_terms: int = 3,
    n_keywords: int = 5,
    seed: int = 0,
    faiss_above: int = 20_000,
) -> list[IntentCluster]:
    """Cluster candidate terms into proposed ad groups.

    Args:
        rows: the candidate terms (e.g. ``[rows[i] for i in unmatched_relevant(...)]``).
        vectors: their unit-norm embeddings, one row per term.
        k: number of clusters; None picks it in ``2..max_k`` by silhouette.
        max_k: upper bound when choosing ``k``.
        min_terms: clusters with fewer distinct terms are dropped (too thin to be an ad group).
        n_keywords: starter keywords per cluster.
        seed: k-means seed; the same seed gives the same clusters.
        faiss_above: use faiss k-means for more candidates than this (numpy is exact and deterministic, but
            its distance matrix is ``n × k``).

    Returns:
        Clusters by conversions, then clicks, then cost (highest first).
    """
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(rows) != len(vectors):
        raise ValueError(f"{len(rows)} rows but {len(vectors)} vectors")
    if len(rows) < max(min_terms, 2):
        return []
    if k is None:
        k = _choose_k(vectors, max_k=min(max_k, len(rows) // max(min_terms, 1)), seed=seed, faiss_above=faiss_above)
    assign, centres = _kmeans(vectors, k, seed, faiss_above)
    words = [tokens(row.text) for row in rows]
    clusters = []
    for c in range(k):
        in_cluster = np.flatnonzero(assign == c)
        if len({words[i] for i in in_cluster}) < min_terms:
            continue
        members = sorted(in_cluster.tolist(), key=lambda i: (-rows[i].conversions, -rows[i].clicks, rows[i].text))
        top = _top_ngrams(members, words)
        # phrases first, then members that contain a top n-gram (on-topic), then the rest, by performance
        on_topic = [i for i in members if any(f" {g} " in f" {' '.join(words[i])} " for g in top)]
        keywords = list(
            dict.fromkeys(
                [g for g in top if " " in g] + [rows[i].text for i in on_topic] + [rows[i].text for i in members]
            )
        )
        clusters.append(
            IntentCluster(
                name=" / ".join(top[:2]) if top else rows[members[0]].text,
                top_ngrams=tuple(top),
                terms=tuple(rows[i].text for i in members),
                term_ids=tuple(rows[i].term_id for i in members),
                clicks=sum(rows[i].clicks for i in members),
                cost_micros=sum(rows[i].cost_micros for i in members),
                conversions=float(sum(rows[i].conversions for i in members)),
                cohesion=round(float(np.mean(vectors[members] @ centres[c])), 4),
                starter_keywords=tuple(keywords[:n_keywords]),
            )
        )
    return sorted(clusters, key=lambda c: (-c.conversions, -c.clicks, -c.cost_micros, c.name))


def _top_ngrams(members: list[int], words: list[tuple[str, ...]], limit: int = 3) -> list[str]:
    # distinctiveness = share of members containing the n-gram minus share of non-members containing it, so a
    # word every candidate shares (the product category) does not name every cluster
    inside = Counter(g for i in members for g in _grams(words[i]))
    everywhere = Counter(g for w in words for g in _grams(w))
    outside_n = max(len(words) - len(members), 1)
    scored = []
    for gram, count in inside.items():
        if count < 2 and len(members) > 1:
            continue
        score = count / len(members) - (everywhere[gram] - count) / outside_n
        scored.append((-round(score, 9), -len(gram), " ".join(gram)))
    chosen: list[str] = []
    for _, _, text in sorted(scored):
        # skip an n-gram inside a chosen one or around it: "blocks / concrete blocks" names one idea twice
        if any(f" {text} " in f" {c} " or f" {c} " in f" {text} " for c in chosen):
            continue
        chosen.append(text)
        if len(chosen) == limit:
            break
    return chosen


def _grams(words: tuple[str, ...]) -> set[tuple[str, ...]]:
    return {
        tuple(words[i : i + n])
        for n in (1, 2, 3)
        for i in range(len(words) - n + 1)
        if not all(w in STOPWORDS or len(w) < 3 for w in words[i : i + n])
    }


def _kmeans(
    vectors: np.ndarray,
    k: int,
    seed: int,
    faiss_above: int,
    iters: int = 50,
) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np

    if len(vectors) > faiss_above:
        import faiss

        km = faiss.Kmeans(vectors.shape[1], k, niter=iters, seed=seed, spherical=True, verbose=False)
        km.train(vectors)
        _, assign = km.index.search(vectors, 1)
        assert km.centroids is not None  # set by train()
        return assign[:, 0], km.centroids
    rng = np.random.default_rng(seed)
    # k-means++ seeding on cosine distance
    centres = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        dist = np.maximum(1.0 - np.max(vectors @ np.stack(centres).T, axis=1), 0.0)
        total = dist.sum()
        pick = rng.choice(len(vectors), p=dist / total) if total > 0 else rng.integers(len(vectors))
        centres.append(vectors[pick])
    centre_array = np.stack(centres)
    assign = np.full(len(vectors), -1)
    for _ in range(iters):
        new_assign = np.argmax(vectors @ centre_array.T, axis=1)
        if np.array_equal(new_assign, assign):
            break
        assign = new_assign
        for c in range(k):
            members = vectors[assign == c]
            if len(members):
                centre = members.sum(axis=0)
                centre_array[c] = centre / max(float(np.linalg.norm(centre)), 1e-12)
    return assign, centre_array


def _choose_k(vectors: np.ndarray, max_k: int, seed: int, faiss_above: int, sample: int = 2000) -> int:
    import numpy as np

    if max_k < 2:
        return 1
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(vectors), size=sample, replace=False)) if len(vectors) > sample else None
    best_k, best_score = 2, -math.inf
    for k in range(2, max_k + 1):
        assign, _ = _kmeans(vectors, k, seed, faiss_above)
        score = _silhouette(vectors if rows is None else vectors[rows], assign if rows is None else assign[rows])
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return best_k


def _silhouette(vectors: np.ndarray, assign: np.ndarray) -> float:
    import numpy as np

    dist = 1.0 - vectors @ vectors.T
    labels = np.unique(assign)
    if len(labels) < 2:
        return -1.0
    per_cluster = np.stack([dist[:, assign == c].sum(axis=1) for c in labels], axis=1)
    sizes = np.array([np.sum(assign == c) for c in labels], dtype=np.float64)
    own = np.searchsorted(labels, assign)
    rows = np.arange(len(vectors))
    own_size = sizes[own] - 1
    a = np.where(own_size > 0, per_cluster[rows, own] / np.maximum(own_size, 1), 0.0)
    others = per_cluster / sizes[None, :]
    others[rows, own] = np.inf
    b = others.min(axis=1)
    s = np.where(own_size > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(s.mean())
