"""Dynamic batching: one loaded model serves the prompts of many jobs.

Callers (Celery tasks, possibly on several threads of one worker) :meth:`DynamicBatcher.submit` prompts and get
``concurrent.futures.Future`` objects back. One background thread owns the model: it drains the queue, sorts what
it found by prompt length and cuts it into batches of 1 to 32 rows whose padded size fits a token budget
(:func:`plan_batches`), so a batch of short prompts is wide and a batch of long ones narrow. Sorting by length
keeps left-padding waste small. Each batch decodes under :class:`~ml.generation.rules.LineLimitProcessor`
with one limit per row, so headlines, descriptions and keywords of different jobs can share a batch.

A future that is cancelled before its batch starts is skipped (a cancelled job stops costing tokens).

After each batch the functions given to :func:`add_batch_listener` get its :class:`BatchStats` (rows, tokens,
seconds, device memory): the app turns them into metrics without this package knowing about it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from ml.ad_rules import BOTH_PLATFORMS, AssetLimit, Platform
from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.engines.base import engine as decoder
from ml.generation.prompts import DATA_OPEN

logger = logging.getLogger(__name__)

MAX_BATCH = 32
TOKEN_BUDGET = 12288
# with a full batch waiting, the batcher still takes prompts that arrive within this gap of the last one
FULL_BATCH_GAP_S = 0.01


@dataclass(frozen=True)
class GenerationItem:
    """One prompt to complete.

    Attributes:
        prompt: the full prompt text.
        limit: the width limit and banned characters of every line it writes.
        max_lines: the row stops after this many lines.
        max_new_tokens: a hard cap on generated tokens.
        alphabet: the script the line is written in (a key of :data:`~ml.generation.rules.ALPHABETS`, e.g.
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
    """

    text: str
    new_tokens: int
    batch_size: int
    seconds: float


@dataclass(frozen=True)
class BatchStats:
    """What one batch cost.

    Attributes:
        rows: prompts in the batch.
        new_tokens: tokens generated, all rows together (padding not counted).
        seconds: wall time of the batch, prefill included.
        device: the model's device ("cpu", "cuda:0", ...).
        memory_allocated_bytes: CUDA memory held by torch after the batch; None off CUDA.
        peak_memory_bytes: the most CUDA memory torch held since the process started; None off CUDA.
    """

    rows: int
    new_tokens: int
    seconds: float
    device: str
    memory_allocated_bytes: int | None = None
    peak_memory_bytes: int | None = None

    @property
    def tokens_per_second(self) -> float:
        return self.new_tokens / self.seconds if self.seconds > 0 else 0.0


_batch_listeners: list[Callable[[BatchStats], None]] = []


def add_batch_listener(listener: Callable[[BatchStats], None]) -> None:
    """Call ``listener`` after every batch of every batcher in this process (once, however often it is added)."""
    if listener not in _batch_listeners:
        _batch_listeners.append(listener)


def batch_stats(loaded: Any, completions: Sequence[Completion]) -> BatchStats:
    """The :class:`BatchStats` of one batch's completions, with CUDA memory when the model is on a GPU."""
    device = str(getattr(loaded, "device", "cpu"))
    allocated = peak = None
    if device.startswith("cuda"):
        import torch

        allocated, peak = torch.cuda.memory_allocated(device), torch.cuda.max_memory_allocated(device)
    return BatchStats(rows=len(completions), new_tokens=sum(c.new_tokens for c in completions),
                      seconds=completions[0].seconds if completions else 0.0, device=device,
                      memory_allocated_bytes=allocated, peak_memory_bytes=peak)


def _notify(stats: BatchStats) -> None:
    for listener in list(_batch_listeners):
        try:
            listener(stats)
        except Exception:  # a broken metrics hook must never fail generation
            logger.exception("batch listener %r failed", listener)


def plan_batches(
    prompt_lengths: Sequence[int],
    max_new_tokens: Sequence[int],
    token_budget: int = TOKEN_BUDGET,
    max_batch: int = MAX_BATCH,
) -> list[list[int]]:
    """Group prompts into batches under a token budget.

    A batch's cost is its row count times its longest ``prompt + max_new_tokens`` (left padding makes every row
    that long). Prompts are taken longest first, so each batch holds similar lengths.

    Args:
        prompt_lengths: tokens per prompt.
        max_new_tokens: the generation cap per prompt.
        token_budget: the most padded tokens one batch may hold (bounds KV-cache memory and latency).
        max_batch: the most rows in a batch.

    Returns:
        Batches as lists of indices into ``prompt_lengths``; every index appears exactly once.
    """
    order = sorted(range(len(prompt_lengths)), key=lambda i: (-(prompt_lengths[i] + max_new_tokens[i]), i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        row = prompt_lengths[i] + max_new_tokens[i]
        new_width = max(width, row)
        if current and (len(current) >= max_batch or new_width * (len(current) + 1) > token_budget):
            batches.append(current)
            current, new_width = [], row
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches


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

    from ml.generation.rules import BatchRules, LineLimitProcessor, ListStop, Sampling

    tokenizer = loaded.tokenizer
    started = time.perf_counter()
    # rows that share a few-shot prefix side by side: prefix attention reads each prefix once per run of rows
    order = sorted(range(len(items)), key=lambda i: _prefix_text(items[i].prompt)) if options.share_prefix else None
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
        limits = LineLimitProcessor(tokenizer, [item.limit for item in items], platforms,
                                    [item.alphabet for item in items])
    rules = BatchRules(limits, ListStop(tokenizer, [item.max_lines for item in items]))
    caps = [item.max_new_tokens for item in items]
    sampling = Sampling(temperature, top_k)
    rows = decoder(engine)(loaded, encoded, caps, rules, sampling, options)
    if rows is None:  # the engine cannot take this model or batch
        rows = decoder("generate")(loaded, encoded, caps, rules, sampling, options)
    seconds = time.perf_counter() - started
    completions = []
    for tokens, item in zip(rows, items, strict=True):
        tokens = tokens[: item.max_new_tokens]
        text = tokenizer.decode(tokens, skip_special_tokens=True)
        completions.append(Completion(text=text, new_tokens=len(tokens), batch_size=len(items), seconds=seconds))
    if order is not None:
        in_order: list[Completion] = [completions[0]] * len(items)
        for position, original in enumerate(order):
            in_order[original] = completions[position]
        completions = in_order
    return completions


def _prefix_text(prompt: str) -> str:
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
        ``input_ids``, ``attention_mask`` and ``cache`` for ``model.generate`` or :func:`~.engines.loop.decode`.
    """
    import torch

    tokenizer = loaded.tokenizer
    pad = tokenizer.pad_token_id
    full = [tokenizer(p).input_ids for p in prompts]
    prefixes: list[list[int]] = []
    for ids, prompt in zip(full, prompts, strict=True):
        pre = tokenizer(_prefix_text(prompt)).input_ids if _prefix_text(prompt) else ids[:1]
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
        out = loaded.model(input_ids=ids.to(device), attention_mask=mask.to(device),
                           position_ids=positions.to(device), use_cache=True, logits_to_keep=1)
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
            window is not None and capacity >= window for window in windows):
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
                store[p] = [(layer.keys[j, :, width - len(p):].clone(), layer.values[j, :, width - len(p):].clone())
                            for layer in computed.layers]
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
            prefix_keys[j, :, width - k.shape[-2]:] = k
            prefix_values[j, :, width - v.shape[-2]:] = v
        if window is None:
            cache.layers[i] = SharedPrefixLayer(prefix_keys, prefix_values, group, capacity)
        else:
            cache.layers[i] = SharedPrefixSlidingLayer(prefix_keys, prefix_values, group, window, capacity)
    return cache


def _store_bytes(store: Any) -> int:
    return sum(t.numel() * t.element_size() for layers in store.values() for kv in layers for t in kv)


@dataclass
class _Pending:
    item: GenerationItem
    future: Future[Completion]
    length: int


class DynamicBatcher:
    """A thread-safe queue in front of one loaded model.

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel` this batcher owns.
        token_budget: most padded tokens per batch; 12288 keeps a 32-row batch of ~380-token rows (prompt plus
            the longest continuation); for Gemma 3 270M that is ~440 MB of fp32 KV cache.
        max_batch: most rows per batch (1 to 32).
        max_wait_s: how long the worker waits for more prompts after the first arrives, trading latency for
            wider batches; once a full batch (``max_batch`` prompts) is there it stops waiting, taking only
            prompts that arrive within :data:`FULL_BATCH_GAP_S` of the last.
        seed: base seed; batch ``n`` samples with ``seed + n``.
        temperature: sampling temperature (0 = greedy).
        options: how every batch decodes (:class:`~ml.generation.engines.base.DecodeOptions`).

    Example:
        >>> with DynamicBatcher(load_model()) as batcher:
        ...     futures = [batcher.submit(item) for item in items]
        ...     texts = [f.result().text for f in futures]
    """

    def __init__(
        self,
        loaded: Any,
        token_budget: int = TOKEN_BUDGET,
        max_batch: int = MAX_BATCH,
        max_wait_s: float = 0.02,
        seed: int = 0,
        temperature: float = 0.5,
        options: DecodeOptions = DEFAULT_OPTIONS,
    ) -> None:
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be between 1 and {MAX_BATCH}, got {max_batch}")
        self.loaded = loaded
        self.token_budget = token_budget
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.seed = seed
        self.temperature = temperature
        self.options = options
        self.batches_run = 0
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def __enter__(self) -> DynamicBatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the worker thread (idempotent; :meth:`submit` starts it too)."""
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="generation-batcher", daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Finish queued prompts, then stop the worker thread."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def submit(self, item: GenerationItem) -> Future[Completion]:
        """Queue one prompt; the future resolves to its :class:`Completion` (or to the batch's exception)."""
        length = len(self.loaded.tokenizer(item.prompt).input_ids)
        future: Future[Completion] = Future()
        self._queue.put(_Pending(item, future, length))
        self.start()
        return future

    def generate_many(self, items: Sequence[GenerationItem]) -> list[Completion]:
        """Submit every item and wait for all of them, in order."""
        futures = [self.submit(item) for item in items]
        return [future.result() for future in futures]

    def _drain(self) -> tuple[list[_Pending], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        pending, closing = [first], False
        deadline = time.monotonic() + self.max_wait_s
        while True:
            # once a full batch is waiting, take only what keeps arriving back to back (a caller submitting a
            # list) and go: waiting out the window would only delay a batch that is already full
            remaining = max(0.0, deadline - time.monotonic())
            wait = min(remaining, FULL_BATCH_GAP_S) if len(pending) >= self.max_batch else remaining
            try:
                nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                closing = True
                break
            pending.append(nxt)
        return pending, closing

    def _loop(self) -> None:
        closing = False
        while not closing:
            pending, closing = self._drain()
            live = [p for p in pending if p.future.set_running_or_notify_cancel()]
            plan = plan_batches(
                [p.length for p in live], [p.item.max_new_tokens for p in live], self.token_budget, self.max_batch
            )
            for indices in plan:
                batch = [live[i] for i in indices]
                try:
                    results = run_batch(
                        self.loaded, [p.item for p in batch], self.seed + self.batches_run, self.temperature,
                        options=self.options,
                    )
                except Exception as exc:  # a failed batch fails its futures, never the worker thread
                    logger.exception("generation batch of %d failed", len(batch))
                    for p in batch:
                        p.future.set_exception(exc)
                else:
                    if _batch_listeners:
                        _notify(batch_stats(self.loaded, results))
                    for p, result in zip(batch, results, strict=True):
                        p.future.set_result(result)
                self.batches_run += 1
