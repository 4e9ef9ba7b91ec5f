"""Issue 19's measurements, used by ``bench/matching_bench.py``: banking77 with 10 intents held out as out of
scope, and a Spanish similarity set with graded scores.

banking77 protocol: 10 of the 77 intents (seeded) are held out. The matcher is fitted on 90% of train (held-out
intents removed), its threshold calibrated on the other 10% of train (held-out intents included, labelled None),
and it is judged on test: in-scope accuracy (the right intent *and* not flagged; a flag counts as an error) and
out-of-scope recall (held-out queries flagged). Also reported: closed-set accuracy (no threshold) and accuracy
among in-scope queries kept.

Spanish similarity: ``bench/data/es_similarity_groups.tsv`` holds 60 groups in 10 domains, each an anchor, a
paraphrase and a partial match (same topic, another detail or intent), written for this benchmark. Pairs and
scores (0-5): anchor-paraphrase 5; anchor-partial and paraphrase-partial 3; anchors of two groups of the same
domain 1; paraphrases two groups apart in the same domain 1; anchors of groups in different domains 0.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ml.matching.embeddings import Embedder
from ml.matching.matcher import IntentMatcher

SEED = 20260401
GROUPS = Path(__file__).resolve().parent / "data" / "es_similarity_groups.tsv"


def oos_split(
    train: tuple[list[str], list[str]], test: tuple[list[str], list[str]], held_out: int = 10, seed: int = SEED
) -> dict:
    rng = np.random.default_rng(seed)
    intents = sorted(set(train[1]))
    held = {str(i) for i in rng.choice(intents, held_out, replace=False)}
    order = rng.permutation(len(train[0]))
    n_val = len(order) // 10
    fit = [i for i in order[n_val:] if train[1][i] not in held]
    val = list(order[:n_val])
    return {
        "held_out": sorted(held),
        "fit": ([train[0][i] for i in fit], [train[1][i] for i in fit]),
        "calibrate": ([train[0][i] for i in val], [None if train[1][i] in held else train[1][i] for i in val]),
        "test": (test[0], [None if y in held else y for y in test[1]]),
    }


def run_protocol(
    split: dict,
    embedder: Embedder,
    head: str,
    oos_score: str = "probability+similarity",
    oos_recall: float | None = 0.6,
    oos_confidence: float = 0.75,
) -> dict:
    """Fit, calibrate and test one matcher; embeddings are computed once up front (and timed apart)."""
    texts = split["fit"][0] + split["calibrate"][0] + split["test"][0]
    start = time.perf_counter()
    vectors = embedder.encode(texts)
    embed_s = time.perf_counter() - start
    n_fit, n_cal = len(split["fit"][0]), len(split["calibrate"][0])
    fit_v, cal_v, test_v = vectors[:n_fit], vectors[n_fit : n_fit + n_cal], vectors[n_fit + n_cal :]
    matcher = IntentMatcher(
        embedder, head=head, oos_score=oos_score, oos_recall=oos_recall, oos_confidence=oos_confidence
    )
    start = time.perf_counter()
    matcher.fit_vectors(split["fit"][0], split["fit"][1], fit_v)
    calibration = matcher.calibrate_vectors(split["calibrate"][1], cal_v)
    fit_calibrate_s = time.perf_counter() - start
    start = time.perf_counter()
    matches = matcher.predict_vectors(test_v)
    head_qps = len(matches) / (time.perf_counter() - start)
    truth = split["test"][1]
    inside = [(m, y) for m, y in zip(matches, truth, strict=True) if y is not None]
    outside = [m for m, y in zip(matches, truth, strict=True) if y is None]
    kept = [(m, y) for m, y in inside if m.label is not None]
    # diagnostics on test, not the protocol: how well the score ranks, whatever threshold calibration picks
    in_scores = np.array([m.score for m, _ in inside])
    in_right = np.array([m.nearest_label == y for m, y in inside])
    out_scores = np.sort([m.score for m in outside])
    flag_60 = out_scores[int(np.ceil(0.6 * len(out_scores))) - 1]  # flags 60 % of the out-of-scope queries
    auroc = float(np.mean(in_scores[:, None] > out_scores[None, :]) + 0.5 * np.mean(in_scores[:, None] == out_scores))
    weight_used, sweep = matcher.oos_weight, {}
    if head == "logistic":
        settings = (
            [("oos_weight", w) for w in (0.1, 0.2, 0.3, 0.5, 1.0)]
            + [("oos_recall", r) for r in (0.5, 0.6, 0.7)]
            + [("oos_confidence", c) for c in (0.5, 0.75, 0.95)]
        )
        for setting, value in settings:
            matcher.oos_recall = None if setting == "oos_weight" else value if setting == "oos_recall" else 0.6
            matcher.oos_weight = value if setting == "oos_weight" else weight_used
            matcher.oos_confidence = value if setting == "oos_confidence" else oos_confidence
            cal = matcher.calibrate_vectors(split["calibrate"][1], cal_v)
            swept = matcher.predict_vectors(test_v)
            sweep[f"{setting}={value}"] = {
                "validation_out_of_scope_flagged": round(float(cal.out_of_scope_flagged or 0.0), 4),
                "in_scope_accuracy": round(
                    float(np.mean([m.label == y for m, y in zip(swept, truth, strict=True) if y is not None])), 4
                ),
                "out_of_scope_recall": round(
                    float(np.mean([m.label is None for m, y in zip(swept, truth, strict=True) if y is None])), 4
                ),
            }
    return {
        "embedder": embedder.name,
        "head": head,
        "oos_score": oos_score if head == "logistic" else "similarity",
        "oos_recall": oos_recall if head == "logistic" else None,
        "oos_confidence": oos_confidence if head == "logistic" and oos_recall is not None else None,
        "oos_weight": weight_used if head == "logistic" and oos_recall is None else None,
        "test_sweep_of_settings": sweep,
        "in_scope_accuracy": round(float(np.mean([m.label == y for m, y in inside])), 4),
        "out_of_scope_recall": round(float(np.mean([m.label is None for m in outside])), 4),
        "closed_set_accuracy": round(float(np.mean([m.nearest_label == y for m, y in inside])), 4),
        "test_diagnostic_auroc": round(auroc, 4),
        "test_diagnostic_in_scope_accuracy_at_60_recall": round(float(np.mean(in_right & (in_scores > flag_60))), 4),
        "accuracy_of_kept_in_scope": round(float(np.mean([m.label == y for m, y in kept])), 4) if kept else None,
        "threshold": round(calibration.threshold, 4),
        "calibration_method": calibration.method,
        "fit_plus_calibrate_s": round(fit_calibrate_s, 2),
        "embedding_s_for_all_texts": round(embed_s, 1),
        "head_predict_queries_per_s": round(head_qps, 1),
        "n_fit": n_fit,
        "n_calibrate": n_cal,
        "n_test_in_scope": len(inside),
        "n_test_out_of_scope": len(outside),
    }


def predict_throughput(
    split: dict,
    cached: Embedder,
    fresh: Embedder,
    n_queries: int = 1000,
    bare: dict[str, Callable[[list[str]], object]] | None = None,
    rounds: int = 2,
    alongside: dict[str, Callable[[list[str]], object]] | None = None,
) -> dict:
    """End-to-end :meth:`IntentMatcher.predict` queries/s, embedding included, as a search-terms import pays
    it: the matcher is fitted and calibrated on ``cached`` vectors, then predicts ``n_queries`` test queries
    through ``fresh`` (the same model, no cache).

    ``bare`` names the models' own encode calls (no wrapper, no head) timed on the same queries in the same
    rounds, alternating with the end-to-end runs so that load from other processes hits both alike; the ratio
    is end-to-end over the bare forward passes run one after another. ``alongside`` names other calls (another
    matcher's ``predict``) timed the same way, for an A/B that load cannot skew. Each figure is the best of ``rounds``;
    CPU ms per query (this process's CPU time) is reported beside the wall-clock rate, being less sensitive to
    other processes on a shared machine."""
    texts = split["fit"][0] + split["calibrate"][0]
    vectors = cached.encode(texts)
    n_fit = len(split["fit"][0])
    matcher = IntentMatcher(fresh).fit_vectors(split["fit"][0], split["fit"][1], vectors[:n_fit])
    matcher.calibrate_vectors(split["calibrate"][1], vectors[n_fit:])
    fresh.encode(["warm up"])  # model load is once per process, not per query
    queries = list(dict.fromkeys(split["test"][0]))[:n_queries]
    bare = bare or {}
    alongside = alongside or {}
    for encode in [*bare.values(), *alongside.values()]:
        encode(["warm up"])
    best: dict[str, tuple[float, float]] = {}

    def timed(name: str, call: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        old = best.get(name, (float("inf"), float("inf")))
        best[name] = (min(old[0], wall), min(old[1], cpu))

    for _ in range(rounds):
        # a fresh matcher embedder cache is not needed: ``fresh`` has none, so every query is embedded
        timed("end_to_end", lambda: matcher.predict(queries))
        for name, encode in [*bare.items(), *alongside.items()]:
            timed(name, functools.partial(encode, queries))
    query_vectors = fresh.encode(queries)
    timed("head", lambda: matcher.predict_vectors(query_vectors))
    n = len(queries)
    out: dict = {
        "queries": n,
        "embedder": fresh.name,
        "queries_per_s": round(n / best["end_to_end"][0], 1),
        "cpu_ms_per_query": round(1000 * best["end_to_end"][1] / n, 3),
        "head_only_queries_per_s": round(n / best["head"][0], 1),
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    for name in alongside:
        out[name] = {
            "queries_per_s": round(n / best[name][0], 1),
            "cpu_ms_per_query": round(1000 * best[name][1] / n, 3),
        }
        out[f"end_to_end_over_{name}"] = round(best[name][0] / best["end_to_end"][0], 3)
    if bare:
        out["bare_forward"] = {
            name: {"queries_per_s": round(n / best[name][0], 1), "cpu_ms_per_query": round(1000 * best[name][1] / n, 3)}
            for name in bare
        }
        bare_s = sum(best[name][0] for name in bare)
        out["bare_forward_one_after_another_queries_per_s"] = round(n / bare_s, 1)
        out["end_to_end_over_bare"] = round(bare_s / best["end_to_end"][0], 3)
    return out


def fit_time_20k(split: dict, embedder: Embedder) -> dict:
    """The logistic head's fit + calibrate on 20,000 phrases (banking77 fit phrases cycled: same text
    distribution, twice the rows), embeddings excluded: they are measured by the throughput part."""
    texts, labels = split["fit"]
    vectors = embedder.encode(texts + split["calibrate"][0])  # cached by then
    reps = -(-20_000 // len(texts))
    rng = np.random.default_rng(SEED)
    big = np.tile(vectors[: len(texts)], (reps, 1))[:20_000]
    # a little noise so the copies are not identical rows (a solver converges faster on exact duplicates)
    big = big + rng.normal(0, 0.01, big.shape).astype(np.float32)
    big /= np.linalg.norm(big, axis=1, keepdims=True)
    start = time.perf_counter()
    matcher = IntentMatcher(embedder).fit_vectors((texts * reps)[:20_000], (labels * reps)[:20_000], big)
    matcher.calibrate_vectors(split["calibrate"][1], vectors[len(texts) :])
    return {"phrases": 20_000, "fit_plus_calibrate_s": round(time.perf_counter() - start, 1)}


def spanish_pairs() -> list[tuple[str, str, float]]:
    rows = [line.split("\t") for line in GROUPS.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    pairs = []
    for i, (domain, anchor, paraphrase, partial) in enumerate(rows):
        pairs += [(anchor, paraphrase, 5.0), (anchor, partial, 3.0), (paraphrase, partial, 3.0)]
        same = [j for j, row in enumerate(rows) if row[0] == domain]
        k = same.index(i)
        pairs.append((anchor, rows[same[(k + 1) % len(same)]][1], 1.0))
        pairs.append((paraphrase, rows[same[(k + 2) % len(same)]][2], 1.0))
        pairs.append((anchor, rows[(i + len(same)) % len(rows)][1], 0.0))
    return pairs


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def spanish_similarity(embedders: dict[str, Embedder]) -> dict:
    pairs = spanish_pairs()
    gold = [score for _a, _b, score in pairs]
    out: dict = {"pairs": len(pairs), "groups_file": str(GROUPS.relative_to(GROUPS.parents[2]))}
    for name, embedder in embedders.items():
        a = embedder.encode([p[0] for p in pairs])
        b = embedder.encode([p[1] for p in pairs])
        out[name] = round(spearman(np.sum(a * b, axis=1).tolist(), gold), 4)
    return out
