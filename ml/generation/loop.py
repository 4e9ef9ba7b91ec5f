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

Sampling matches ``generate``'s order: logits processors, temperature, top-k, softmax, multinomial under the
caller's seed; temperature 0 is greedy.

The LM head computes only the tokens some row may write. Every row of a Spanish or English batch masks the ~40% of
Gemma's 262k vocabulary that is written in other scripts (:data:`~ml.generation.decoding.LANGUAGE_ALPHABET`), so
the loop swaps in a head over the allowed rows (:func:`~ml.generation.model.restricted_head`) while it runs, and the
processor masks and the sampler work on those columns: the logits of the kept tokens are the same numbers, so the
text is the same, for 60% of the head's weights read, masked and ranked per step.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import torch
from transformers.cache_utils import DynamicLayer, DynamicSlidingWindowLayer

from ml.generation.decode_int8 import without_first_token

# Held while a batch decodes: the loop may swap the model's LM head for a smaller one, so no other batch may run
# the same model meanwhile (one batching thread owns a model; this makes it a rule).
MODEL_LOCK = threading.RLock()

# Restrict the head only when it saves at least this share of its rows (a smaller cut does not pay for the copy);
# 1.0 never restricts (the benchmark's whole-head comparison).
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
    from ml.generation.model import restricted_head

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
    def cumulative_length(self) -> int:
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
            layers[i] = GrowingLayer(layer.keys, layer.values, capacity)
        elif type(layer) is DynamicSlidingWindowLayer and layer.is_initialized and capacity < layer.sliding_window:
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
    for source in (loaded.tokenizer.eos_token_id, getattr(getattr(loaded.model, "generation_config", None),
                                                            "eos_token_id", None)):
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
        out = model(input_ids=input_ids[:, done_at:], attention_mask=mask, position_ids=positions[:, done_at:],
                    logits_to_keep=1, **kwargs)
    return out, positions


def decode(
    loaded: Any,
    encoded: dict[str, Any],
    max_new_tokens: Sequence[int],
    processor: Any | None,
    stop: Any,
    temperature: float,
    top_k: int,
    restrict_vocab: bool = True,
) -> list[list[int]]:
    """Generate for every row until its stop rule, EOS or its own token cap; finished rows leave the batch.

    Args:
        loaded: the :class:`~ml.generation.model.LoadedModel`.
        encoded: ``input_ids`` and ``attention_mask`` (left-padded), and optionally ``cache``: the KV cache of a
            prefilled prefix of those ids (:func:`~ml.generation.batching.prefill_shared_prefixes`).
        max_new_tokens: the cap per row.
        processor: a :class:`~ml.generation.decoding.LineLimitProcessor`, or None.
        stop: a :class:`~ml.generation.decoding.ListStop`.
        temperature: 0 for greedy.
        top_k: sample among the k most likely tokens.
        restrict_vocab: compute the LM head only for the tokens the processor lets some row write (the same text;
            False computes the whole vocabulary, for comparison).

    Returns:
        Each row's generated token ids, the stopping token included.
    """
    restricted = vocabulary_head(loaded, processor) if restrict_vocab else None
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
            scores = out.logits[:, -1, :].float()
            if processor is not None:
                scores = processor.mask_scores(last, scores)
            if temperature > 0:
                # top-k before the temperature: the same k tokens and values, one division of k numbers per row
                # instead of the whole vocabulary
                top_scores, top_ids = scores.topk(min(top_k, scores.shape[-1]), dim=-1)
                choice = torch.multinomial(torch.softmax(top_scores / temperature, dim=-1), 1)
                nxt = top_ids.gather(1, choice).squeeze(1)
            else:
                nxt = scores.argmax(dim=-1)
            if vocab is not None:
                nxt = vocab[nxt]
            step += 1
            nxt_cpu = nxt.cpu()
            for slot, (row, token) in enumerate(zip(live.tolist(), nxt_cpu.tolist(), strict=True)):
                if not skipped[slot]:
                    out_tokens[row].append(token)
            finished = stop.update(nxt_cpu) | torch.isin(nxt_cpu, ends) | (caps[live] <= step) | skipped
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
