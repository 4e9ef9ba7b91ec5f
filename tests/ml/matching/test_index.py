from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from ml.matching.index import IndexCorrupt, IndexMissing, IndexOrgMismatch, OrgIndex, ivf_nlist


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_flat_index_returns_row_ids_by_similarity(tmp_path: Path) -> None:
    vectors = unit_vectors(50)
    index = OrgIndex(1, tmp_path, 16)
    index.add(range(1000, 1050), vectors)
    scores, ids = index.search(vectors[[3, 7]], k=1)
    assert index.kind == "flat"
    assert ids.tolist() == [[1003], [1007]]
    assert np.allclose(scores, 1.0, atol=1e-6)


def test_empty_index_answers_no_neighbours(tmp_path: Path) -> None:
    scores, ids = OrgIndex(1, tmp_path, 16).search(unit_vectors(2), k=3)
    assert ids.tolist() == [[-1, -1, -1], [-1, -1, -1]]
    assert np.isneginf(scores).all()


def test_add_replaces_existing_ids_and_remove_drops_them(tmp_path: Path) -> None:
    vectors = unit_vectors(10)
    index = OrgIndex(1, tmp_path, 16)
    index.add(range(10), vectors)
    index.add([4], vectors[[9]])  # row 4's text changed: its vector is replaced, not duplicated
    assert len(index) == 10
    assert sorted(index.search(vectors[[9]], k=2)[1][0].tolist()) == [4, 9]
    assert index.remove([4, 9, 12345]) == 2
    assert len(index) == 8
    assert index.search(vectors[[9]], k=1)[1][0, 0] not in (4, 9)


def test_grows_from_flat_to_ivf_and_keeps_every_row(tmp_path: Path) -> None:
    vectors = unit_vectors(3000, seed=1)
    index = OrgIndex(1, tmp_path, 16, flat_max=1000)
    index.add(range(500), vectors[:500])
    index.add(range(500, 3000), vectors[500:])
    assert (index.kind, len(index), ivf_nlist(3000)) == ("ivf", 3000, 128)
    recall = index.tune_nprobe(vectors[:300], target_recall=0.99)
    assert recall >= 0.99
    assert index.search(vectors[:300], k=1)[1][:, 0].tolist() == list(range(300))


def test_ivf_nlist_is_a_power_of_two_near_twice_sqrt_n() -> None:
    assert [ivf_nlist(n) for n in (10, 100_000, 1_000_000)] == [16, 512, 2048]


def test_restarted_worker_loads_the_same_answers(tmp_path: Path) -> None:
    vectors = unit_vectors(3000, seed=2)
    index = OrgIndex(7, tmp_path, 16, flat_max=1000)
    index.rebuild(range(3000), vectors)
    index.tune_nprobe(vectors[:100])
    before = index.search(vectors[:100], k=5)
    index.save()
    reloaded = OrgIndex(7, tmp_path, 16, flat_max=1000)
    reloaded.load()
    after = reloaded.search(vectors[:100], k=5)
    assert (reloaded.kind, reloaded.nprobe, len(reloaded)) == ("ivf", index.nprobe, 3000)
    assert np.array_equal(before[1], after[1])
    assert np.array_equal(before[0], after[0])


def test_org_a_terms_never_answer_org_b(tmp_path: Path) -> None:
    vectors = unit_vectors(20, seed=3)
    org_a = OrgIndex("a", tmp_path, 16)
    org_a.add(range(10), vectors[:10])
    org_a.save()
    org_b = OrgIndex("b", tmp_path, 16)  # same directory on purpose: the file name and header separate them
    org_b.add(range(100, 110), vectors[10:])
    org_b.save()
    loaded_b = OrgIndex("b", tmp_path, 16)
    loaded_b.load()
    _, ids = loaded_b.search(vectors[:10], k=10)  # org A's own vectors as queries
    assert set(ids.ravel().tolist()) == set(range(100, 110))


def test_a_file_copied_from_another_org_is_refused(tmp_path: Path) -> None:
    org_a = OrgIndex("a", tmp_path, 16)
    org_a.add([1], unit_vectors(1))
    path_a = org_a.save()
    org_b = OrgIndex("b", tmp_path, 16)
    org_b.path.write_bytes(path_a.read_bytes())
    with pytest.raises(IndexOrgMismatch, match="organization 'a'"):
        org_b.load()


def test_missing_file_raises_index_missing(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        OrgIndex(1, tmp_path / "nowhere", 16).load()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_damaged_file_raises_index_corrupt(tmp_path: Path, damage: str) -> None:
    index = OrgIndex(1, tmp_path, 16)
    index.add(range(30), unit_vectors(30))
    path = index.save()
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not an index at all" * 10)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt):
        OrgIndex(1, tmp_path, 16).load()


def test_wrong_dimension_is_corrupt_for_this_model(tmp_path: Path) -> None:
    index = OrgIndex(1, tmp_path, 16)
    index.add([1], unit_vectors(1))
    index.save()
    with pytest.raises(IndexCorrupt, match="dim 16"):
        OrgIndex(1, tmp_path, 32).load()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_load_or_rebuild_rebuilds_from_the_database_with_a_warning(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    vectors = unit_vectors(12, seed=4)
    if damage == "corrupt":
        (tmp_path / "search_terms.org5.faiss").write_bytes(b"ADOIDX01\x00\x00")
    calls = []

    def rows_from_database() -> tuple[list[int], np.ndarray]:
        calls.append(1)
        return list(range(500, 512)), vectors

    with caplog.at_level(logging.WARNING, logger="ml.matching.index"):
        index = OrgIndex.load_or_rebuild(5, tmp_path, 16, rows_from_database)
    assert (len(calls), len(index)) == (1, 12)
    assert index.search(vectors[[3]], k=1)[1].tolist() == [[503]]
    assert "rebuilding index for organization 5" in caplog.text
    again = OrgIndex.load_or_rebuild(5, tmp_path, 16, rows_from_database)  # the rebuilt file is valid now
    assert (len(calls), len(again)) == (1, 12)


def test_save_leaves_no_temporary_files(tmp_path: Path) -> None:
    index = OrgIndex(1, tmp_path, 16)
    index.add([1, 2], unit_vectors(2))
    index.save()
    index.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["search_terms.org1.faiss"]


@pytest.mark.parametrize(
    ("ids", "shape", "message"),
    [
        ([1, 2], (3, 16), "expected 2 vectors of dim 16"),
        ([1], (1, 8), "dim 16"),
        ([-1], (1, 16), "non-negative"),
    ],
)
def test_bad_input_is_refused(tmp_path: Path, ids: list[int], shape: tuple[int, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OrgIndex(1, tmp_path, 16).add(ids, np.zeros(shape, np.float32))


def test_duplicate_ids_in_one_add_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate ids"):
        OrgIndex(1, tmp_path, 16).add([1, 1], unit_vectors(2))


def test_gpu_search_matches_cpu(tmp_path: Path) -> None:
    from ml.matching.index import gpu_available

    if not gpu_available():
        pytest.skip("faiss-gpu and a CUDA device are needed")
    vectors = unit_vectors(2000, seed=5)
    cpu = OrgIndex(1, tmp_path, 16, use_gpu=False)
    cpu.rebuild(range(2000), vectors)
    gpu = OrgIndex(1, tmp_path, 16, use_gpu=True)
    gpu.rebuild(range(2000), vectors)
    assert np.array_equal(cpu.search(vectors[:50], k=1)[1], gpu.search(vectors[:50], k=1)[1])
