from __future__ import annotations

import numpy as np
import pytest

from ml.matching.embeddings import CachedEmbedder, normalise_rows
from ml.matching.matcher import Calibration, IntentMatcher, SearchTermRow, wilson_lower_bound

CEMENT, CONCRETE, MORTAR, REBAR, TILES = 11, 12, 13, 21, 22  # the demo ad groups in conftest


def test_demo_terms_match_their_ad_groups_in_either_language(
    demo_matcher: IntentMatcher, demo_rows: list[SearchTermRow]
) -> None:
    queries = [
        "cemento portland precio",
        "portland cement price",
        "concreto premezclado precio m3",
        "mortero para ladrillo precio",
        "porcelain floor tiles",
        "steel rebar 3/8",
    ]
    assert [m.label for m in demo_matcher.predict(queries)] == [
        CEMENT,
        CEMENT,
        CONCRETE,
        MORTAR,
        TILES,
        REBAR,
    ]


def test_irrelevant_terms_fall_below_the_calibrated_threshold(demo_matcher: IntentMatcher) -> None:
    matches = demo_matcher.predict(
        [
            "dental cement",
            "cemento dental para coronas",
            "rubber cement glue",
            "tiles game online free",
            "mortar and pestle set",
        ]
    )
    assert [m.label for m in matches] == [None] * 5
    assert [m.nearest_label for m in matches] == [CONCRETE, REBAR, CEMENT, TILES, MORTAR]


def test_calibration_is_chosen_from_the_examples(demo_matcher: IntentMatcher) -> None:
    assert demo_matcher.calibration == Calibration(
        threshold=pytest.approx(0.6053, abs=1e-4),
        method="youden",
        in_scope_kept=0.8,
        out_of_scope_flagged=1.0,
        similarity_threshold=pytest.approx(demo_matcher.similarity_threshold),
    )


def test_match_names_the_nearest_keyword(demo_matcher: IntentMatcher) -> None:
    match = demo_matcher.predict(["camion de concreto para obra"])[0]
    assert (match.label, match.keyword) == (CONCRETE, "camion de concreto")


def test_youden_threshold_on_plain_vectors() -> None:
    # 2-d toy: label "a" at angle 0, queries at decreasing cosine; out-of-scope ones are the least similar
    angles = np.radians([0, 20, 40, 60, 70, 80])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    matcher = IntentMatcher(embedder=None, head="nearest").fit_vectors(["a"], ["a"], vectors[:1])
    calibration = matcher.calibrate_vectors(["a", "a", "a", None, "a", None], vectors)
    assert (round(calibration.threshold, 4), calibration.method) == (
        round(float(np.cos(angles[2])), 4),
        "youden",
    )
    assert (calibration.in_scope_kept, calibration.out_of_scope_flagged) == (0.75, 1.0)


def test_quantile_threshold_without_out_of_scope_examples() -> None:
    angles = np.radians(np.arange(0, 100, 10))
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    matcher = IntentMatcher(embedder=None, in_scope_quantile=0.2).fit_vectors(["a"], ["a"], vectors[:1])
    calibration = matcher.calibrate_vectors(["a"] * 10, vectors)
    assert (round(calibration.threshold, 4), calibration.method) == (
        round(float(np.cos(np.radians(80))), 4),
        "quantile",
    )


def test_uncalibrated_matcher_flags_nothing(embedder: CachedEmbedder) -> None:
    matcher = IntentMatcher(embedder).fit(["portland cement"], [CEMENT])
    assert matcher.predict(["guitar lessons"])[0].label == CEMENT


@pytest.mark.parametrize(
    ("options", "in_scope_correct", "out_of_scope_flagged"),
    [
        ({"head": "nearest"}, 74, 10),
        ({"head": "logistic", "oos_score": "probability", "oos_recall": None}, 75, 19),
        ({"head": "logistic", "oos_recall": None}, 73, 20),
        ({"head": "logistic", "oos_score": "probability", "oos_confidence": 0.95}, 71, 20),
        ({"head": "logistic", "oos_confidence": 0.95}, 74, 20),  # the previous default
        ({"head": "logistic", "oos_score": "probability"}, 74, 20),
        ({"head": "logistic"}, 75, 18),  # the default: oos_recall 0.6, oos_confidence 0.75
    ],
)
def test_banking77_subset_accuracy_and_out_of_scope(
    embedder: CachedEmbedder,
    banking77_small: dict[str, list[tuple[str, str]]],
    options: dict,
    in_scope_correct: int,
    out_of_scope_flagged: int,
) -> None:
    train, calibration, test = (
        banking77_small["train"],
        banking77_small["calibration"],
        banking77_small["test"],
    )
    matcher = IntentMatcher(embedder, **options).fit([t for t, _ in train], [label for _, label in train])
    matcher.calibrate([t for t, _ in calibration], [label or None for _, label in calibration])
    matches = matcher.predict([t for t, _ in test])
    in_scope = [(m, label) for m, (_, label) in zip(matches, test, strict=True) if label]
    out_of_scope = [m for m, (_, label) in zip(matches, test, strict=True) if not label]
    assert sum(m.label == label for m, label in in_scope) == in_scope_correct  # of 80
    # of 20, from 2 intents never seen in fit or calibrate
    assert sum(m.label is None for m in out_of_scope) == out_of_scope_flagged


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        ([], [], "at least one"),
        (["a", "b"], ["x"], "equally many"),
        (["a"], [None], "cannot be None"),
    ],
)
def test_fit_refuses_bad_input(texts: list[str], labels: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IntentMatcher(embedder=None).fit(texts, labels)


def test_predict_before_fit_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="fit"):
        IntentMatcher(embedder=None).predict_vectors(np.zeros((1, 2), np.float32))


def test_fit_vectors_refuses_misaligned_vectors() -> None:
    with pytest.raises(ValueError, match=r"2 texts, 2 labels and vectors of shape \(3, 2\)"):
        IntentMatcher(embedder=None).fit_vectors(["a", "b"], ["x", "y"], np.zeros((3, 2), np.float32))


def test_logistic_threshold_trades_out_of_scope_recall_for_in_scope_accuracy() -> None:
    # two labels on the axes; calibration queries at decreasing confidence, the last two out of scope
    angles = np.radians([0, 90, 10, 80, 30, 60, 45, 44])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    labels = ["x", "y", "x", "y", "x", "y", None, None]
    cautious = IntentMatcher(embedder=None, C=100.0, oos_recall=None).fit_vectors(["x", "y"], ["x", "y"], vectors[:2])
    calibration = cautious.calibrate_vectors(labels, vectors)
    assert (calibration.method, calibration.on, calibration.in_scope_kept, calibration.out_of_scope_flagged) == (
        "trade_off",
        "score",
        1.0,
        1.0,
    )
    assert [m.label for m in cautious.predict_vectors(vectors)] == ["x", "y", "x", "y", "x", "y", None, None]


def test_recall_target_threshold_flags_the_target_with_confidence() -> None:
    # labels on the axes; 20 in-scope queries near "x", 30 out-of-scope ones farther (30 to 44 degrees)
    inside = np.radians(np.linspace(0, 20, 20))
    outside = np.radians(np.linspace(30, 44, 30))
    angles = np.concatenate([[0.0, np.pi / 2], inside, outside])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    labels = ["x"] * 20 + [None] * 30
    matcher = IntentMatcher(embedder=None, oos_confidence=0.95).fit_vectors(["x", "y"], ["x", "y"], vectors[:2])
    calibration = matcher.calibrate_vectors(labels, vectors[2:])
    assert (calibration.method, calibration.on, calibration.in_scope_kept) == ("recall_target", "score", 1.0)
    # 60 % of 30 is 18, but 18/30 has a 95 % lower bound under 0.6: the least k with a bound >= 0.6 is 23
    flagged = round(calibration.out_of_scope_flagged * 30)
    assert flagged == 23
    bounds = wilson_lower_bound(np.array([flagged - 1, flagged]), 30)
    assert bounds[0] < 0.6 <= bounds[1]
    # a lower target flags fewer, and never more than the recall-free trade-off needs
    lenient = IntentMatcher(embedder=None, oos_recall=0.3).fit_vectors(["x", "y"], ["x", "y"], vectors[:2])
    assert lenient.calibrate_vectors(labels, vectors[2:]).out_of_scope_flagged < calibration.out_of_scope_flagged


def test_a_lower_confidence_flags_fewer_and_a_point_estimate_flags_the_target() -> None:
    from statistics import NormalDist

    inside = np.radians(np.linspace(0, 20, 20))
    outside = np.radians(np.linspace(30, 44, 30))
    angles = np.concatenate([[0.0, np.pi / 2], inside, outside])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    labels = ["x"] * 20 + [None] * 30
    flagged = {}
    for confidence in (0.5, 0.75, 0.95):
        matcher = IntentMatcher(embedder=None, oos_confidence=confidence)
        calibration = matcher.fit_vectors(["x", "y"], ["x", "y"], vectors[:2]).calibrate_vectors(labels, vectors[2:])
        flagged[confidence] = round(calibration.out_of_scope_flagged * 30)
        z = NormalDist().inv_cdf(confidence)
        bounds = wilson_lower_bound(np.array([flagged[confidence] - 1, flagged[confidence]]), 30, z)
        assert bounds[0] < 0.6 <= bounds[1]
    # at 50 % the bound is the share itself: 18 of 30 is 60 %
    assert flagged[0.5] == 18 < flagged[0.75] < flagged[0.95] == 23
    with pytest.raises(ValueError, match="oos_confidence"):
        IntentMatcher(embedder=None, oos_confidence=0.4)


def test_the_per_label_product_finds_the_same_keywords_as_the_full_one() -> None:
    from ml.matching import matcher as matcher_module

    rng = np.random.default_rng(7)
    centres = normalise_rows(rng.normal(size=(12, 32)))
    labels = [f"g{i % 12}" for i in range(600)]
    vectors = normalise_rows(centres[np.arange(600) % 12] + 0.6 * rng.normal(size=(600, 32)))
    queries = normalise_rows(centres[rng.integers(12, size=300)] + 0.6 * rng.normal(size=(300, 32)))
    texts = [f"t{i}" for i in range(600)]
    matcher = IntentMatcher(embedder=None).fit_vectors(texts, labels, vectors)
    full = matcher.predict_vectors(queries, threshold=None)
    before = matcher_module.PER_LABEL_PRODUCT_FROM
    matcher_module.PER_LABEL_PRODUCT_FROM = 1
    try:
        per_label = matcher.predict_vectors(queries, threshold=None)
    finally:
        matcher_module.PER_LABEL_PRODUCT_FROM = before
    assert [m.keyword for m in per_label] == [m.keyword for m in full]
    assert [m.label for m in per_label] == [m.label for m in full]
    assert np.allclose([m.similarity for m in per_label], [m.similarity for m in full], atol=1e-5)


def test_recall_target_with_too_few_out_of_scope_examples_flags_them_all() -> None:
    angles = np.radians([0, 90, 10, 80, 45])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    matcher = IntentMatcher(embedder=None).fit_vectors(["x", "y"], ["x", "y"], vectors[:2])
    calibration = matcher.calibrate_vectors(["x", "y", None], vectors[2:])
    assert (calibration.method, calibration.out_of_scope_flagged, calibration.in_scope_kept) == (
        "recall_target",
        1.0,
        1.0,
    )


def test_logistic_head_without_out_of_scope_examples_thresholds_the_similarity() -> None:
    angles = np.radians(np.arange(0, 100, 10))
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    matcher = IntentMatcher(embedder=None, in_scope_quantile=0.2).fit_vectors(["a", "b"], ["a", "b"], vectors[[0, 9]])
    calibration = matcher.calibrate_vectors(["a"] * 5 + ["b"] * 5, vectors)
    assert (calibration.method, calibration.on, round(calibration.threshold, 4)) == (
        "quantile",
        "similarity",
        round(float(np.cos(np.radians(40))), 4),
    )
    assert calibration.similarity_threshold == calibration.threshold


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"head": "mlp"}, "head must be"),
        ({"C": 0.0}, "C must be positive"),
        ({"oos_weight": -1.0}, "oos_weight"),
        ({"oos_recall": 1.0}, "oos_recall must be"),
        ({"oos_score": "energy"}, "oos_score must be"),
    ],
)
def test_matcher_options_are_checked(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IntentMatcher(embedder=None, **options)


def test_default_score_is_the_mean_of_probability_and_nearest_cosine() -> None:
    angles = np.radians([0, 90, 20, 70, 45])
    vectors = normalise_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    fitted = {"probability": None, "probability+similarity": None}
    for oos_score in fitted:
        matcher = IntentMatcher(embedder=None, oos_score=oos_score).fit_vectors(["x", "y"], ["x", "y"], vectors[:2])
        fitted[oos_score] = matcher.predict_vectors(vectors[2:], threshold=None)
    for plain, combined in zip(fitted["probability"], fitted["probability+similarity"], strict=True):
        assert combined.label == plain.label and combined.similarity == plain.similarity
        assert combined.score == pytest.approx((plain.score + plain.similarity) / 2)


def test_matcher_without_an_embedder_concatenates_use_and_minilm() -> None:
    from ml.matching.embeddings import matcher_embedder

    assert IntentMatcher().embedder is matcher_embedder()
    assert (matcher_embedder().name, matcher_embedder().dim) == (
        "use-multilingual-v3+all-minilm-l6-v2-int8@0.75:0.25",
        896,
    )
