"""Attention over a shared few-shot prefix without copying it into every row (cascade attention).

The prompts of one batch share a few long prefixes (the intro and few-shot examples of one language and field,
~190 tokens) and differ only in their tails (the product, ~40 tokens) and what they write. Copying each prefix's
keys and values into every row that uses it made the KV cache ~4x larger than the rows' own part, and a decode
step on two CPU cores spent a fifth of its time reading those copies in attention (the step's queries are one token
per row, so attention is bound by reading the cache).

:class:`SharedPrefixLayer` keeps each distinct prefix once (``[prefixes, kv_heads, width, dim]``) and a per-row
buffer for the rest. :func:`prefix_attention` (registered as the ``prefix_sdpa`` attention implementation) scores
each row's queries against its prefix with one matrix product per distinct prefix, against its own keys with a
batched product, and takes one softmax over both: the same attention as over the concatenated keys, with the
prefix read once per step instead of once per row.

Gemma's attention calls the layer's ``update`` and then the attention function, in that order, on the same thread;
``update`` leaves the layer in a thread-local slot that the attention function takes; a key tensor other than the
one ``update`` returned (a model that transforms the keys in between) is refused rather than attended without its
prefix. Any other call (a plain cache, the prefix pass itself, ``generate``) runs transformers' SDPA attention
unchanged.
"""

from __future__ import annotations

import threading
from typing import Any

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, sdpa_mask

from ml.generation.cache.layers import GrowingLayer

PREFIX_ATTENTION = "prefix_sdpa"

_pending = threading.local()


class SharedPrefixLayer(GrowingLayer):
    """A full-attention cache layer: shared prefixes stored once, each row's own positions in a growing buffer.

    Args:
        prefix_keys: keys of each distinct prefix, left-padded to one width, ``[prefixes, kv_heads, width, dim]``.
        prefix_values: their values, same shape.
        group: for each row, the index of its prefix (``[rows]``, on the cache's device).
        capacity: positions to reserve per row, the prefix included (the buffer grows if a row needs more).
    """

    def __init__(
        self, prefix_keys: torch.Tensor, prefix_values: torch.Tensor, group: torch.Tensor, capacity: int = 0
    ) -> None:
        super(GrowingLayer, self).__init__()
        if prefix_keys.shape != prefix_values.shape or prefix_keys.ndim != 4:
            raise ValueError(
                f"prefix keys {tuple(prefix_keys.shape)} and values {tuple(prefix_values.shape)} must "
                "share one [prefixes, kv_heads, width, dim] shape"
            )
        self.device = prefix_keys.device
        self.is_initialized = True
        self.prefix_keys, self.prefix_values, self.group = prefix_keys, prefix_values, group
        rows, (_, heads, _, dim) = group.shape[0], prefix_keys.shape
        self._length = 0
        self._runs: list[tuple[int, int, int]] | None = None
        own = max(0, capacity - prefix_keys.shape[-2])
        self._keys = prefix_keys.new_empty((rows, heads, own, dim))
        self._values = prefix_values.new_empty((rows, heads, own, dim))
        self._expose()

    @property
    def prefix_length(self) -> int:
        return self.prefix_keys.shape[-2]

    def reserve(self, capacity: int) -> None:
        """Make room for ``capacity`` positions per row, the shared prefix included."""
        super().reserve(capacity - self.prefix_length)

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        keys, values = super().update(key_states, value_states)
        _pending.layer = self
        return keys, values

    def get_seq_length(self) -> int:
        return self.prefix_length + self._length

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.prefix_length + self._length + query_length, 0

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        super().batch_select_indices(indices)
        self.group = self.group[indices]
        self._runs = None

    def runs(self) -> list[tuple[int, int, int]]:
        """``(prefix, first row, end row)`` for each run of consecutive rows that share a prefix (few when the
        rows are ordered by prefix, as :func:`~ml.generation.run.run_batch` orders them)."""
        if self._runs is None:
            values, counts = torch.unique_consecutive(self.group, return_counts=True)
            ends = counts.cumsum(0).tolist()
            self._runs = [(g, end - n, end) for g, n, end in zip(values.tolist(), counts.tolist(), ends, strict=True)]
        return self._runs


class SharedPrefixSlidingLayer(SharedPrefixLayer):
    """A sliding-window layer while the whole sequence fits inside its window (it then attends to everything)."""

    is_sliding = True

    def __init__(
        self,
        prefix_keys: torch.Tensor,
        prefix_values: torch.Tensor,
        group: torch.Tensor,
        sliding_window: int,
        capacity: int = 0,
    ) -> None:
        super().__init__(prefix_keys, prefix_values, group, capacity)
        self.sliding_window = sliding_window

    @property
    def cumulative_length(self) -> int:  # type: ignore[override]  # transformers' layers store it; these derive it
        return self.get_seq_length()

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        if self.get_seq_length() + key_states.shape[-2] >= self.sliding_window:
            raise RuntimeError(
                "SharedPrefixSlidingLayer used past its window; share a prefix only when the whole "
                "sequence fits the window"
            )
        return super().update(key_states, value_states)

    def get_max_length(self) -> int:
        return self.sliding_window


def prefix_attention(
    module: Any,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention for a :class:`SharedPrefixLayer`'s rows; SDPA for anything else.

    Args:
        module: the attention module (its ``num_key_value_groups`` is read).
        query: ``[rows, heads, q, dim]``.
        key: the rows' own keys as the layer's ``update`` returned them, ``[rows, kv_heads, own, dim]``.
        value: the rows' own values, same shape.
        attention_mask: boolean ``[rows, 1, q, prefix + own]`` (True attends), or None where SDPA's mask function
            left causality to the kernel (no padding).
        dropout: must be 0 (inference only).
        scaling: the score scale (``dim ** -0.5`` when None).

    Returns:
        The attention output ``[rows, q, heads, dim]`` and no weights, as transformers' SDPA function returns.
    """
    layer = getattr(_pending, "layer", None)
    _pending.layer = None
    if layer is None:
        return sdpa_attention_forward(
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    if key is not layer.keys:  # SDPA over these keys would silently leave the shared prefix out
        raise RuntimeError(
            f"{type(module).__name__} changed the keys between the cache and the attention function: "
            "this model cannot use a shared-prefix cache (prefill without max_new_tokens)"
        )
    if dropout:
        raise ValueError("prefix attention is for inference: dropout must be 0")
    rows, heads, q_len, dim = query.shape
    kv_heads, own, width = key.shape[1], key.shape[2], layer.prefix_length
    per_kv = heads // kv_heads
    scale = dim**-0.5 if scaling is None else scaling
    # queries as [rows, kv_heads, per_kv * q, dim]: the heads that share a key head are rows of one product
    grouped = query.reshape(rows, kv_heads, per_kv * q_len, dim)
    runs = layer.runs()
    prefix_scores = []
    for g, start, end in runs:
        # [kv_heads, run rows * per_kv * q, dim] @ [kv_heads, dim, width]: the prefix is read once for its rows
        qg = grouped[start:end].transpose(0, 1).reshape(kv_heads, -1, dim)
        sg = torch.matmul(qg, layer.prefix_keys[g].transpose(-1, -2))
        prefix_scores.append(sg.reshape(kv_heads, end - start, per_kv * q_len, width).transpose(0, 1))
    scores = torch.cat([torch.cat(prefix_scores), torch.matmul(grouped, key.transpose(-1, -2))], dim=-1)
    scores.mul_(scale)
    if attention_mask is not None:
        allowed = attention_mask[:, :, -q_len:, -(width + own) :]  # [rows, 1, q, width + own], shared by the heads
    elif q_len > 1:  # no padding anywhere: SDPA's mask function left the causal mask to the kernel
        allowed = torch.ones((q_len, width + own), dtype=torch.bool, device=query.device).tril(width + own - q_len)
        allowed = allowed.expand(rows, 1, q_len, width + own)
    else:
        allowed = None
    if allowed is not None:
        scores.view(rows, kv_heads, per_kv, q_len, width + own).masked_fill_(~allowed[:, :, None], float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = torch.matmul(probs[..., width:], value)
    for g, start, end in runs:
        pg = probs[start:end, :, :, :width].transpose(0, 1).reshape(kv_heads, -1, width)
        og = torch.matmul(pg, layer.prefix_values[g]).reshape(kv_heads, end - start, per_kv * q_len, dim)
        out[start:end] += og.transpose(0, 1)
    out = out.reshape(rows, heads, q_len, dim).transpose(1, 2).contiguous()
    return out, None


AttentionInterface.register(PREFIX_ATTENTION, prefix_attention)
ALL_MASK_ATTENTION_FUNCTIONS.register(PREFIX_ATTENTION, sdpa_mask)  # the same masks as SDPA, shortcuts included


def enable(model: Any) -> bool:
    """Switch a model that runs transformers' SDPA attention to :func:`prefix_attention` (the same results for
    every cache that is not a :class:`SharedPrefixLayer`); True when the model now uses it."""
    config = getattr(model, "config", None)
    if getattr(config, "_attn_implementation", None) == "sdpa":
        model.set_attn_implementation(PREFIX_ATTENTION)
    return uses_prefix_attention(model)


def uses_prefix_attention(model: Any) -> bool:
    return getattr(getattr(model, "config", None), "_attn_implementation", None) == PREFIX_ATTENTION
