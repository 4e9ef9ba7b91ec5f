"""Pick the lines of an ad from more candidates than it needs: the best-scored first, each next one unlike those kept.

A candidate's score is the model's mean log-probability of its tokens (how fluent the line is to the model) plus
its similarity to the brief (how much it is about this product), plus a bonus for phrases the marketer wrote.
Selection is maximal marginal relevance: each step keeps the candidate with the best score minus its overlap with
the lines already kept, so fifteen headlines are fifteen different things to say. A near-duplicate of a kept line
(the same words in any order, case and accents aside) is never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ml.generation.quality import STOP_WORDS, stem, words

# a near-duplicate: the word stems of the two lines overlap this much (shared / all, Jaccard)
DUPLICATE_OVERLAP = 0.75
# how much overlap with kept lines costs, against a score in log-probability units
DIVERSITY = 1.5
# the model's log-probability of a typical fluent line; a brief phrase is scored as if it had this
BRIEF_LOGPROB = -0.9


@dataclass(frozen=True)
class Candidate:
    """A line that passed the checks, waiting for selection.

    Attributes:
        text: the line.
        source: ``model`` or ``brief``.
        logprob: the model's mean log-probability of its tokens (None for a brief phrase).
        similarity: cosine similarity to the brief (None without an embedder).
    """

    text: str
    source: str
    logprob: float | None = None
    similarity: float | None = None

    def score(self) -> float:
        fluency = self.logprob if self.logprob is not None else BRIEF_LOGPROB
        return fluency + 2.0 * (self.similarity or 0.0)


def _stems(text: str, language: str) -> frozenset[str]:
    stops = STOP_WORDS.get(language, frozenset())
    return frozenset(stem(w) for w in words(text) if w not in stops) or frozenset(words(text))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the shorter line's stems the other line has too."""
    return len(a & b) / max(min(len(a), len(b)), 1)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def select(
    candidates: Sequence[Candidate], wanted: int, language: str, taken: Sequence[str] = ()
) -> tuple[list[Candidate], list[Candidate]]:
    """Choose up to ``wanted`` candidates by maximal marginal relevance.

    Args:
        candidates: checked lines.
        wanted: how many to keep.
        language: for the stop words left out of the overlap.
        taken: lines already in use (e.g. the ad group's keywords): a near-duplicate of one is not kept.

    Returns:
        ``(kept, duplicates)``: the chosen ones in the order chosen, and those dropped as near-duplicates.
    """
    pool = sorted(candidates, key=lambda c: -c.score())
    kept: list[Candidate] = []
    kept_stems: list[frozenset[str]] = [_stems(t, language) for t in taken]
    duplicates: list[Candidate] = []
    stems = {id(c): _stems(c.text, language) for c in pool}
    while pool and len(kept) < wanted:
        best, best_value = None, float("-inf")
        for candidate in list(pool):
            mine = stems[id(candidate)]
            if any(jaccard(mine, k) >= DUPLICATE_OVERLAP for k in kept_stems):
                pool.remove(candidate)
                duplicates.append(candidate)
                continue
            nearest = max((overlap(mine, k) for k in kept_stems), default=0.0)
            value = candidate.score() - DIVERSITY * nearest
            if value > best_value:
                best, best_value = candidate, value
        if best is None:
            break
        pool.remove(best)
        kept.append(best)
        kept_stems.append(stems[id(best)])
    return kept, duplicates
