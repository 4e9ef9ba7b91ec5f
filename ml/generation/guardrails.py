"""Prompt-injection detection for marketer and landing-page text.

Two detectors vote per sentence: hand-written rules (:mod:`ml.generation.guard_rules`, six languages) for the
well-known shapes (overriding instructions, fake delimiters and chat turns, role play, prompt exfiltration, forced
output, notes to the copywriter, brand "mandates", URL insertion, language switches, format hijacks) and a small
character n-gram logistic regression trained on ``ml/generation/data/injection_train.jsonl`` for paraphrases.
Both read each sentence as the model would, disguises undone (:mod:`ml.generation.guard_text`: zero-width and bidi
characters, look-alike letters, leetspeak, letters written apart, base64 and hex payloads).
The classifier is trained on first use (a few hundred sentences, well under a second, fixed seed) rather than
shipped as a pickle, so it can never go stale against the installed scikit-learn.

A flagged input is refused with a clear message (``mode="refuse"``, the default), or generated with the suspicious
spans removed (``mode="strip"``): the flagged sentences, the sentence right after one when it orders output, and
every quoted string (attack payloads are usually quoted). Code-like words from removed spans become *canaries*:
an output asset containing one is dropped, because it could only have come from the removed text.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ml.generation.guard_rules import OUTPUT_VERB, RULES
from ml.generation.guard_text import decoded_blobs, detection_views

__all__ = ["RULES", "GuardMode", "GuardResult", "InjectionRefused", "contains_canary", "inspect", "split_sentences"]
GuardMode = Literal["refuse", "strip"]
TRAINING_DATA = Path(__file__).resolve().parent / "data" / "injection_train.jsonl"
THRESHOLD = 0.8

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_QUOTED = re.compile(r"'[^'\n]{1,80}'|\"[^\"\n]{1,80}\"|“[^”\n]{1,80}”|«[^»\n]{1,80}»")
_CODE_WORD = re.compile(r"\b(?=\w*\d)(?=\w*[A-Za-z])\w{4,}\b|\b[A-Z]{5,}\b")


class InjectionRefused(ValueError):
    """Raised in refuse mode; its message can be shown to the marketer as is (in English). ``reasons`` names the
    rules that flagged the text, empty when nothing would be left, so a caller can say it in another language."""

    def __init__(self, message: str, reasons: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.reasons = tuple(reasons)


@dataclass(frozen=True)
class GuardResult:
    """The verdict on one text.

    Attributes:
        flagged: any sentence was judged an injection attempt.
        text: the text to generate from: unchanged when not flagged, spans removed in strip mode.
        removed: the removed spans, for the audit log.
        reasons: rule names and ``classifier`` for every flagged sentence.
        canaries: code-like words that occur only in removed spans; outputs containing one are dropped.
    """

    flagged: bool
    text: str
    removed: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    canaries: frozenset[str] = field(default_factory=frozenset)


class _Classifier:
    def __init__(self) -> None:
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def _fit(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        rows = [json.loads(line) for line in TRAINING_DATA.read_text(encoding="utf-8").splitlines() if line]
        pipeline = make_pipeline(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True, min_df=2),
            LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000, random_state=0),
        )
        pipeline.fit([r["text"] for r in rows], [r["label"] for r in rows])
        return pipeline

    def scores(self, sentences: list[str]) -> list[float]:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._fit()
        if not sentences:
            return []
        return [float(p) for p in self._pipeline.predict_proba(sentences)[:, 1]]


_classifier = _Classifier()


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def sentence_reasons(sentence: str, score: float, threshold: float = THRESHOLD) -> list[str]:
    """Why one sentence is suspicious: the rule names matching any of its detection views, plus ``classifier``
    above the threshold."""
    return _reasons(detection_views(sentence), score, threshold)


def _reasons(views: list[str], score: float, threshold: float) -> list[str]:
    reasons = [name for name, pattern in RULES.items() if any(pattern.search(view) for view in views)]
    if score >= threshold:
        reasons.append("classifier")
    return reasons


@dataclass(frozen=True)
class _Verdict:
    reasons: list[str]
    hidden: list[str]  # texts decoded from base64 or hex blobs of the sentence


def _judge(sentences: list[str], threshold: float, depth: int = 0) -> list[_Verdict]:
    """Rules and classifier over every detection view of every sentence (one classifier call), then the
    decoded blobs, judged the same way (a blob inside a decoded blob too, once)."""
    views = [detection_views(sentence) for sentence in sentences]
    flat = [view for group in views for view in group]
    scores = iter(_classifier.scores(flat))
    verdicts = []
    for sentence, group in zip(sentences, views, strict=True):
        score = max(next(scores) for _ in group)
        reasons = _reasons(group, score, threshold)
        hidden = decoded_blobs(sentence) if depth < 2 else []
        for text in hidden:
            inner = _judge(split_sentences(text), threshold, depth + 1)
            reasons.extend(f"encoded:{reason}" for verdict in inner for reason in verdict.reasons)
        verdicts.append(_Verdict(list(dict.fromkeys(reasons)), hidden))
    return verdicts


def inspect(text: str, mode: GuardMode = "refuse", threshold: float = THRESHOLD) -> GuardResult:
    """Judge untrusted text and, in strip mode, remove the suspicious spans.

    Every sentence is judged as a model would read it: with invisible characters removed, look-alike letters,
    leetspeak and letters written apart folded back, and base64 or hex blobs decoded (see
    :mod:`ml.generation.guard_text`). Chat-template and role markers are flagged on sight.

    Args:
        text: marketer or landing-page text.
        mode: ``refuse`` raises on a flagged text; ``strip`` returns it with the spans removed.
        threshold: classifier probability above which a sentence counts as an injection.

    Returns:
        The verdict; ``result.text`` is what may reach the prompt.

    Raises:
        InjectionRefused: in refuse mode when the text is flagged, or in strip mode when nothing is left.
    """
    sentences = split_sentences(text)
    verdicts = _judge(sentences, threshold)
    flagged_at = [i for i, verdict in enumerate(verdicts) if verdict.reasons]
    reasons = [reason for verdict in verdicts for reason in verdict.reasons]
    if not flagged_at:
        return GuardResult(flagged=False, text=text)
    if mode == "refuse":
        raise InjectionRefused(
            "The text contains what looks like instructions to the AI model "
            f"({', '.join(sorted(set(reasons)))}), so nothing was generated. Remove them and try again, "
            "or ask an administrator to switch generation to removing suspicious text.",
            sorted(set(reasons)),
        )
    remove = set(flagged_at)
    # an attack's second sentence often carries the payload ("Ignore the above. Print X.")
    remove |= {i + 1 for i in flagged_at if i + 1 < len(sentences) and OUTPUT_VERB.search(sentences[i + 1])}
    removed = [sentences[i] for i in sorted(remove)]
    kept = [sentences[i] for i in range(len(sentences)) if i not in remove]
    kept_text = " ".join(kept)
    quoted = _QUOTED.findall(kept_text)
    for span in quoted:
        kept_text = kept_text.replace(span, " ")
    kept_text = " ".join(kept_text.split())
    hidden = [text for i in sorted(remove) for text in verdicts[i].hidden]
    canaries = {w.casefold() for span in removed + quoted + hidden for w in _CODE_WORD.findall(span)}
    canaries -= {w.casefold() for w in _CODE_WORD.findall(kept_text)}
    if not kept_text.strip():
        raise InjectionRefused("The text consists only of instructions to the AI model; nothing is left to use.")
    return GuardResult(
        flagged=True,
        text=kept_text,
        removed=tuple(removed + quoted),
        reasons=tuple(dict.fromkeys(reasons)),
        canaries=frozenset(canaries),
    )


def contains_canary(text: str, canaries: frozenset[str]) -> bool:
    """Whether a generated asset repeats a canary word (case-insensitive)."""
    folded = text.casefold()
    return any(c in folded for c in canaries)
