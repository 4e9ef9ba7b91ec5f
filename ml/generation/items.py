"""One row of a batch: the prompt the batcher takes and the completion it gives back."""

from __future__ import annotations

from dataclasses import dataclass

from ml.ad_rules import AssetLimit


@dataclass(frozen=True)
class GenerationItem:
    """One prompt to complete.

    Attributes:
        prompt: the full prompt text.
        limit: the width limit and banned characters of every line it writes.
        max_lines: the row stops after this many lines.
        max_new_tokens: a hard cap on generated tokens.
        alphabet: the script the line is written in (a key of :data:`~ml.generation.tables.ALPHABETS`, e.g.
            ``LANGUAGE_ALPHABET["es"]``); tokens outside it are never written. None allows every script.
    """

    prompt: str
    limit: AssetLimit
    max_lines: int
    max_new_tokens: int = 96
    alphabet: str | None = None


@dataclass(frozen=True)
class Completion:
    """The model's continuation of one prompt.

    Attributes:
        text: generated text (special tokens removed).
        new_tokens: tokens generated for this row, up to its stop (padding after it is not counted).
        batch_size: rows in the batch that produced it.
        seconds: wall time of that batch.
        token_ids: the generated token ids, up to the row's stop.
        logprobs: the model's log-probability of each of those tokens before the width mask and sampling
            (:class:`~ml.generation.rules.TokenTrace`); empty when the engine does not record them.
    """

    text: str
    new_tokens: int
    batch_size: int
    seconds: float
    token_ids: tuple[int, ...] = ()
    logprobs: tuple[float, ...] = ()
