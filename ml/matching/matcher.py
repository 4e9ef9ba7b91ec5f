"""Search term → ad group (and keyword) matching, with a relevance threshold calibrated from data.

A public API that scripts outside the web app can use::

    from ml.matching import IntentMatcher

    matcher = IntentMatcher()                  # default embedder (multilingual USE v3, cached)
    matcher.fit(texts, labels)                 # keywords / ad-group descriptions → ad group
    matcher.calibrate(texts, labels)           # labelled examples; label None = out of scope (irrelevant)
    matches = matcher.predict(queries)         # each has .label (None when out of scope) and .score

The label is a similarity-weighted vote of the ``k`` nearest fitted texts (k=1 by default); the score is the
cosine similarity to the nearest fitted text of that label, and ``keyword`` is that text. Before
:meth:`IntentMatcher.calibrate` nothing is flagged out of scope.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from ml.matching.embeddings import Embedder

Label = Hashable


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
        score: cosine similarity between the query and ``keyword``.
        nearest_label: the best ad group even when out of scope, for review screens and clustering.
        keyword: the fitted text (keyword or description) of ``nearest_label`` most similar to the query.
    """

    label: Label | None
    score: float
    nearest_label: Label
    keyword: str


@dataclass(frozen=True)
class Calibration:
    """How the threshold was chosen, for logs and the benchmark.

    Attributes:
        threshold: scores below it are out of scope.
        method: ``"youden"`` (in-scope and out-of-scope examples) or ``"quantile"`` (in-scope only).
        in_scope_kept: share of in-scope calibration examples at or above the threshold.
        out_of_scope_flagged: share of out-of-scope calibration examples below it (None without any).
    """

    threshold: float
    method: str
    in_scope_kept: float
    out_of_scope_flagged: float | None


class IntentMatcher:
    """Nearest-neighbour intent matcher over embedded keywords.

    Args:
        embedder: any :class:`ml.matching.embeddings.Embedder`; None uses
            :func:`ml.matching.embeddings.default_embedder`.
        k: neighbours that vote for the label. 1 (plain nearest neighbour) is the default: it was best on a
            validation split of banking77 train, and ad groups have few keywords in uneven numbers, where a
            vote favours the group with more near-duplicates.
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
    ) -> None:
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        self._embedder = embedder
        self.k = k
        self.in_scope_quantile = in_scope_quantile
        self.min_in_scope_kept = min_in_scope_kept
        self.chunk_size = chunk_size
        self.threshold: float | None = None
        self.calibration: Calibration | None = None
        self._texts: list[str] = []
        self._label_ids: np.ndarray | None = None
        self._labels: list[Label] = []
        self._vectors: np.ndarray | None = None

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from ml.matching.embeddings import default_embedder

            self._embedder = default_embedder()
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
        return self

    def calibrate(self, texts: Sequence[str], labels: Sequence[Label | None]) -> Calibration:
        """Choose the relevance threshold from labelled examples that were not used in :meth:`fit`.

        With out-of-scope examples (label None) the threshold maximises Youden's J, i.e. the share of in-scope
        examples kept plus the share of out-of-scope examples flagged; ties go to the lower threshold, which
        flags less (and, with ``min_in_scope_kept``, only thresholds keeping that share of in-scope examples
        qualify). With in-scope examples only, it is their ``in_scope_quantile`` quantile.
        """
        return self.calibrate_vectors(labels, self.embedder.encode(list(texts)))

    def calibrate_vectors(self, labels: Sequence[Label | None], vectors: np.ndarray) -> Calibration:
        """Like :meth:`calibrate`, with vectors the caller already has."""
        import numpy as np

        scores = np.array([m.score for m in self.predict_vectors(vectors, threshold=None)], dtype=np.float64)
        out_of_scope = np.array([label is None for label in labels])
        inside, outside = np.sort(scores[~out_of_scope]), np.sort(scores[out_of_scope])
        if len(inside) == 0:
            raise ValueError("calibrate needs at least one in-scope example")
        if len(outside) == 0:
            threshold = float(np.quantile(inside, self.in_scope_quantile, method="lower"))
            method = "quantile"
        else:
            threshold, method = _youden_threshold(inside, outside, self.min_in_scope_kept), "youden"
        self.threshold = threshold
        self.calibration = Calibration(
            threshold=threshold,
            method=method,
            in_scope_kept=float(np.mean(inside >= threshold)),
            out_of_scope_flagged=float(np.mean(outside < threshold)) if len(outside) else None,
        )
        return self.calibration

    def predict(self, queries: Sequence[str]) -> list[Match]:
        """Match each query to a fitted label, or None when it scores below the calibrated threshold."""
        return self.predict_vectors(self.embedder.encode(list(queries)))

    def predict_vectors(self, vectors: np.ndarray, threshold: float | None | str = "calibrated") -> list[Match]:
        """Like :meth:`predict`, with query vectors the caller already has.

        Args:
            vectors: ``(n, dim)`` unit-norm query vectors.
            threshold: ``"calibrated"`` uses :attr:`threshold`; a float overrides it; None flags nothing.
        """
        import numpy as np

        if self._vectors is None or self._label_ids is None:
            raise RuntimeError("call fit() before predict()")
        cut = self.threshold if threshold == "calibrated" else threshold
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        k = min(self.k, len(self._texts))
        n_labels = len(self._labels)
        matches: list[Match] = []
        for start in range(0, len(vectors), self.chunk_size):
            sims = vectors[start : start + self.chunk_size] @ self._vectors.T
            rows = np.arange(len(sims))
            top = (
                np.argpartition(-sims, k - 1, axis=1)[:, :k]
                if k < sims.shape[1]
                else np.tile(np.arange(sims.shape[1]), (len(sims), 1))
            )
            votes = np.zeros((len(sims), n_labels))
            for j in range(top.shape[1]):
                np.add.at(votes, (rows, self._label_ids[top[:, j]]), np.maximum(sims[rows, top[:, j]], 0.0))
            best = votes.argmax(axis=1)
            # the score is the nearest text *of the voted label*, so a label and its evidence agree
            masked = np.where(self._label_ids[None, :] == best[:, None], sims, -np.inf)
            nearest = masked.argmax(axis=1)
            for row in rows:
                score = float(sims[row, nearest[row]])
                label = self._labels[best[row]]
                matches.append(
                    Match(
                        label=None if cut is not None and score < cut else label,
                        score=score,
                        nearest_label=label,
                        keyword=self._texts[nearest[row]],
                    )
                )
        return matches


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
