"""Dynamic batching: one loaded model serves the prompts of many jobs.

Callers (Celery tasks, possibly on several threads of one worker) :meth:`DynamicBatcher.submit` prompts and get
``concurrent.futures.Future`` objects back. One background thread owns the model: it drains the queue, sorts what
it found by prompt length and cuts it into batches of 1 to 64 rows whose padded size fits a token budget
(:func:`~ml.generation.planning.plan_batches`), so a batch of short prompts is wide and a batch of long ones narrow.
Sorting by length keeps left-padding waste small. Each batch runs through :func:`~ml.generation.run.run_batch`
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

from ml.generation.cache.prefix_store import prefix_text
from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.items import Completion, GenerationItem
from ml.generation.planning import MAX_BATCH, TOKEN_BUDGET, plan_batches
from ml.generation.run import run_batch

logger = logging.getLogger(__name__)

# with a full batch waiting, the batcher still takes prompts that arrive within this gap of the last one
FULL_BATCH_GAP_S = 0.01


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
    return BatchStats(
        rows=len(completions),
        new_tokens=sum(c.new_tokens for c in completions),
        seconds=completions[0].seconds if completions else 0.0,
        device=device,
        memory_allocated_bytes=allocated,
        peak_memory_bytes=peak,
    )


def _notify(stats: BatchStats) -> None:
    for listener in list(_batch_listeners):
        try:
            listener(stats)
        except Exception:  # a broken metrics hook must never fail generation
            logger.exception("batch listener %r failed", listener)


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
            the longest continuation); for Gemma 3 270M that is ~440 MB of fp32 KV cache. With shared prefixes
            (``options.share_prefix``) a row counts only its prompt's tail after the few-shot prefix, which the
            batch holds once: the full pipeline's ~170-token rows then fill :data:`MAX_BATCH` rows.
        max_batch: most rows per batch (1 to :data:`~ml.generation.planning.MAX_BATCH`).
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
        self._prefix_lengths: dict[str, int] = {}
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
        return self.submit_many([item])[0]

    def submit_many(self, items: Sequence[GenerationItem]) -> list[Future[Completion]]:
        """Queue several prompts together; one future per item, in order.

        Every prompt is tokenized (for the batch plan) before the first is queued, so the worker finds them all
        in its queue at once: submitted one by one, tokenizing a request's 28 rows can outlast ``max_wait_s`` and
        cut them into a batch and a leftover of a few rows, which costs as many decode steps as a full one.
        """
        pending = [_Pending(item, Future(), self._planned_length(item.prompt)) for item in items]
        for entry in pending:
            self._queue.put(entry)
        self.start()
        return [entry.future for entry in pending]

    def _planned_length(self, prompt: str) -> int:
        """The prompt tokens a row costs in a batch: with shared prefixes only its own tail, the few-shot prefix
        before it being held once per batch (:mod:`ml.generation.cache.prefix_store`), so rows of long prompts
        that share it still make a wide batch."""
        tokenizer = self.loaded.tokenizer
        length = len(tokenizer(prompt).input_ids)
        prefix = prefix_text(prompt) if self.options.share_prefix else ""
        if not prefix:
            return length
        if prefix not in self._prefix_lengths:  # a worker sees the same few prefixes (language x field) again
            if len(self._prefix_lengths) >= 256:
                self._prefix_lengths.clear()
            self._prefix_lengths[prefix] = len(tokenizer(prefix).input_ids)
        return max(1, length - self._prefix_lengths[prefix])

    def generate_many(self, items: Sequence[GenerationItem]) -> list[Completion]:
        """Submit every item and wait for all of them, in order."""
        futures = self.submit_many(items)
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
                        self.loaded,
                        [p.item for p in batch],
                        self.seed + self.batches_run,
                        self.temperature,
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
