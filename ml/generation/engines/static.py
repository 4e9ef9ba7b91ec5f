"""A decode loop of fixed shapes, captured once as a CUDA graph and replayed for every step.

On an H100 a decode step of a 270M model is a few hundred small kernels: launched one by one from Python (the
``loop`` engine or ``model.generate``) the step is bound by the launches, not by the GPU, and both engines also wait
for the GPU once per step (to read which rows finished). This engine gives every step the same shapes so that one
step can be recorded as a CUDA graph and replayed:

* the KV cache is a buffer of ``rows x length`` per layer (:class:`StaticLayer`), written at a position held in a
  device tensor, and the attention mask is a ``[rows, 1, 1, length]`` boolean buffer that hides what is not
  written yet; rows are padded up to a bucket (1, 2, 4, ... 128) and lengths to a multiple of 64, so a few graphs
  serve every batch (kept per loaded model, :data:`GRAPHS_KEPT`);
* one step is everything between two forwards: the rule of :mod:`ml.generation.rules` (the same functions and
  tables the other engines apply: width limits, top-k sampling drawn by Gumbel-max without leaving the device, the
  list stop, EOS and each row's token cap) on device buffers, recording the token, then the model's forward for it;
* finished rows are not dropped (the shapes are fixed): they keep computing and are ignored, which a GPU pays
  little for at these widths; the host reads the rows' "done" flags only every :data:`CHECK_EVERY` steps.

The prompt pass runs as before (eagerly, with the few-shot prefixes prefilled once per distinct prefix) and its
cache is copied into the graph's buffers. On CPU, or where a graph cannot be recorded (bitsandbytes' LLM.int8 layers
test for outlier columns on the host at every call, :func:`capturable`; or a capture that fails), the same step runs
eagerly; :attr:`DecodeGraph.captured` says which.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import torch
from transformers.cache_utils import DynamicCache, DynamicLayer, DynamicSlidingWindowLayer

from ml.generation.cache.layers import StaticLayer
from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.model.forward import MODEL_LOCK, cache_kwarg, eos_ids, output_cache, prompt_pass
from ml.generation.rules import (
    BatchRules,
    Sampling,
    banned_tokens,
    choose,
    next_lines,
    next_width,
    row_ended,
)
from ml.generation.tables import fit_columns

logger = logging.getLogger(__name__)

ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)
LENGTH_STEP = 64
# the host checks whether every row is done once per this many steps (each check waits for the GPU)
CHECK_EVERY = 8
# graphs (with their buffers) kept per loaded model, least recently used dropped first
GRAPHS_KEPT = 6
_ATTENTION = ("sdpa", "prefix_sdpa")


def bucket(rows: int, length: int) -> tuple[int, int] | None:
    """The graph shape for a batch of ``rows`` needing ``length`` positions; None past the largest row bucket."""
    padded_rows = next((b for b in ROW_BUCKETS if b >= rows), None)
    if padded_rows is None:
        return None
    return padded_rows, -(-length // LENGTH_STEP) * LENGTH_STEP


def applicable(loaded: Any, length: int) -> bool:
    """Whether this engine can decode ``loaded``'s model for sequences of ``length`` positions (:func:`refusal`)."""
    return refusal(loaded, length) is None


def refusal(loaded: Any, length: int) -> str | None:
    """Why this engine cannot decode ``loaded``'s model for sequences of ``length`` positions; None when it can.

    The model must attend with SDPA (the boolean mask is SDPA's), its cache must be made of plain full-attention
    and sliding-window layers, and every sliding window must hold the whole sequence (the mask is the same for
    both kinds of layer only then).
    """
    model = loaded.model
    config = getattr(model, "config", None)
    implementation = getattr(config, "_attn_implementation", None)
    if config is None or implementation not in _ATTENTION:
        return f"attention implementation {implementation!r} is not SDPA"
    try:
        cache = DynamicCache(config=config)
    except Exception as exc:  # a config transformers cannot build a cache from
        return f"no cache for this config ({exc})"
    layers = getattr(cache, "layers", None)
    if not layers:
        return "the cache has no layers"
    for layer in layers:
        if type(layer) not in (DynamicLayer, DynamicSlidingWindowLayer):
            return f"cache layer {type(layer).__name__} is not a plain full or sliding-window layer"
        window = getattr(layer, "sliding_window", None)
        if window is not None and length > window:
            return f"{length} positions do not fit the sliding window of {window}"
    return None


def capturable(model: Any) -> bool:
    """False for a model with layers known to wait for the GPU inside a forward, which a CUDA graph cannot record.

    bitsandbytes' LLM.int8 layers (``8bit``) with an outlier threshold look for outlier columns with a
    data-dependent test on every call; such a model decodes with the same step, eagerly.
    """
    for module in model.modules():
        state = getattr(module, "state", None)
        if type(module).__name__ == "Linear8bitLt" and getattr(state, "threshold", 0) > 0:
            return False
    return True


class DecodeGraph:
    """The buffers and (on CUDA) the captured graph of one decode step for one shape.

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        rows: batch rows (a bucket; real batches may be smaller, the rest are padding rows).
        length: KV positions per row (prompt, continuation and one spare).
        vocab: the logits' width.
        kv: ``(heads, dim, dtype)`` of each layer's keys and values.
        greedy: argmax instead of sampling.
        top_k: sample among the k most likely tokens.
        limits: apply the width limits and banned tokens.
        capture: record the step as a CUDA graph (the model must be on CUDA).
    """

    def __init__(
        self,
        loaded: Any,
        rows: int,
        length: int,
        vocab: int,
        kv: Sequence[tuple[int, int, torch.dtype]],
        greedy: bool,
        top_k: int,
        limits: bool,
        capture: bool,
    ) -> None:
        device = torch.device(loaded.device)
        self.model = loaded.model
        self.rows, self.length, self.vocab = rows, length, vocab
        self.greedy, self.top_k, self.limits = greedy, min(top_k, vocab), limits
        self._kwarg = cache_kwarg(self.model)

        def zeros(*shape: int, dtype: torch.dtype = torch.long) -> torch.Tensor:
            return torch.zeros(shape, dtype=dtype, device=device)

        self.index = zeros(1)  # KV position the next forward writes
        self.step_at = zeros(1)  # column of ``tokens`` the next step writes
        self.cache = DynamicCache(config=self.model.config)
        self.static_layers = [
            StaticLayer(
                zeros(rows, heads, length, dim, dtype=dtype), zeros(rows, heads, length, dim, dtype=dtype), self.index
            )
            for heads, dim, dtype in kv
        ]
        self.cache.layers = list(self.static_layers)  # the cache's own list of the same layers
        self.mask = zeros(rows, 1, 1, length, dtype=torch.bool)
        self.positions = zeros(rows)
        self.logits = zeros(rows, vocab, dtype=torch.float32)
        # LineLimitProcessor's tables: widths per token, per-row banned tokens and limits
        self.head_width, self.tail_width = zeros(vocab, dtype=torch.int32), zeros(vocab, dtype=torch.int32)
        self.has_newline, self.blank_first = zeros(vocab, dtype=torch.bool), zeros(vocab, dtype=torch.bool)
        self.forbidden = zeros(rows, vocab, dtype=torch.bool)
        self.width, self.max_width = zeros(rows, dtype=torch.int32), zeros(rows, dtype=torch.int32)
        self.first = zeros(1, dtype=torch.bool)
        # ListStop's tables and state
        self.newlines = zeros(vocab, dtype=torch.int32)
        self.blank, self.starts, self.ends = (zeros(vocab, dtype=torch.bool) for _ in range(3))
        self.lines, self.max_lines = zeros(rows, dtype=torch.int32), zeros(rows, dtype=torch.int32)
        self.prev_newline = zeros(rows, dtype=torch.bool)
        self.eos = torch.tensor(eos_ids(loaded) or (-1,), dtype=torch.long, device=device)
        self.caps, self.count = zeros(rows), zeros(rows)
        self.done = torch.ones(rows, dtype=torch.bool, device=device)
        self.tokens = zeros(rows, length)
        self.temperature = torch.ones(1, dtype=torch.float32, device=device)
        self.noise = torch.empty(rows, self.top_k, dtype=torch.float32, device=device)
        self._width_tables: Any = None  # the tables last copied in (skipped when a batch brings the same)
        self._line_tables: Any = None
        self.graph: Any = None
        self.captured = False
        if capture:
            self._capture()

    def _step(self) -> None:
        """Choose each row's next token from ``logits``, record it and update the stop state, run the forward.

        The rule is :mod:`ml.generation.rules`' on the device buffers; every tensor stays on the device (no host
        sync), so the step can be recorded as a CUDA graph.
        """
        scores = self.logits
        if self.limits:
            banned = banned_tokens(
                self.width, self.max_width, self.head_width, self.forbidden, self.blank_first, self.first
            )
            scores = scores.masked_fill(banned, float("-inf"))
        nxt = choose(scores, self.top_k, None if self.greedy else self.temperature, self.noise)
        live = ~self.done
        self.tokens.index_copy_(1, self.step_at, torch.where(live, nxt, 0).unsqueeze(1))
        self.count += live
        tables = (self.newlines, self.blank, self.starts, self.ends)
        lines, prev_newline, list_done = next_lines(self.lines, self.prev_newline, nxt, tables, self.max_lines)
        self.lines.copy_(lines)
        self.prev_newline.copy_(prev_newline)
        self.done |= list_done | row_ended(nxt, self.eos, self.count, self.caps)
        if self.limits:
            self.width.copy_(next_width(self.width, nxt, self.head_width, self.tail_width, self.has_newline))
        self.first.zero_()
        self.mask.index_fill_(3, self.index, True)
        self.positions += 1
        out = self.model(
            input_ids=nxt.unsqueeze(1),
            attention_mask=self.mask,
            position_ids=self.positions.unsqueeze(1),
            use_cache=True,
            **{self._kwarg: self.cache},
        )
        self.logits.copy_(out.logits[:, -1])
        self.index += 1
        self.step_at += 1

    def _capture(self) -> None:
        if not capturable(self.model):
            logger.info("decode step runs eagerly: the model has layers whose kernels synchronise")
            return
        self.mask[:, :, :, 0] = True  # warm-up steps run on zeros: keep every row's attention defined
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(2):  # kernels' first-call setup (cuBLAS workspaces, ...) must not be captured
                self._step()
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        try:
            # thread_local: CUDA work of other threads of the worker (metrics, other models) may go on meanwhile
            with torch.cuda.graph(graph, capture_error_mode="thread_local"):
                self._step()
        except Exception:  # a kernel that synchronises (data-dependent shapes) cannot be recorded
            logger.warning("decode step could not be captured as a CUDA graph; it runs eagerly", exc_info=True)
            return
        self.graph, self.captured = graph, True

    def load(
        self,
        cache: Any,
        logits: torch.Tensor,
        mask: torch.Tensor,
        last_pos: torch.Tensor,
        caps: Sequence[int],
        rules: BatchRules,
        sampling: Sampling,
    ) -> None:
        """Set the buffers for a batch from its prompt pass.

        Args:
            cache: the prompt pass's cache (``[batch, heads, prompt, dim]`` per layer).
            logits: ``[batch, vocab]``: the prompt pass's last logits.
            mask: ``[batch, prompt]``: its attention mask.
            last_pos: ``[batch]``: each row's last position.
            caps: each row's token cap.
            rules: the batch's width limits (their tables; None: unconstrained) and list stop.
            sampling: greedy or top-k (the temperature is a buffer: one graph serves every temperature).
        """
        batch, prompt = mask.shape
        for layer, prompt_layer in zip(self.static_layers, cache.layers, strict=True):
            layer.keys[:batch, :, :prompt].copy_(prompt_layer.keys)
            layer.values[:batch, :, :prompt].copy_(prompt_layer.values)
        self.mask.zero_()
        self.mask[:batch, 0, 0, :prompt] = mask.bool()
        self.mask[batch:, 0, 0, 0] = True  # padding rows attend to something (their output is never read)
        self.index.fill_(prompt)
        self.step_at.zero_()
        self.positions.zero_()
        self.positions[:batch] = last_pos
        self.logits.zero_()
        self.logits[:batch] = logits
        device = self.logits.device
        if rules.limits is not None:
            tables, forbidden, row_kind, max_width = rules.limits.static_tables(batch)
            if self._width_tables is not tables:  # the per-token widths: copied once per tokenizer and platforms
                self.head_width.copy_(fit_columns(tables.head_width, self.vocab, 0))
                self.tail_width.copy_(fit_columns(tables.tail_width, self.vocab, 0))
                self.has_newline.copy_(fit_columns(tables.has_newline, self.vocab, False))
                self.blank_first.copy_(self.has_newline & (self.head_width == 0))
                self._width_tables = tables
            self.forbidden.zero_()
            self.forbidden[:batch] = fit_columns(forbidden.to(device), self.vocab, True)[row_kind.to(device)]
            self.max_width.zero_()
            self.max_width[:batch] = max_width.to(device)
        self.width.zero_()
        self.first.fill_(True)
        line_tables, max_lines = rules.stop.static_tables(batch)
        if self._line_tables is not line_tables[0]:
            for buffer, table, fill in zip(
                (self.newlines, self.blank, self.starts, self.ends), line_tables, (0, False, False, False), strict=True
            ):
                buffer.copy_(fit_columns(table, self.vocab, fill))
            self._line_tables = line_tables[0]
        self.lines.zero_()
        self.max_lines.zero_()
        self.max_lines[:batch] = max_lines.to(device)
        self.prev_newline.zero_()
        self.count.zero_()
        self.caps.zero_()
        self.caps[:batch] = torch.tensor(list(caps), device=device)
        self.done.fill_(True)
        self.done[:batch] = False
        self.temperature.fill_(1.0 if sampling.greedy else sampling.temperature)

    def run(self, batch: int, max_steps: int) -> list[list[int]]:
        """Step until every real row is done (or ``max_steps``); each row's tokens, the stopping token included."""
        steps = 0
        while steps < max_steps:
            for _ in range(min(CHECK_EVERY, max_steps - steps)):
                if self.graph is not None:
                    self.graph.replay()
                else:
                    self._step()
                steps += 1
            if bool(self.done[:batch].all()):
                break
        tokens = self.tokens[:batch, :steps].cpu()
        counts = self.count[:batch].cpu().tolist()
        return [tokens[row, :count].tolist() for row, count in enumerate(counts)]


def _graph(loaded: Any, key: tuple[Any, ...], build: Any) -> DecodeGraph:
    """The graph for ``key`` from ``loaded``'s store, built (and the least recently used dropped) when missing."""
    store: OrderedDict[tuple[Any, ...], DecodeGraph] = loaded.graphs
    if key in store:
        store.move_to_end(key)
        return store[key]
    while len(store) >= GRAPHS_KEPT:
        store.popitem(last=False)
    store[key] = graph = build()
    return graph


def decode(
    loaded: Any,
    encoded: dict[str, Any],
    max_new_tokens: Sequence[int],
    rules: BatchRules,
    sampling: Sampling,
    options: DecodeOptions = DEFAULT_OPTIONS,
) -> list[list[int]] | None:
    """Generate for every row with the fixed-shape step (a replayed CUDA graph on CUDA).

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        encoded: ``input_ids`` and ``attention_mask`` (left-padded), and optionally ``cache``: a copied-layout cache
            of a prefilled prefix of those ids (:func:`~ml.generation.cache.prefix_store.prefill_shared_prefixes`).
        max_new_tokens: the cap per row.
        rules: the batch's width limits (or None) and list stop (:class:`~ml.generation.rules.BatchRules`).
        sampling: greedy or top-k (:class:`~ml.generation.rules.Sampling`).
        options: ``capture`` records the step as a CUDA graph on a GPU (else it runs eagerly there).

    Returns:
        Each row's generated token ids, the stopping token included; None when this model or batch cannot use the
        engine (:func:`applicable`, more rows than the largest bucket), before any work is done.
    """
    input_ids, mask = encoded["input_ids"], encoded["attention_mask"]
    batch, prompt = input_ids.shape
    longest = int(max(max_new_tokens))
    shape = bucket(batch, prompt + longest + 1)
    why = f"{batch} rows, more than {ROW_BUCKETS[-1]}" if shape is None else refusal(loaded, shape[1])
    if why is not None or shape is None:
        logger.info("fixed-shape decoding not used: %s", why)
        return None
    with MODEL_LOCK, torch.inference_mode():
        out, positions = prompt_pass(loaded.model, encoded)
        cache = output_cache(out)
        logits = out.logits[:, -1, :]
        kv = [(layer.keys.shape[1], layer.keys.shape[-1], layer.keys.dtype) for layer in cache.layers]
        on_cuda = str(loaded.device).startswith("cuda") and options.capture
        limits, greedy, top_k = rules.limits is not None, sampling.greedy, sampling.top_k
        key = (*shape, logits.shape[-1], tuple(kv), greedy, top_k, limits, on_cuda)
        graph = _graph(
            loaded,
            key,
            lambda: DecodeGraph(
                loaded,
                shape[0],
                shape[1],
                logits.shape[-1],
                kv,
                greedy=greedy,
                top_k=top_k,
                limits=limits,
                capture=on_cuda,
            ),
        )
        graph.load(cache, logits, mask, positions[:, -1], max_new_tokens, rules, sampling)
        return graph.run(batch, longest)
