from __future__ import annotations

import numpy as np

from ml.matching.clusters import propose_intent_clusters, unmatched_relevant
from ml.matching.embeddings import CachedEmbedder, normalise_rows
from ml.matching.matcher import IntentMatcher, Match, SearchTermRow
from ml.matching.negatives import propose_negatives


def row(text: str, clicks: int = 5, cost: int = 1_000_000, conversions: float = 0.0, term_id: int = 0) -> SearchTermRow:
    return SearchTermRow(text, 1, 10, clicks, cost, conversions, term_id)


def test_candidates_are_unmatched_terms_no_negative_blocks() -> None:
    rows = [row("dental cement"), row("concrete blocks"), row("portland cement", conversions=1.0)]
    matches = [Match(None, 0.3, 11, "kw"), Match(None, 0.5, 12, "kw"), Match(11, 0.9, 11, "kw")]
    negatives = propose_negatives(rows[:1], matches[:1])
    assert unmatched_relevant(rows, matches, negatives) == [1]


def test_two_clear_intents_become_two_named_clusters() -> None:
    rng = np.random.default_rng(0)
    centres = normalise_rows(rng.standard_normal((2, 16)))
    vectors = normalise_rows(np.repeat(centres, 4, axis=0) + 0.05 * rng.standard_normal((8, 16)))
    rows = [
        row("concrete blocks price", clicks=9, conversions=1.0, term_id=1),
        row("concrete blocks", term_id=2),
        row("cinder blocks for sale", term_id=3),
        row("bloques de concreto", term_id=4),
        row("garden paving stones", clicks=7, term_id=5),
        row("paving stones price", term_id=6),
        row("adoquines para jardin", term_id=7),
        row("paving stones near me", clicks=1, term_id=8),
    ]
    clusters = propose_intent_clusters(rows, vectors, seed=0)
    assert [(c.name, c.terms, c.term_ids, c.clicks, c.conversions) for c in clusters] == [
        (
            "blocks / concrete",
            ("concrete blocks price", "bloques de concreto", "cinder blocks for sale", "concrete blocks"),
            (1, 4, 3, 2),
            24,
            1.0,
        ),
        (
            "paving stones",
            ("garden paving stones", "adoquines para jardin", "paving stones price", "paving stones near me"),
            (5, 7, 6, 8),
            18,
            0.0,
        ),
    ]
    assert clusters[0].starter_keywords == (
        "concrete blocks price",
        "cinder blocks for sale",
        "concrete blocks",
        "bloques de concreto",
    )
    assert clusters[1].starter_keywords == (
        "paving stones",
        "garden paving stones",
        "paving stones price",
        "paving stones near me",
        "adoquines para jardin",
    )
    assert clusters[0].cost_micros == 4_000_000


def test_same_seed_same_clusters() -> None:
    vectors = normalise_rows(np.random.default_rng(3).standard_normal((40, 8)))
    rows = [row(f"term {i}") for i in range(40)]
    first = propose_intent_clusters(rows, vectors, k=4, min_terms=1, seed=5)
    again = propose_intent_clusters(rows, vectors, k=4, min_terms=1, seed=5)
    assert first == again
    assert sum(len(c.terms) for c in first) == 40


def test_too_few_terms_give_no_clusters() -> None:
    assert propose_intent_clusters([row("a"), row("b")], normalise_rows(np.eye(2)), min_terms=3) == []


def test_demo_uncovered_intent_is_proposed(
    embedder: CachedEmbedder, demo_matcher: IntentMatcher, demo_rows: list[SearchTermRow]
) -> None:
    vectors = embedder.encode([r.text for r in demo_rows])
    matches = demo_matcher.predict_vectors(vectors)
    negatives = propose_negatives(
        demo_rows, matches, vectors=vectors, relevance_threshold=demo_matcher.similarity_threshold
    )
    candidates = unmatched_relevant(demo_rows, matches, negatives)
    clusters = propose_intent_clusters([demo_rows[i] for i in candidates], vectors[candidates], min_terms=2)
    assert [(c.name, c.terms, c.conversions) for c in clusters] == [
        (
            "blocks",
            ("varilla corrugada 3/8", "concrete blocks 8 inch", "cinder blocks for sale", "block de cemento 15x20"),
            4.0,
        )
    ]
    assert clusters[0].starter_keywords[:2] == ("concrete blocks 8 inch", "cinder blocks for sale")
