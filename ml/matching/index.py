"""One FAISS vector index per organization, persisted as a single file with an id mapping back to rows.

Isolation is by construction: an :class:`OrgIndex` reads and writes only
``<base_dir>/<name>.org<org_id>.faiss`` and refuses a file whose header names another organization, so one
organization's index never answers another's query. The web app passes ``var/indexes/<org_id>/`` as
``base_dir``.

File layout (one file, so ``os.replace`` makes a save atomic)::

    b"ADOIDX01" | uint32 header length | header JSON | faiss index bytes | sha256(header JSON + index bytes)

The header names the organization, index name, dimension, kind and ``nprobe``; the trailing digest catches
truncated or flipped files before FAISS parses them.

Index kind is chosen from the size: exact inner-product search (``IndexFlatIP`` behind an ``IndexIDMap2``) up
to ``flat_max`` vectors, IVF-Flat above it, with ``nlist`` ≈ 2·√n (a power of two) and ``nprobe`` tunable
against exact search with :meth:`OrgIndex.tune_nprobe`. IVF-Flat keeps vectors uncompressed, so its memory is
the raw vectors plus 8 bytes of id per vector and the centroids (about 1.01× the raw vectors for 512-d
float32); HNSW would need 1.1–1.3× for its graph and cannot remove vectors.

Searches run on a GPU when faiss-gpu is installed and a GPU is present (the file always holds the CPU index).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import struct
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

MAGIC = b"ADOIDX01"
_FORMAT = 1
_DIGEST_BYTES = 32
_CHUNK = 1 << 22


class IndexUnavailable(Exception):
    """The organization's index file cannot be used; rebuild it from the database."""


class IndexMissing(IndexUnavailable):
    """No index file has been written for this organization yet (or it was deleted)."""


class IndexCorrupt(IndexUnavailable):
    """The index file is truncated, altered, unparsable or for another model dimension."""


class IndexOrgMismatch(IndexCorrupt):
    """The index file at this organization's path names a different organization."""


Ids: TypeAlias = "Sequence[int] | np.ndarray"  # row ids: a list or an int array
RebuildFn: TypeAlias = Callable[[], tuple[Ids, "np.ndarray"]]


def _faiss() -> Any:
    import faiss

    return faiss


def gpu_available() -> bool:
    """True when the installed faiss has GPU support and sees at least one GPU."""
    faiss = _faiss()
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def ivf_nlist(n: int) -> int:
    """Number of IVF lists for ``n`` vectors: the power of two nearest 2·√n, at least 16.

    Fewer, larger lists than the usual 4–16·√n keep k-means training affordable on a CPU worker (training cost
    grows with nlist²) at the price of scanning more vectors per probe; ``tune_nprobe`` then picks the probes.
    """
    return max(16, 2 ** round(math.log2(2 * math.sqrt(max(n, 1)))))


class OrgIndex:
    """A persisted, incrementally updated vector index for one organization.

    Args:
        org_id: the organization this index belongs to; written into and checked against the file header.
        base_dir: directory for the index file (created on save).
        dim: vector dimension (the embedder's ``dim``).
        name: which index of the organization, e.g. ``"search_terms"`` or ``"keywords"``.
        flat_max: up to this many vectors search is exact; above it the index becomes IVF-Flat.
        train_points_per_list: k-means training sample per IVF list; bounds training time on large indexes.
        seed: k-means seed, so rebuilding from the same rows gives the same index.
        use_gpu: search on a GPU; None means "when available".
    """

    def __init__(
        self,
        org_id: int | str,
        base_dir: str | os.PathLike[str],
        dim: int,
        *,
        name: str = "search_terms",
        flat_max: int = 100_000,
        train_points_per_list: int = 64,
        seed: int = 1234,
        use_gpu: bool | None = None,
    ) -> None:
        if not str(org_id) or "/" in str(org_id) or "/" in name:
            raise ValueError(f"org_id and name must be non-empty and contain no '/': {org_id!r}, {name!r}")
        self.org_id = str(org_id)
        self.base_dir = Path(base_dir)
        self.dim = dim
        self.name = name
        self.flat_max = flat_max
        self.train_points_per_list = train_points_per_list
        self.seed = seed
        self.use_gpu = use_gpu
        self.nprobe = 1
        self._index: Any = None
        self._gpu_index: Any = None

    @property
    def path(self) -> Path:
        return self.base_dir / f"{self.name}.org{self.org_id}.faiss"

    @property
    def kind(self) -> str:
        """``"flat"`` (exact) or ``"ivf"`` (approximate)."""
        return "ivf" if self._index is not None and self._ivf() is not None else "flat"

    def __len__(self) -> int:
        return 0 if self._index is None else int(self._index.ntotal)

    # ---- building and updating -------------------------------------------------------------------------

    def rebuild(self, ids: Ids, vectors: np.ndarray) -> None:
        """Replace the contents with exactly these rows, choosing the index kind from their number."""
        ids_array, vectors = self._check(ids, vectors)
        self._index = self._new_index(len(ids_array), vectors)
        if len(ids_array):
            self._index.add_with_ids(vectors, ids_array)
        self._gpu_index = None

    def add(self, ids: Ids, vectors: np.ndarray) -> None:
        """Insert or replace rows by id; converts to IVF when the index grows past ``flat_max``."""
        import numpy as np

        ids_array, vectors = self._check(ids, vectors)
        if len(set(ids_array.tolist())) != len(ids_array):
            raise ValueError("duplicate ids in one add()")
        if self._index is None:
            self.rebuild(ids_array, vectors)
            return
        self.remove(ids_array)
        if self.kind == "flat" and len(self) + len(ids_array) > self.flat_max:
            old_ids, old_vectors = self._flat_contents()
            self.rebuild(np.concatenate([old_ids, ids_array]), np.concatenate([old_vectors, vectors]))
            return
        self._index.add_with_ids(vectors, ids_array)
        self._gpu_index = None

    def remove(self, ids: Ids) -> int:
        """Remove rows by id; unknown ids are ignored. Returns how many were removed."""
        import numpy as np

        if self._index is None or len(ids) == 0:
            return 0
        selector = _faiss().IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        removed = int(self._index.remove_ids(selector))
        if removed:
            self._gpu_index = None
        return removed

    def search(self, queries: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Nearest rows by inner product (cosine for unit vectors).

        Returns:
            ``(scores, ids)``, both ``(len(queries), k)``; missing neighbours have id -1 and score -inf.
        """
        import numpy as np

        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if self._index is None or len(self) == 0:
            return (np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64))
        scores, ids = self._searcher().search(queries, k)
        scores[ids < 0] = -np.inf
        return scores, ids

    def tune_nprobe(self, queries: np.ndarray, target_recall: float = 0.99, max_nprobe: int | None = None) -> float:
        """Pick the smallest power-of-two ``nprobe`` whose recall@1 against exact search reaches the target.

        IVF-Flat probing every list is exact, so no second copy of the vectors is needed for the reference.
        No-op for a flat index.

        Returns:
            The recall@1 measured at the chosen ``nprobe`` (1.0 for a flat index).
        """
        import numpy as np

        ivf = self._ivf()
        if ivf is None:
            return 1.0
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        # the reference runs on the CPU index: GPU IVF caps nprobe (2048 in some faiss builds)
        ivf.nprobe = ivf.nlist
        _, exact_ids = ivf.search(queries, 1)
        limit = min(max_nprobe or ivf.nlist, ivf.nlist)
        nprobe, recall = 1, 0.0
        while True:
            self.nprobe = nprobe
            _, ids = self.search(queries, 1)
            recall = float(np.mean(ids[:, 0] == exact_ids[:, 0]))
            if recall >= target_recall or nprobe >= limit:
                return recall
            nprobe = min(nprobe * 2, limit)

    # ---- persistence -----------------------------------------------------------------------------------

    def save(self) -> Path:
        """Write the index atomically (temporary file in the same directory, fsync, rename)."""
        faiss = _faiss()
        if self._index is None:
            self.rebuild([], _empty(self.dim))
        header = json.dumps(
            {
                "format": _FORMAT,
                "org_id": self.org_id,
                "name": self.name,
                "dim": self.dim,
                "kind": self.kind,
                "ntotal": len(self),
                "nprobe": self.nprobe,
            },
            sort_keys=True,
        ).encode()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        digest = hashlib.sha256(header)
        try:
            with open(tmp, "wb") as fh:
                fh.write(MAGIC + struct.pack("<I", len(header)) + header)

                def write(chunk: bytes) -> int:
                    digest.update(chunk)
                    fh.write(chunk)
                    return len(chunk)

                # streamed, so saving a multi-GB index does not need a second in-memory copy
                faiss.write_index(self._index, faiss.PyCallbackIOWriter(write))
                fh.write(digest.digest())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return self.path

    def load(self) -> None:
        """Read the index file.

        Raises:
            IndexMissing: no file at :attr:`path`.
            IndexOrgMismatch: the file belongs to another organization or index name.
            IndexCorrupt: truncated, altered or unparsable file, or a different dimension.
        """
        faiss = _faiss()
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed below, after a streamed read
        except FileNotFoundError as exc:
            raise IndexMissing(f"no index file at {self.path}") from exc
        with fh:
            size = os.fstat(fh.fileno()).st_size
            prefix = fh.read(len(MAGIC) + 4)
            if len(prefix) < len(MAGIC) + 4 or prefix[: len(MAGIC)] != MAGIC:
                raise IndexCorrupt(f"{self.path}: not an index file")
            (header_len,) = struct.unpack("<I", prefix[len(MAGIC) :])
            payload_len = size - len(prefix) - header_len - _DIGEST_BYTES
            if payload_len <= 0:
                raise IndexCorrupt(f"{self.path}: truncated")
            header_bytes = fh.read(header_len)
            try:
                header = json.loads(header_bytes)
            except ValueError as exc:
                raise IndexCorrupt(f"{self.path}: unreadable header") from exc
            if header.get("org_id") != self.org_id or header.get("name") != self.name:
                raise IndexOrgMismatch(
                    f"{self.path} holds index {header.get('name')!r} of organization "
                    f"{header.get('org_id')!r}, "
                    f"not {self.name!r} of {self.org_id!r}"
                )
            if header.get("format") != _FORMAT or header.get("dim") != self.dim:
                raise IndexCorrupt(
                    f"{self.path}: format {header.get('format')}, dim {header.get('dim')}; "
                    f"expected format {_FORMAT}, dim {self.dim}"
                )
            digest = hashlib.sha256(header_bytes)
            for remaining in _chunks(payload_len):
                digest.update(fh.read(remaining))
            if fh.read(_DIGEST_BYTES) != digest.digest():
                raise IndexCorrupt(f"{self.path}: checksum mismatch")
            fh.seek(len(prefix) + header_len)
            try:
                index = faiss.read_index(faiss.PyCallbackIOReader(fh.read))
            except Exception as exc:  # faiss raises RuntimeError with a C++ message
                raise IndexCorrupt(f"{self.path}: faiss could not read it: {exc}") from exc
        if index.d != self.dim or index.ntotal != header.get("ntotal"):
            raise IndexCorrupt(
                f"{self.path}: header says {header.get('ntotal')} vectors of dim {self.dim}, "
                f"index has {index.ntotal} of dim {index.d}"
            )
        self._index = index
        self._gpu_index = None
        self.nprobe = int(header.get("nprobe", 1))

    @classmethod
    def load_or_rebuild(
        cls,
        org_id: int | str,
        base_dir: str | os.PathLike[str],
        dim: int,
        rebuild_fn: RebuildFn,
        **options: Any,
    ) -> OrgIndex:
        """Load the organization's index; if it is missing or unusable, rebuild it from ``rebuild_fn`` and
        save.

        Never raises for a bad file: it logs a warning, calls ``rebuild_fn()`` (which should return the
        ``(row_ids, vectors)`` of the organization's rows from the database) and writes a fresh file.
        """
        index = cls(org_id, base_dir, dim, **options)
        try:
            index.load()
        except IndexUnavailable as exc:
            logger.warning("rebuilding index for organization %s: %s", index.org_id, exc)
            ids, vectors = rebuild_fn()
            index.rebuild(ids, vectors)
            index.save()
        return index

    # ---- internals -------------------------------------------------------------------------------------

    def _check(self, ids: Ids, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import numpy as np

        ids_array = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim or len(vectors) != len(ids_array):
            raise ValueError(f"expected {len(ids_array)} vectors of dim {self.dim}, got shape {vectors.shape}")
        if len(ids_array) and ids_array.min() < 0:
            raise ValueError("ids must be non-negative (-1 means 'no neighbour' in results)")
        return ids_array, vectors

    def _new_index(self, n: int, vectors: np.ndarray) -> Any:
        faiss = _faiss()
        if n <= self.flat_max:
            self.nprobe = 1
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        nlist = ivf_nlist(n)
        quantizer = faiss.IndexFlatIP(self.dim)
        index = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.seed = self.seed
        index.cp.max_points_per_centroid = self.train_points_per_list
        index.cp.niter = 10
        index.train(_sample(vectors, nlist * self.train_points_per_list, self.seed))
        self.nprobe = max(1, nlist // 64)
        return index

    def _ivf(self) -> Any:
        return self._index if isinstance(self._index, _faiss().IndexIVF) else None

    def _flat_contents(self) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        ids = faiss.vector_to_array(self._index.id_map).astype("int64")
        return ids, self._index.index.reconstruct_n(0, self._index.ntotal)

    def _searcher(self) -> Any:
        ivf = self._ivf()
        if ivf is not None:
            ivf.nprobe = self.nprobe
        if not (self.use_gpu if self.use_gpu is not None else gpu_available()):
            return self._index
        faiss = _faiss()
        if self._gpu_index is None:
            try:
                self._gpu_index = faiss.index_cpu_to_gpu(_gpu_resources(), 0, self._index)
            except Exception as exc:  # an index type or size the GPU build cannot take: stay correct on CPU
                logger.warning("searching organization %s's index on CPU: %s", self.org_id, exc)
                self.use_gpu = False
                return self._index
        if ivf is not None:
            faiss.GpuParameterSpace().set_index_parameter(self._gpu_index, "nprobe", self.nprobe)
        return self._gpu_index


_GPU_RESOURCES: Any = None


def _gpu_resources() -> Any:
    # one StandardGpuResources per process: each holds scratch memory on the device
    global _GPU_RESOURCES
    if _GPU_RESOURCES is None:
        _GPU_RESOURCES = _faiss().StandardGpuResources()
    return _GPU_RESOURCES


def _chunks(total: int) -> list[int]:
    return [min(_CHUNK, total - start) for start in range(0, total, _CHUNK)]


def _empty(dim: int) -> np.ndarray:
    import numpy as np

    return np.zeros((0, dim), np.float32)


def _sample(vectors: np.ndarray, n: int, seed: int) -> np.ndarray:
    import numpy as np

    if len(vectors) <= n:
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size=n, replace=False))
    return vectors[rows]
