"""One batch through one engine: order the rows by prefix, encode (prefixes prefilled once), build the batch's rules,
decode with the engine the options choose (``generate`` when it cannot take the batch), and decode the text."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ml.ad_rules import BOTH_PLATFORMS, Platform
from ml.generation.cache.prefix_store import prefill_shared_prefixes, prefix_text
from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.engines.base import engine as decoder
from ml.generation.items import Completion, GenerationItem


def run_batch(
    loaded: Any,
    items: Sequence[GenerationItem],
    seed: int = 0,
    temperature: float = 0.5,
    top_k: int = 40,
    platforms: tuple[Platform, ...] = BOTH_PLATFORMS,
    options: DecodeOptions = DEFAULT_OPTIONS,
) -> list[Completion]:
    """Generate for one batch with the limits enforced while decoding.

    Args:
        loaded: a :class:`~ml.generation.model.loading.LoadedModel`.
        items: the rows.
        seed: torch seed set right before sampling; the same batch and seed give the same text.
        temperature: sampling temperature; 0 decodes greedily.
        top_k: sample among the k most likely tokens. Top-k, not top-p: top-p sorts the whole 262k vocabulary
            for every row at every step, which costs more than a small model's forward pass on CPU.
        platforms: whose widths the limits count.
        options: the engine and what it may skip (:class:`~ml.generation.engines.base.DecodeOptions`).

    Returns:
        One completion per item, in order.
    """
    import torch

    from ml.generation.rules import BatchRules, LineLimitProcessor, ListStop, Sampling, TokenTrace

    tokenizer = loaded.tokenizer
    started = time.perf_counter()
    # rows that share a few-shot prefix side by side: prefix attention reads each prefix once per run of rows
    order = sorted(range(len(items)), key=lambda i: prefix_text(items[i].prompt)) if options.share_prefix else None
    if order is not None:
        items = [items[i] for i in order]
    torch.manual_seed(seed)
    engine = options.engine_for(loaded.device)
    if options.share_prefix:
        # the decode loop reads each prefix once (shared layout); model.generate gets the copied one
        longest = max(item.max_new_tokens for item in items) if engine == "loop" else None
        encoded = prefill_shared_prefixes(loaded, [item.prompt for item in items], longest)
    else:
        encoded = dict(tokenizer([item.prompt for item in items], return_tensors="pt", padding=True))
    encoded = {k: v.to(loaded.device) if hasattr(v, "to") else v for k, v in encoded.items()}
    limits = None
    if options.enforce_limits:
        limits = LineLimitProcessor(
            tokenizer, [item.limit for item in items], platforms, [item.alphabet for item in items]
        )
    trace = TokenTrace(len(items))
    rules = BatchRules(limits, ListStop(tokenizer, [item.max_lines for item in items]), trace)
    caps = [item.max_new_tokens for item in items]
    sampling = Sampling(temperature, top_k)
    rows = decoder(engine)(loaded, encoded, caps, rules, sampling, options)
    if rows is None:  # the engine cannot take this model or batch
        rows = decoder("generate")(loaded, encoded, caps, rules, sampling, options)
        assert rows is not None  # the generate engine takes every model and batch
    seconds = time.perf_counter() - started
    completions = []
    for tokens, logprobs, item in zip(rows, trace.logprobs, items, strict=True):
        tokens = tokens[: item.max_new_tokens]
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        completions.append(
            Completion(
                text=text,
                new_tokens=len(tokens),
                batch_size=len(items),
                seconds=seconds,
                token_ids=tuple(tokens),
                logprobs=tuple(logprobs[: len(tokens)]),
            )
        )
    if order is not None:
        in_order: list[Completion] = [completions[0]] * len(items)
        for position, original in enumerate(order):
            in_order[original] = completions[position]
        completions = in_order
    return completions
