"""Search term → ad group (and keyword) matching, with a relevance threshold calibrated from data.

A public API that scripts outside the web app can use::

    from ml.matching import IntentMatcher

    matcher = IntentMatcher()                  # default: USE v3 + all-MiniLM concatenated (matcher_embedder)
    matcher.fit(texts, labels)                 # keywords / ad-group descriptions → ad group
    matcher.calibrate(texts, labels)           # labelled examples; label None = out of scope (irrelevant)
    matches = matcher.predict(queries)         # each has .label (None when out of scope) and .score

Two heads on the embeddings. ``"logistic"`` (the default): a class-balanced multinomial logistic regression
trained on the fitted texts; the score (``oos_score="probability+similarity"``, the default) is the mean of its
probability for the label and the cosine to the nearest fitted text, and the out-of-scope threshold is chosen
on that score for a stated out-of-scope recall (``oos_recall``, 0.6: at least that share of irrelevant terms
flagged, with confidence, and otherwise as few relevant ones lost as possible). The probability says how
sure the head is *between* labels; the cosine says whether the query is near anything fitted at all; either
alone misses what the other sees (banking77, 10 intents held out, USE + MiniLM: out-of-scope AUROC 0.919 on the
probability, 0.934 on the mean). ``"nearest"`` (the matcher before issue 19): a similarity-weighted vote of the
``k`` nearest fitted texts; the score is the cosine similarity to the nearest fitted text of that label. With
either, ``keyword`` is the fitted text of the label nearest to the
query and ``similarity`` its cosine. Before :meth:`IntentMatcher.calibrate` nothing is flagged out of scope.

On banking77 with 10 intents held out (``bench/matching_bench.py``), the logistic head beats nearest-neighbour
voting by 10+ points of in-scope accuracy at the same out-of-scope recall.

Without an embedder the matcher uses :func:`ml.matching.embeddings.matcher_embedder` (USE v3 and English
all-MiniLM-L6 with int8 Linear layers, concatenated, the cosine weighing USE 0.75 and all-MiniLM 0.25): 1+
points more closed-set accuracy on banking77 than USE alone, and Spanish similarity Spearman 0.804 (0.766 with
equal weights, 0.816 for USE alone). The web app passes its own (USE alone, cached on disk): its accounts are
Spanish as often as English, and all-MiniLM is English-only. The price is speed: int8 all-MiniLM costs ~2.1 ms
of CPU per search term against ~0.7-0.9 for USE; the two run on two threads, all-MiniLM's share split between
them once USE is done (see :class:`ml.matching.embeddings.ConcatEmbedder`), 2.5-3 ms of CPU per query end to
end. That split only pays where a second core is idle: on 2 cores shared with other work (load 5-10), 1,000 new
banking77 queries ran at 170-200 queries/s, 1.0-1.3x the previous default timed in the same rounds, at the same
CPU per query (bench/matching_bench.py ``--speed``; the previous default reached 431 queries/s at load 3).
Pass ``default_embedder()`` to match fast.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

    from ml.matching.embeddings import Embedder

Label = Hashable
RECALL_Z = 1.645  # one-sided 95 %, wilson_lower_bound's default
OOS_SCORES = ("probability+similarity", "probability")
# fitted texts from which the logistic head finds each query's keyword with one product per label
PER_LABEL_PRODUCT_FROM = 2048


@dataclass(frozen=True)
class SearchTermRow:
    """One row of a search-terms report, as plain values (the app maps its ``SearchTerm`` rows to these).

    Attributes:
        text: the search term as the user typed it.
        campaign_id: the campaign it was served in.
        ad_group_id: the ad group it was served in.
        clicks: clicks over the report period.
        cost_micros: cost over the report period, in micros.
        conversions: conversions over the report period (fractional with data-driven attribution).
        term_id: the app's row id, carried through to suggestions and clusters.
    """

    text: str
    campaign_id: int
    ad_group_id: int
    clicks: int = 0
    cost_micros: int = 0
    conversions: float = 0.0
    term_id: int | None = None


@dataclass(frozen=True)
class Match:
    """The matcher's answer for one query.

    Attributes:
        label: the matched ad group, or None when the query is out of scope (score below the threshold).
        score: the head's confidence: for the logistic head the mean of its probability and ``similarity``
            (or the probability alone, with ``oos_score="probability"``); for the nearest head the cosine.
        nearest_label: the best ad group even when out of scope, for review screens and clustering.
        keyword: the fitted text (keyword or description) of ``nearest_label`` most similar to the query.
        similarity: cosine similarity between the query and ``keyword``.
    """

    label: Label | None
    score: float
    nearest_label: Label
    keyword: str
    similarity: float | None = None


@dataclass(frozen=True)
class Calibration:
    """How the threshold was chosen, for logs and the benchmark.

    Attributes:
        threshold: scores below it are out of scope.
        method: ``"recall_target"`` (logistic head, out-of-scope examples, ``oos_recall`` set),
            ``"trade_off"`` (the same with ``oos_recall=None``), ``"youden"`` (nearest head, out-of-scope
            examples) or ``"quantile"`` (in-scope only).
        in_scope_kept: share of in-scope calibration examples at or above the threshold.
        out_of_scope_flagged: share of out-of-scope calibration examples below it (None without any).
        similarity_threshold: a threshold on the cosine similarity to the keyword: ``threshold`` when that is
            one, else the ``in_scope_quantile`` quantile of the in-scope examples' similarities; for callers
            that compare raw embeddings (relevance by association in negatives).
        on: what the threshold compares: ``"score"``, or ``"similarity"`` for the logistic head calibrated on
            in-scope examples only (a product account's converting terms): a head fitted on a handful of keywords
            per ad group spreads its probability thin, and without out-of-scope examples nothing says where on
            that scale irrelevance starts, while the cosine to the nearest keyword keeps its meaning.
    """

    threshold: float
    method: str
    in_scope_kept: float
    out_of_scope_flagged: float | None
    similarity_threshold: float | None = None
    on: str = "score"


class IntentMatcher:
    """Intent matcher over embedded keywords: a trained head, or nearest-neighbour voting.

    Args:
        embedder: any :class:`ml.matching.embeddings.Embedder`; None uses
            :func:`ml.matching.embeddings.matcher_embedder` (USE v3 + all-MiniLM).
        head: ``"logistic"`` or ``"nearest"`` (see the module docstring).
        C: the logistic head's inverse L2 strength; 10 was best on a validation split of banking77 (1 under-
            fits: 2 points less closed-set accuracy; 100 over-fits the probabilities).
        oos_recall: the out-of-scope recall the logistic head's threshold is chosen for (the default): the
            lowest threshold, so the most relevant terms kept, whose share of the calibration's out-of-scope
            examples flagged has a one-sided Wilson lower bound (at ``oos_confidence``) of at least this (with
            119 of them and 0.75, 76 flagged, 64 %, for 0.6). The goal's form, "at least 60 % of irrelevant
            terms caught, as few relevant ones lost as possible", carries to any embedder and score scale, where
            a fixed weight does not: the same ``oos_weight`` 0.3 chose 90.1/71.8 (in-scope accuracy / out-of-
            scope recall on the banking77 test split, %) with fp32 all-MiniLM and 87.0/83.3 with int8; 0.6 (at
            95 % confidence) chose 91.7/63.0 and 91.5/65.5 (bench/matching_bench.py). None uses ``oos_weight``.
        oos_confidence: the one-sided confidence of that bound. 0.75 (the default) asks ~64 % flagged on 119
            validation examples to certify 60 %; 0.95 (the previous default) asked 68 % and lost in-scope
            accuracy for it: banking77 test, USE + int8 all-MiniLM with equal weights, 92.0 % in-scope / 61.5 %
            out-of-scope recall against 91.6 / 65.3 (0.5, the share itself: 92.4 / 60.5, but below target about
            half the time).
        oos_weight: with ``oos_recall=None``, the out-of-scope trade-off for the logistic head's threshold: it
            maximises (in-scope examples kept *and* correctly labelled) + ``oos_weight`` × (out-of-scope examples
            flagged). Below 1 a lost relevant term counts more than a missed irrelevant one. On banking77 (USE +
            fp32 MiniLM, the default score) 0.1 gave 91.3/65.0, 0.2 and 0.3 gave 90.1/71.8, 0.5 gave 86.3/86.3.
        oos_score: what the logistic head's threshold compares: ``"probability+similarity"`` (the mean of the
            probability and the nearest fitted text's cosine) or ``"probability"`` (the head before this option).
            On banking77 (USE + MiniLM, C=10, ``oos_weight`` 0.3) 90.2/71.8 against 87.9/72.5; at the test
            threshold that flags 60 % of out-of-scope queries, 92.0 % in-scope accuracy against 91.0 %.
        k: (nearest head) neighbours that vote for the label. 1 (plain nearest neighbour) is the default: it
            was best on a validation split of banking77 train, and ad groups have few keywords in uneven
            numbers, where a vote favours the group with more near-duplicates.
        min_in_scope_kept: with out-of-scope examples, optionally constrain the threshold to keep at least
            this share of in-scope examples (a false "irrelevant" costs traffic once it becomes a negative).
        in_scope_quantile: when calibrating without out-of-scope examples, the share of in-scope examples
            allowed below the threshold.
        chunk_size: queries scored per matrix product; bounds memory at ``chunk_size × fitted texts`` floats.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        k: int = 1,
        in_scope_quantile: float = 0.05,
        min_in_scope_kept: float | None = None,
        chunk_size: int = 2048,
        head: str = "logistic",
        C: float = 10.0,
        oos_weight: float = 0.3,
        oos_score: str = "probability+similarity",
        oos_recall: float | None = 0.6,
        oos_confidence: float = 0.75,
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if head not in ("logistic", "nearest"):
            raise ValueError(f"head must be 'logistic' or 'nearest', got {head!r}")
        if oos_score not in OOS_SCORES:
            raise ValueError(f"oos_score must be one of {OOS_SCORES}, got {oos_score!r}")
        if oos_recall is not None and not 0 < oos_recall < 1:
            raise ValueError(f"oos_recall must be between 0 and 1 (exclusive) or None, got {oos_recall}")
        if not 0.5 <= oos_confidence < 1:
            raise ValueError(f"oos_confidence must be at least 0.5 and below 1, got {oos_confidence}")
        if C <= 0 or oos_weight < 0:
            raise ValueError(f"C must be positive and oos_weight not negative, got C={C}, oos_weight={oos_weight}")
        self.head = head
        self.C = C
        self.oos_weight = oos_weight
        self.oos_score = oos_score
        self.oos_recall = oos_recall
        self.oos_confidence = oos_confidence
        self._classifier: object | None = None
        self._embedder = embedder
        self.k = k
        self.in_scope_quantile = in_scope_quantile
        self.min_in_scope_kept = min_in_scope_kept
        self.chunk_size = chunk_size
        self.threshold: float | None = None
        self.similarity_threshold: float | None = None
        self.calibration: Calibration | None = None
        self._texts: list[str] = []
        self._label_ids: np.ndarray | None = None
        self._labels: list[Label] = []
        self._vectors: np.ndarray | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from ml.matching.embeddings import matcher_embedder

            self._embedder = matcher_embedder()
        return self._embedder

    @property
    def labels(self) -> list[Label]:
        """The distinct fitted labels, in first-seen order."""
        return list(self._labels)

    def fit(self, texts: Sequence[str], labels: Sequence[Label]) -> IntentMatcher:
        """Remember labelled texts (keywords, ad-group names or descriptions); replaces earlier fits."""
        if len(texts) != len(labels) or not texts:
            raise ValueError(f"fit needs equally many texts and labels, at least one: {len(texts)}, {len(labels)}")
        if any(label is None for label in labels):
            raise ValueError("fit labels cannot be None; None means 'out of scope' only in calibrate()")
        return self.fit_vectors(list(texts), labels, self.embedder.encode(list(texts)))

    def fit_vectors(self, texts: Sequence[str], labels: Sequence[Label], vectors: np.ndarray) -> IntentMatcher:
        """Like :meth:`fit`, with vectors the caller already has (unit-norm rows, one per text)."""
        import numpy as np

        index_of: dict[Label, int] = {}
        for label in labels:
            index_of.setdefault(label, len(index_of))
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts) or len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts, {len(labels)} labels and vectors of shape {vectors.shape}")
        self._texts = list(texts)
        self._labels = list(index_of)
        self._label_ids = np.array([index_of[label] for label in labels], dtype=np.int64)
        self._vectors = vectors
        self._classifier = None
        if self.head == "logistic" and len(self._labels) > 1:
            from sklearn.linear_model import LogisticRegression

            # class-balanced: ad groups have uneven keyword counts, and the bigger one must not win by size
            classifier = LogisticRegression(C=self.C, max_iter=300, class_weight="balanced")
            self._classifier = classifier.fit(vectors, self._label_ids)
        return self

    def calibrate(self, texts: Sequence[str], labels: Sequence[Label | None]) -> Calibration:
        """Choose the relevance threshold from labelled examples that were not used in :meth:`fit`.

        With out-of-scope examples (label None), the logistic head takes the lowest threshold (the most in-scope
        examples kept and correct) that flags ``oos_recall`` of them with ``oos_confidence`` (a one-sided Wilson
        lower bound on the share flagged), or with ``oos_recall=None`` the one maximising the ``oos_weight``
        trade-off. The nearest head maximises Youden's J, i.e. the share of in-scope examples kept plus the share
        of out-of-scope examples flagged; ties go to the lower threshold, which flags less (and, with
        ``min_in_scope_kept``, only thresholds keeping that share of in-scope examples qualify). With in-scope
        examples only, it is their ``in_scope_quantile`` quantile.
        """
        return self.calibrate_vectors(labels, self.embedder.encode(list(texts)))

    def calibrate_vectors(self, labels: Sequence[Label | None], vectors: np.ndarray) -> Calibration:
        """Like :meth:`calibrate`, with vectors the caller already has."""
        import numpy as np

        matches = self.predict_vectors(vectors, threshold=None)
        scores = np.array([m.score for m in matches], dtype=np.float64)
        out_of_scope = np.array([label is None for label in labels])
        inside, outside = np.sort(scores[~out_of_scope]), np.sort(scores[out_of_scope])
        if len(inside) == 0:
            raise ValueError("calibrate needs at least one in-scope example")
        similarities = np.array([m.similarity for m in matches], dtype=np.float64)
        on = "similarity" if self.head == "logistic" and len(outside) == 0 else "score"
        if on == "similarity":
            inside = np.sort(similarities[~out_of_scope])
        if len(outside) == 0:
            threshold = float(np.quantile(inside, self.in_scope_quantile, method="lower"))
            method = "quantile"
        elif self.head == "logistic":
            if self.oos_recall is not None:
                threshold = _recall_target_threshold(outside, self.oos_recall, self.oos_confidence)
                method = "recall_target"
            else:
                correct = np.array([m.label == y for m, y in zip(matches, labels, strict=True)])[~out_of_scope]
                threshold = _trade_off_threshold(scores[~out_of_scope], correct, outside, self.oos_weight)
                method = "trade_off"
        else:
            threshold, method = _youden_threshold(inside, outside, self.min_in_scope_kept), "youden"
        self.threshold = threshold
        # the nearest head (and the logistic one calibrated on similarity) already has a cosine threshold
        self.similarity_threshold = (
            threshold
            if self.head == "nearest" or on == "similarity"
            else float(np.quantile(similarities[~out_of_scope], self.in_scope_quantile, method="lower"))
        )
        self.calibration = Calibration(
            threshold=threshold,
            method=method,
            in_scope_kept=float(np.mean(inside >= threshold)),
            out_of_scope_flagged=float(np.mean(outside < threshold)) if len(outside) else None,
            similarity_threshold=self.similarity_threshold,
            on=on,
        )
        return self.calibration

    def predict(self, queries: Sequence[str]) -> list[Match]:
        """Match each query to a fitted label, or None when it scores below the calibrated threshold."""
        return self.predict_vectors(self.embedder.encode(list(queries)))

    def predict_vectors(
        self, vectors: np.ndarray, threshold: float | None | Literal["calibrated"] = "calibrated"
    ) -> list[Match]:
        """Like :meth:`predict`, with query vectors the caller already has.

        Args:
            vectors: ``(n, dim)`` unit-norm query vectors.
            threshold: ``"calibrated"`` uses :attr:`threshold`; a float overrides it; None flags nothing.
        """
        import numpy as np

        if self._vectors is None or self._label_ids is None:
            raise RuntimeError("call fit() before predict()")
        cut = self.threshold if threshold == "calibrated" else threshold
        on_similarity = threshold == "calibrated" and getattr(self.calibration, "on", "score") == "similarity"
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        k = min(self.k, len(self._texts))
        n_labels = len(self._labels)
        matches: list[Match] = []
        for start in range(0, len(vectors), self.chunk_size):
            chunk = vectors[start : start + self.chunk_size]
            rows = np.arange(len(chunk))
            if self.head == "logistic":
                if self._classifier is None:  # one label: it is the answer, with certainty
                    best, confidence = np.zeros(len(chunk), dtype=np.int64), np.ones(len(chunk))
                else:
                    classifier: Any = self._classifier
                    probabilities = classifier.predict_proba(chunk)
                    best = classifier.classes_[probabilities.argmax(axis=1)]
                    confidence = probabilities.max(axis=1)
                if len(self._texts) < PER_LABEL_PRODUCT_FROM:
                    # the keyword is the nearest text *of the chosen label*, from one product with every fitted
                    # text: a per-label product moved the demo's intent clusters in
                    # tests/campaigns/web/test_intent_clusters.py (float32 rounding suspected), and on a few
                    # hundred keywords the full product costs little
                    sims = chunk @ self._vectors.T
                    masked = np.where(self._label_ids[None, :] == best[:, None], sims, -np.inf)
                    nearest = masked.argmax(axis=1)
                    similarities = sims[rows, nearest]
                else:
                    nearest, similarities = self._nearest_of_label(chunk, best)
            else:
                sims = chunk @ self._vectors.T
                top = (
                    np.argpartition(-sims, k - 1, axis=1)[:, :k]
                    if k < sims.shape[1]
                    else np.tile(np.arange(sims.shape[1]), (len(sims), 1))
                )
                votes = np.zeros((len(sims), n_labels))
                for j in range(top.shape[1]):
                    np.add.at(votes, (rows, self._label_ids[top[:, j]]), np.maximum(sims[rows, top[:, j]], 0.0))
                best, confidence = votes.argmax(axis=1), None
                # the keyword is the nearest text *of the chosen label*, so a label and its evidence agree
                masked = np.where(self._label_ids[None, :] == best[:, None], sims, -np.inf)
                nearest = masked.argmax(axis=1)
                similarities = sims[rows, nearest]
            for row in rows:
                similarity = float(similarities[row])
                if confidence is None:
                    score = similarity
                elif self.oos_score == "probability":
                    score = float(confidence[row])
                else:
                    score = (float(confidence[row]) + similarity) / 2
                label = self._labels[best[row]]
                judged = similarity if on_similarity else score
                matches.append(
                    Match(
                        label=None if cut is not None and judged < cut else label,
                        score=score,
                        nearest_label=label,
                        keyword=self._texts[nearest[row]],
                        similarity=similarity,
                    )
                )
        return matches

    def _nearest_of_label(self, chunk: np.ndarray, best: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest fitted text of each query's label and its cosine, one product per label with only that
        label's texts: with thousands of fitted texts, the full product is most of the head's time (banking77,
        7,785 texts of 896 dimensions: 0.4 ms of CPU per query, the embedders ~3)."""
        import numpy as np

        assert self._vectors is not None and self._label_ids is not None
        nearest = np.empty(len(chunk), dtype=np.int64)
        similarities = np.empty(len(chunk), dtype=np.float32)
        order = np.argsort(self._label_ids, kind="stable")
        starts = np.searchsorted(self._label_ids[order], np.arange(len(self._labels) + 1))
        for label in np.unique(best):
            queries = np.flatnonzero(best == label)
            texts = order[starts[label] : starts[label + 1]]
            sims = chunk[queries] @ self._vectors[texts].T
            top = sims.argmax(axis=1)
            nearest[queries] = texts[top]
            similarities[queries] = sims[np.arange(len(queries)), top]
        return nearest, similarities


def _youden_threshold(inside: np.ndarray, outside: np.ndarray, min_kept: float | None = None) -> float:
    import numpy as np

    candidates = np.unique(np.concatenate([inside, outside]))
    kept = 1.0 - np.searchsorted(inside, candidates, side="left") / len(inside)
    flagged = np.searchsorted(outside, candidates, side="left") / len(outside)
    objective = kept + flagged
    if min_kept is not None:
        # kept falls as the threshold rises, so the lowest candidate always satisfies the constraint
        objective = np.where(kept >= min_kept, objective, -np.inf)
    return float(candidates[int(np.argmax(objective))])


def _trade_off_threshold(
    in_scores: np.ndarray, in_correct: np.ndarray, out_scores: np.ndarray, oos_weight: float
) -> float:
    """The threshold maximising (in-scope kept and correct) + ``oos_weight`` × (out-of-scope flagged); ties go to
    the lowest, which flags least."""
    import numpy as np

    order = np.argsort(in_scores)
    in_sorted, correct_sorted = in_scores[order], in_correct[order].astype(np.float64)
    # correct examples at or above each candidate = total correct - correct strictly below it
    correct_below = np.concatenate([[0.0], np.cumsum(correct_sorted)])
    outside = np.sort(out_scores)
    candidates = np.unique(np.concatenate([in_scores, out_scores]))
    below = np.searchsorted(in_sorted, candidates, side="left")
    kept_correct = (correct_sorted.sum() - correct_below[below]) / len(in_scores)
    flagged = np.searchsorted(outside, candidates, side="left") / len(outside)
    return float(candidates[int(np.argmax(kept_correct + oos_weight * flagged))])


def wilson_lower_bound(successes: np.ndarray, n: int, z: float = RECALL_Z) -> np.ndarray:
    """One-sided Wilson score lower bound of a proportion ``successes / n`` (elementwise)."""
    import numpy as np

    p = np.asarray(successes, dtype=np.float64) / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _recall_target_threshold(out_scores: np.ndarray, target: float, confidence: float = 0.95) -> float:
    """The lowest threshold (so the most in-scope examples kept, and kept correct: both only fall as the
    threshold rises) at which the share of out-of-scope examples flagged is ``target`` or more *with
    confidence*: its one-sided Wilson lower bound at ``confidence``, not the share itself, must reach the target,
    since a threshold chosen on ~100 examples flags fewer on new ones about half the time. Where no threshold can show
    that (too few out-of-scope examples), the one that flags them all."""
    import numpy as np

    outside = np.sort(out_scores)
    # a threshold just above the k-th lowest out-of-scope score flags k of them; candidates are those scores
    # (flagging the ones below) and one above the highest (flagging all)
    candidates = np.concatenate([outside, [np.nextafter(outside[-1], np.inf)]])
    flagged = np.searchsorted(outside, candidates, side="left")
    z = NormalDist().inv_cdf(confidence)
    ok = np.flatnonzero(wilson_lower_bound(flagged, len(outside), z) >= target)
    return float(candidates[ok[0]] if len(ok) else candidates[-1])
