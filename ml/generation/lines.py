"""A completion split into its lines, each with what the model thought of it.

A row writes one asset per line. :func:`scored_lines` cuts its tokens at the newlines and keeps, per line, the
model's mean log-probability of the line's tokens (how sure it was of the wording) and the log-probability of the
newline or end token that ended it (:class:`~ml.generation.rules.TokenTrace`): a line the model ended itself has a
likely newline; a line the width limit ended ("Cemento Portland en Sacos de 5") has a newline the model did not want,
because every token it wanted was masked. A line the row's token cap ended has no end at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ml.generation.items import Completion
from ml.generation.prompts import parse_lines, strip_bullet


@dataclass(frozen=True)
class ScoredLine:
    """One generated line.

    Attributes:
        text: the line, stripped, bullets removed.
        mean_logprob: the model's mean log-probability of the line's tokens; None without a trace.
        end_logprob: the log-probability of the token that ended it (newline or end of text); None without a
            trace, and ``-inf`` when the row's token cap ended it (nothing ended it).
    """

    text: str
    mean_logprob: float | None = None
    end_logprob: float | None = None

    def ended_by_model(self, min_end_probability: float) -> bool:
        """Whether the model itself ended the line (its end token was at least this likely); True without a trace."""
        if self.end_logprob is None:
            return True
        return self.end_logprob >= math.log(min_end_probability)


def scored_lines(completion: Completion, tokenizer: Any, max_items: int) -> list[ScoredLine]:
    """Split a completion into scored lines, up to its first blank line (the list's end).

    Without token ids or a trace (an engine that does not record) the lines come from the text, unscored.

    Args:
        completion: the row's completion.
        tokenizer: the model's tokenizer (to read each token's text).
        max_items: at most this many lines.
    """
    if not completion.token_ids or len(completion.logprobs) != len(completion.token_ids):
        return [ScoredLine(t) for t in parse_lines(completion.text, max_items)]
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    lines: list[ScoredLine] = []
    text, logprobs = "", []  # the line being read
    for token, logprob in zip(completion.token_ids, completion.logprobs, strict=True):
        piece = "" if token in special else tokenizer.decode([token])
        ended = token in special or "\n" in piece
        head = piece.split("\n", 1)[0]
        if head:
            text += head
            logprobs.append(logprob)
        elif not ended:
            logprobs.append(logprob)
        if not ended:
            continue
        if strip_bullet(text):
            mean = sum(logprobs) / len(logprobs) if logprobs else 0.0
            lines.append(ScoredLine(strip_bullet(text), mean, logprob))
            if len(lines) >= max_items:
                return lines
        elif lines:
            return lines  # a blank line ends the list
        if token in special or "\n\n" in piece:
            return lines if lines else []
        text, logprobs = piece.split("\n", 1)[1].lstrip("\n"), []
    if strip_bullet(text) and len(lines) < max_items:  # the token cap ended the row mid-line
        lines.append(ScoredLine(strip_bullet(text), sum(logprobs) / max(len(logprobs), 1), float("-inf")))
    return lines
