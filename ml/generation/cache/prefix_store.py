"""The few-shot prefixes of a batch prefilled once, and kept on the loaded model for later batches.

Prompts of one language and field share ~85% of their tokens (the intro and few-shot examples): each distinct prefix
runs once per batch (:func:`prefill_shared_prefixes`), and with the shared layout its keys and values are held once
(:class:`~ml.generation.cache.prefix_attention.SharedPrefixLayer`) and kept in ``loaded.prefixes`` for the next
batches (:func:`shared_prefix_cache`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ml.generation.prompts import DATA_OPEN


def prefix_text(prompt: str) -> str:
    # everything before the product's data block: the intro and few-shot examples, shared by all prompts of one
    # language and field
    cut = prompt.rfind(DATA_OPEN)
    return prompt[:cut] if cut > 0 else ""


def prefill_shared_prefixes(loaded: Any, prompts: Sequence[str], max_new_tokens: int | None = None) -> dict[str, Any]:
    """Run the few-shot prefixes once per distinct prefix and lay the rows out for ``generate``.

    Prompts of one language and field share ~85% of their tokens (intro and examples). Each distinct prefix is
    prefilled once (left-padded together) and each row's own tail (the product) follows, left-padded *after* the
    prefix; the attention mask hides both paddings and positions come from the mask, so every row sees exactly its
    own prompt.

    Two cache layouts:

    * shared (``max_new_tokens`` given, the model runs :mod:`~ml.generation.cache.prefix_attention`, and the whole
      sequence fits every sliding window): each distinct prefix's keys and values are held once
      (:class:`~ml.generation.cache.prefix_attention.SharedPrefixLayer`), and a prefix computed for an earlier batch is
      taken from ``loaded.prefixes`` instead of being run again (:func:`shared_prefix_cache`);
    * copied (otherwise, e.g. for ``model.generate``): the prefix cache rows are gathered for the rows that use them.

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        prompts: full prompts.
        max_new_tokens: the longest continuation any row may write (sizes the shared layout's buffers); None
            asks for the copied layout.

    Returns:
        ``input_ids``, ``attention_mask`` and ``cache`` for any engine's ``decode``
        (:class:`~ml.generation.engines.base.Engine`).
    """
    import torch

    tokenizer = loaded.tokenizer
    pad = tokenizer.pad_token_id
    full = [tokenizer(p).input_ids for p in prompts]
    prefixes: list[list[int]] = []
    for ids, prompt in zip(full, prompts, strict=True):
        pre = tokenizer(prefix_text(prompt)).input_ids if prefix_text(prompt) else ids[:1]
        common = 0
        while common < min(len(pre), len(ids) - 1) and pre[common] == ids[common]:
            common += 1  # a token may straddle the boundary; keep only the part both tokenizations agree on
        prefixes.append(ids[:common])
    distinct = list(dict.fromkeys(tuple(p) for p in prefixes))
    row_group = torch.tensor([distinct.index(tuple(p)) for p in prefixes])
    pre_ids, pre_mask = _left_padded(distinct, pad)
    tail_ids, tail_mask = _left_padded([ids[len(p) :] for ids, p in zip(full, prefixes, strict=True)], pad)
    input_ids = torch.cat([pre_ids[row_group], tail_ids], dim=1)
    attention_mask = torch.cat([pre_mask[row_group], tail_mask], dim=1)
    cache = None
    if max_new_tokens is not None:
        cache = shared_prefix_cache(loaded, distinct, row_group, input_ids.shape[1] + max_new_tokens + 1)
    if cache is None:
        cache = _prefill(loaded, pre_ids, pre_mask)
        cache.reorder_cache(row_group.to(loaded.device))
    return {"input_ids": input_ids, "attention_mask": attention_mask, "cache": cache}


def _left_padded(rows: Sequence[Sequence[int]], pad: int) -> tuple[Any, Any]:
    """Token rows left-padded to the longest, and their attention mask (0 over the padding)."""
    import torch

    width = max(len(row) for row in rows)
    ids = torch.tensor([[pad] * (width - len(row)) + list(row) for row in rows])
    mask = torch.tensor([[0] * (width - len(row)) + [1] * len(row) for row in rows])
    return ids, mask


def _prefill(loaded: Any, ids: Any, mask: Any) -> Any:
    """The KV cache of left-padded prompts (positions from the mask)."""
    import torch

    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    device = loaded.device
    with torch.inference_mode():
        out = loaded.model(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            position_ids=positions.to(device),
            use_cache=True,
            logits_to_keep=1,
        )
    return out.past_key_values


# Prefix caches kept per loaded model for later batches: a worker runs the same few prefixes (language x field)
# for every job. 256 MB holds ~37 of Gemma 3 270M's (~7 MB each); the least recently used go first.
PREFIX_STORE_BYTES = 256 * 2**20


def shared_prefix_cache(loaded: Any, distinct: Sequence[tuple[int, ...]], row_group: Any, capacity: int) -> Any:
    """A cache whose layers hold each distinct prefix once; None when this model or length cannot use one.

    Prefixes not in ``loaded.prefixes`` are prefilled together and stored there (least recently used dropped
    past :data:`PREFIX_STORE_BYTES`).

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        distinct: the distinct prefixes' token ids.
        row_group: each row's index into ``distinct``.
        capacity: positions per row: the widest prefix, the widest tail and the longest continuation.
    """
    from transformers.cache_utils import DynamicCache, DynamicLayer, DynamicSlidingWindowLayer

    from ml.generation.cache.prefix_attention import SharedPrefixLayer, SharedPrefixSlidingLayer, uses_prefix_attention
    from ml.generation.model.forward import MODEL_LOCK

    model, pad = loaded.model, loaded.tokenizer.pad_token_id
    if not uses_prefix_attention(model):
        return None
    cache = DynamicCache(config=model.config)
    kinds = [type(layer) for layer in cache.layers]
    windows = [getattr(layer, "sliding_window", None) for layer in cache.layers]
    if any(kind not in (DynamicLayer, DynamicSlidingWindowLayer) for kind in kinds) or any(
        window is not None and capacity >= window for window in windows
    ):
        return None
    device = loaded.device
    with MODEL_LOCK:
        store = loaded.prefixes
        missing = [p for p in distinct if p not in store]
        if missing:
            ids, mask = _left_padded(missing, pad)
            width = ids.shape[1]
            computed = _prefill(loaded, ids, mask)
            for j, p in enumerate(missing):
                store[p] = [
                    (layer.keys[j, :, width - len(p) :].clone(), layer.values[j, :, width - len(p) :].clone())
                    for layer in computed.layers
                ]
        for p in distinct:
            store.move_to_end(p)
        entries = [store[p] for p in distinct]
        while len(store) > len(distinct) and _store_bytes(store) > PREFIX_STORE_BYTES:
            store.popitem(last=False)
    width = max(len(p) for p in distinct)
    group = row_group.to(device)
    for i, window in enumerate(windows):
        keys, values = entries[0][i]
        shape = (len(distinct), keys.shape[0], width, keys.shape[-1])
        prefix_keys, prefix_values = keys.new_zeros(shape), values.new_zeros(shape)
        for j, entry in enumerate(entries):
            k, v = entry[i]
            prefix_keys[j, :, width - k.shape[-2] :] = k
            prefix_values[j, :, width - v.shape[-2] :] = v
        if window is None:
            cache.layers[i] = SharedPrefixLayer(prefix_keys, prefix_values, group, capacity)
        else:
            cache.layers[i] = SharedPrefixSlidingLayer(prefix_keys, prefix_values, group, window, capacity)
    return cache


def _store_bytes(store: Any) -> int:
    return sum(t.numel() * t.element_size() for layers in store.values() for kv in layers for t in kv)
