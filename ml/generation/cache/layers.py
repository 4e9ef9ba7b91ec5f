"""KV cache layers the decode engines write into: preallocated growing layers (rows can be dropped) and the
fixed-shape layer of the CUDA-graph engine."""

from __future__ import annotations

from typing import Any

import torch
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer


class GrowingLayer(DynamicLayer):
    """A full-attention cache layer with a preallocated buffer (no per-step copy of the cache).

    Args:
        keys: the cached keys so far, ``[batch, heads, length, dim]``.
        values: the cached values, same shape.
        capacity: how many positions the buffer holds; it doubles if a row ever needs more.
    """

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, capacity: int) -> None:
        super().__init__()
        self.device = keys.device
        self.is_initialized = True
        self._length = keys.shape[-2]
        self._keys = keys.new_empty((*keys.shape[:2], max(capacity, self._length), keys.shape[-1]))
        self._values = values.new_empty((*values.shape[:2], max(capacity, self._length), values.shape[-1]))
        self._keys[:, :, : self._length] = keys
        self._values[:, :, : self._length] = values
        self._expose()

    def _expose(self) -> None:
        self.keys = self._keys[:, :, : self._length]
        self.values = self._values[:, :, : self._length]

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self._keys.shape[-2])
        for name in ("_keys", "_values"):
            old = getattr(self, name)
            new = old.new_empty((*old.shape[:2], capacity, old.shape[-1]))
            new[:, :, : self._length] = old[:, :, : self._length]
            setattr(self, name, new)

    def reserve(self, capacity: int) -> None:
        """Make room for ``capacity`` positions per row (no copy when there is room already)."""
        if capacity > self._keys.shape[-2]:
            self._grow(capacity)
            self._expose()

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        end = self._length + key_states.shape[-2]
        if end > self._keys.shape[-2]:
            self._grow(end)
        self._keys[:, :, self._length : end] = key_states
        self._values[:, :, self._length : end] = value_states
        self._length = end
        self._expose()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self._length

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        self._keys = self._keys[indices]
        self._values = self._values[indices]
        self._expose()

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        self.batch_select_indices(beam_idx.to(self.device))


class GrowingSlidingLayer(GrowingLayer):
    """A sliding-window layer while the sequence is shorter than its window (then it attends to everything).

    :func:`preallocate` uses it only when the prompt plus the longest continuation fits inside the window, so the
    window never has to slide.
    """

    is_sliding = True

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, capacity: int, sliding_window: int) -> None:
        super().__init__(keys, values, capacity)
        self.sliding_window = sliding_window

    @property
    def cumulative_length(self) -> int:  # type: ignore[override]  # transformers' layers store it; these derive it
        return self._length

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        if self._length + key_states.shape[-2] >= self.sliding_window:
            raise RuntimeError("GrowingSlidingLayer used past its window; preallocate() should have kept the original")
        return super().update(key_states, value_states)

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self._length + query_length, 0

    def get_max_length(self) -> int:
        return self.sliding_window


def preallocate(cache: Any, capacity: int) -> bool:
    """Swap a ``DynamicCache``'s layers for preallocated ones in place.

    Args:
        cache: the cache after the prompt's forward pass.
        capacity: positions to reserve (prompt plus the longest continuation).

    Returns:
        True when every layer was swapped, so rows can be dropped with :func:`select_rows`; False when some layer is
        of a kind this module does not know (it is left as it was).
    """
    layers = getattr(cache, "layers", None)
    if not layers:
        return False
    swapped = True
    for i, layer in enumerate(layers):
        if type(layer) is DynamicLayer and layer.is_initialized:
            assert layer.keys is not None and layer.values is not None  # set when initialized
            layers[i] = GrowingLayer(layer.keys, layer.values, capacity)
        elif type(layer) is DynamicSlidingWindowLayer and layer.is_initialized and capacity < layer.sliding_window:
            assert layer.keys is not None and layer.values is not None
            layers[i] = GrowingSlidingLayer(layer.keys, layer.values, capacity, layer.sliding_window)
        elif isinstance(layer, GrowingLayer):
            layer.reserve(capacity)
        else:
            swapped = False
    return swapped


def select_rows(cache: Any, keep: torch.Tensor) -> None:
    """Keep only the batch rows ``keep`` (indices) in every layer of a preallocated cache."""
    for layer in cache.layers:
        layer.batch_select_indices(keep)


class StaticLayer(DynamicLayer):
    """A KV cache layer of fixed shape ``[rows, heads, length, dim]``, written at the position ``index`` holds.

    Args:
        keys: the key buffer.
        values: the value buffer, same shape.
        index: a one-element long tensor on the same device: the position the next token's keys go to (shared by
            every layer; the engine advances it inside the graph).
    """

    keys: torch.Tensor  # never None here
    values: torch.Tensor

    def __init__(self, keys: torch.Tensor, values: torch.Tensor, index: torch.Tensor) -> None:
        super().__init__()
        self.device = keys.device
        self.is_initialized = True
        self.keys, self.values = keys, values
        self._index = index

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: Any, **kwargs: Any):
        self.keys.index_copy_(2, self._index, key_states)
        self.values.index_copy_(2, self._index, value_states)
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.keys.shape[-2]

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.keys.shape[-2], 0
