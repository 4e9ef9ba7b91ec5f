"""Running a loaded model's forward the way every decode engine does: its lock, cache argument and prompt pass."""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import Any

import torch

from ml.generation.model.decode_int8 import without_first_token

# Held while a batch decodes: the loop may swap the model's LM head for a smaller one, so no other batch may run
# the same model meanwhile (one batching thread owns a model; this makes it a rule).
MODEL_LOCK = threading.RLock()


def cache_kwarg(model: Any) -> str:
    """The name the model's forward takes its KV cache by: ``cache`` (transformers >= 5.20) or ``past_key_values``."""
    import inspect

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def output_cache(out: Any) -> Any:
    """The KV cache a forward pass returned, under either name."""
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


def eos_ids(loaded: Any) -> tuple[int, ...]:
    """Token ids that end a row: the tokenizer's EOS and the model's generation config's (Gemma adds end-of-turn)."""
    ids: set[int] = set()
    for source in (
        loaded.tokenizer.eos_token_id,
        getattr(getattr(loaded.model, "generation_config", None), "eos_token_id", None),
    ):
        if isinstance(source, int):
            ids.add(source)
        elif source:
            ids.update(int(i) for i in source)
    return tuple(sorted(ids))


def prompt_pass(model: Any, encoded: dict[str, Any]) -> tuple[Any, torch.Tensor]:
    """The forward over each row's prompt not yet in ``encoded``'s cache (all of it when there is none).

    Positions come from the attention mask (left padding); the rows' own prompt tails hold no first token when a
    prefilled prefix precedes them, so int8 blocks may run them (:func:`without_first_token`). Call it with the
    model locked and under ``torch.inference_mode``.

    Returns:
        The forward's output (last-position logits, the cache with the whole prompt) and every row's positions.
    """
    input_ids, mask = encoded["input_ids"], encoded["attention_mask"]
    cache = encoded.get("cache")
    positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
    done_at = cache.get_seq_length() if cache is not None else 0
    kwargs: dict[str, Any] = {"use_cache": True}
    if cache is not None:
        kwargs[cache_kwarg(model)] = cache
    with without_first_token() if done_at > 0 else nullcontext():
        out = model(
            input_ids=input_ids[:, done_at:],
            attention_mask=mask,
            position_ids=positions[:, done_at:],
            logits_to_keep=1,
            **kwargs,
        )
    return out, positions
