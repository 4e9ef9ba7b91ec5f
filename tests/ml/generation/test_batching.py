from __future__ import annotations

import threading

from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT
from ml.generation.batching import DynamicBatcher
from ml.generation.engines.base import DecodeOptions
from ml.generation.items import GenerationItem
from ml.generation.planning import plan_batches
from ml.generation.run import run_batch


def test_plan_batches_groups_similar_lengths_under_the_token_budget() -> None:
    lengths = [100, 20, 300, 40, 30, 310]
    new = [50] * 6
    assert plan_batches(lengths, new, token_budget=800, max_batch=32) == [[5, 2], [0, 3, 4, 1]]
    assert plan_batches(lengths, new, token_budget=10_000, max_batch=4) == [[5, 2, 0, 3], [4, 1]]
    assert plan_batches([5000], [50], token_budget=100) == [[0]]  # a prompt over budget still runs, alone


def test_plan_batches_fills_32_rows_of_short_prompts() -> None:
    plan = plan_batches([200] * 70, [60] * 70, token_budget=8192)
    assert [len(b) for b in plan] == [31, 31, 8]
    assert sorted(i for b in plan for i in b) == list(range(70))


def test_batched_greedy_output_equals_one_at_a_time(tiny_model) -> None:
    items = [
        GenerationItem("Títulos:\nCemento Gris\n", HEADLINE_LIMIT, max_lines=3, max_new_tokens=24),
        GenerationItem("Descripciones largas del producto:\n", DESCRIPTION_LIMIT, max_lines=2, max_new_tokens=30),
    ]
    together = run_batch(tiny_model, items, temperature=0)
    alone = [run_batch(tiny_model, [item], temperature=0)[0] for item in items]
    # left padding changes float rounding; on a random model near-ties flip only after many steps
    assert [c.text[:20] for c in together] == [c.text[:20] for c in alone]
    assert [c.batch_size for c in together] == [2, 2]


def test_one_batcher_serves_many_threads(tiny_model) -> None:
    items = [GenerationItem(f"Títulos {i}:\n", HEADLINE_LIMIT, max_lines=2, max_new_tokens=12) for i in range(12)]
    results: dict[int, str] = {}
    with DynamicBatcher(tiny_model, max_wait_s=0.2, temperature=0) as batcher:

        def job(i: int) -> None:
            results[i] = batcher.submit(items[i]).result(timeout=120).text

        threads = [threading.Thread(target=job, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert batcher.batches_run < 12  # prompts from different threads shared batches
    assert sorted(results) == list(range(12))


def test_a_cancelled_request_is_skipped(tiny_model) -> None:
    # The gate: the worker collects prompts for max_wait_s after the first, and close() ends that wait. With a
    # wait far longer than the test, neither prompt can start before close(), so the cancel always wins.
    batcher = DynamicBatcher(tiny_model, temperature=0, max_wait_s=600)
    item = GenerationItem("Títulos:\n", HEADLINE_LIMIT, max_lines=1, max_new_tokens=4)
    future = batcher.submit(item)
    cancelled = future.cancel()
    kept = batcher.submit(item)
    batcher.close()  # finishes the queued prompts: the cancelled one is dropped, the kept one runs alone

    assert cancelled is True
    assert future.cancelled() is True
    assert kept.result(timeout=0).batch_size == 1
    assert batcher.batches_run == 1


def test_prefilling_shared_prefixes_once_changes_no_output(tiny_model) -> None:
    from ml.generation.prompts import PromptInput, build_prompt

    items = [
        GenerationItem(build_prompt(PromptInput(text, language), "headlines"), HEADLINE_LIMIT, 2, 16)
        for text, language in [("Cemento gris.", "es"), ("Tinacos de 1100 litros con filtro.", "es"), ("Tanks", "en")]
    ]
    shared = run_batch(tiny_model, items, temperature=0, options=DecodeOptions(share_prefix=True))
    plain = run_batch(tiny_model, items, temperature=0, options=DecodeOptions(share_prefix=False))
    assert [c.text[:20] for c in shared] == [c.text[:20] for c in plain]


def test_a_full_batch_does_not_wait_out_the_gathering_window(tiny_model) -> None:
    import time

    items = [GenerationItem(f"Títulos {i}:\n", HEADLINE_LIMIT, max_lines=1, max_new_tokens=2) for i in range(2)]
    with DynamicBatcher(tiny_model, max_batch=2, max_wait_s=60, temperature=0) as batcher:
        started = time.monotonic()
        futures = [batcher.submit(item) for item in items]
        assert all(f.result(timeout=50).new_tokens >= 1 for f in futures)  # two rows fill a batch: no 60 s wait
        assert time.monotonic() - started < 50
        batcher.close()  # the close marker ends the wait for more
