"""A decode loop that drops finished rows: each step computes only the rows still writing.

``model.generate`` keeps every row of a batch until the longest one ends: a headline list that stops after 20 tokens
rides along, padded, while a description row writes 60. Measured on the benchmark's 28-row batches, only half of
the row-steps produced a token. This loop runs the same model forward, logits processor, sampling and stop rule,
but after every step it removes the rows that finished (from the KV cache, the attention mask and the processors'
per-row state), so a step costs what the live rows cost.

The KV cache is preallocated: transformers' ``DynamicLayer`` appends each step with ``torch.cat``, copying the
whole cache of every layer (on two CPU cores that copy was half of a 28-row decode step). :class:`GrowingLayer`
writes into a buffer sized for the prompt plus the longest continuation and hands attention views of the filled
part, so attention sees exactly the tokens it saw before. Layers of other kinds (a model configured by the user may
bring them) are left as they are, and rows are then not dropped, only skipped.

The width limit, stop and sampling rule are :mod:`ml.generation.rules`' (the same functions the other engines
run); sampling draws with ``multinomial`` under the caller's seed; temperature 0 is greedy.

The LM head computes only the tokens some row may write. Every row of a Spanish or English batch masks the ~40% of
Gemma's 262k vocabulary that is written in other scripts (:data:`~ml.generation.tables.LANGUAGE_ALPHABET`), so
the loop swaps in a head over the allowed rows (:func:`~.model.quantize.restricted_head`) while it runs, and the
processor masks and the sampler work on those columns: the logits of the kept tokens are the same numbers, so the
text is the same, for 60% of the head's weights read, masked and ranked per step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from ml.generation.cache.layers import preallocate, select_rows
from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.model.forward import MODEL_LOCK, cache_kwarg, eos_ids, output_cache, prompt_pass
from ml.generation.rules import BatchRules, Sampling, choose, row_ended

# Restrict the head only when it saves at least this share of its rows (a smaller cut does not pay for the copy).
MIN_HEAD_CUT = 0.1


@contextmanager
def swapped_head(model: Any, head: Any | None) -> Iterator[None]:
    """Run with ``model.lm_head`` replaced by ``head`` (None: unchanged); the original comes back on exit."""
    if head is None:
        yield
        return
    with MODEL_LOCK:
        original = model.lm_head
        model.lm_head = head
        try:
            yield
        finally:
            model.lm_head = original


def vocabulary_head(loaded: Any, processor: Any | None) -> tuple[Any, torch.Tensor] | None:
    """The smaller LM head for the tokens ``processor`` lets some row write, and their ids; None to use the whole.

    The processor is told the ids (its masks then have one column per kept token).
    """
    from ml.generation.model.quantize import restricted_head

    if processor is None or not hasattr(processor, "vocab_ids"):
        return None
    ids = processor.vocab_ids()
    head = getattr(loaded.model, "lm_head", None)
    rows = getattr(head, "out_features", None) or getattr(getattr(head, "inner", None), "out_features", None)
    if ids is None or rows is None or len(ids) > (1 - MIN_HEAD_CUT) * rows or int(ids[-1]) >= rows:
        return None
    small = restricted_head(loaded, ids)
    if small is None:
        return None
    device = loaded.device
    processor.restrict(ids.to(device))
    return small, ids.to(device)


def decode(
    loaded: Any,
    encoded: dict[str, Any],
    max_new_tokens: Sequence[int],
    rules: BatchRules,
    sampling: Sampling,
    options: DecodeOptions = DEFAULT_OPTIONS,
) -> list[list[int]]:
    """Generate for every row until its stop rule, EOS or its own token cap; finished rows leave the batch.

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        encoded: ``input_ids`` and ``attention_mask`` (left-padded), and optionally ``cache``: the KV cache of a
            prefilled prefix of those ids (:func:`~ml.generation.cache.prefix_store.prefill_shared_prefixes`).
        max_new_tokens: the cap per row.
        rules: the batch's width limits (or None) and list stop (:class:`~ml.generation.rules.BatchRules`).
        sampling: greedy or top-k (:class:`~ml.generation.rules.Sampling`).
        options: ``restrict_vocab`` computes the LM head only for the tokens the processor lets some row write.

    Returns:
        Each row's generated token ids, the stopping token included.
    """
    processor, stop = rules.limits, rules.stop
    temperature = None if sampling.greedy else sampling.temperature
    restricted = vocabulary_head(loaded, processor) if options.restrict_vocab else None
    head, vocab = restricted if restricted is not None else (None, None)  # vocab: the logits' columns' token ids
    model = loaded.model
    input_ids, mask = encoded["input_ids"], encoded["attention_mask"]
    rows = input_ids.shape[0]
    caps = torch.tensor(list(max_new_tokens))
    ends = torch.tensor(eos_ids(loaded), dtype=torch.long)
    out_tokens: list[list[int]] = [[] for _ in range(rows)]
    live = torch.arange(rows)  # original row index of each row still in the batch
    name = cache_kwarg(model)
    kwargs: dict[str, Any] = {"use_cache": True}
    with MODEL_LOCK, swapped_head(model, head), torch.inference_mode():
        out, positions = prompt_pass(model, encoded)
        cache = output_cache(out)
        droppable = preallocate(cache, input_ids.shape[1] + int(caps.max()) + 1)
        last_pos = positions[:, -1]
        skipped = torch.zeros(rows, dtype=torch.bool)  # finished rows kept only because the cache cannot drop them
        last: torch.Tensor | None = None
        step = 0
        while True:
            raw = out.logits[:, -1, :].float()
            scores = processor.mask_scores(last, raw) if processor is not None else raw
            columns = choose(scores, sampling.top_k, temperature)
            nxt = vocab[columns] if vocab is not None else columns
            step += 1
            nxt_cpu = nxt.cpu()
            writing = (~skipped).nonzero().squeeze(1)
            if rules.trace is not None and len(writing):
                rules.trace.record(live[writing].tolist(), raw[writing.to(raw.device)], columns[writing.to(raw.device)])
            for slot, (row, token) in enumerate(zip(live.tolist(), nxt_cpu.tolist(), strict=True)):
                if not skipped[slot]:
                    out_tokens[row].append(token)
            finished = stop.update(nxt_cpu) | row_ended(nxt_cpu, ends, step, caps[live]) | skipped
            if bool(finished.all()):
                break
            if bool(finished.any()):
                if droppable:
                    keep = (~finished).nonzero().squeeze(1)
                    keep_dev = keep.to(nxt.device)
                    select_rows(cache, keep_dev)
                    live, mask, last_pos, nxt = live[keep], mask[keep_dev], last_pos[keep_dev], nxt[keep_dev]
                    skipped = skipped[keep]
                    stop.select(keep)
                    if processor is not None:
                        processor.select(keep_dev)
                else:
                    skipped = finished.clone()
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            last_pos = last_pos + 1
            last = nxt
            kwargs[name] = cache
            out = model(input_ids=nxt.unsqueeze(1), attention_mask=mask, position_ids=last_pos.unsqueeze(1), **kwargs)
    return out_tokens
