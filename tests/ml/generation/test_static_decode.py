"""The fixed-shape decode engine (CUDA graphs on a GPU), run eagerly on CPU: same text as the loop, same rules.

CUDA-graph capture itself needs a GPU; ``bench/generation_bench.py --gpu`` checks there that the replayed graph
writes what the eager step writes (``graph_matches_eager`` in ``bench/results/generation_gpu.json``).
"""

from __future__ import annotations

import pytest
import torch

from ml.ad_rules import text_width
from ml.generation.cache.layers import StaticLayer
from ml.generation.engines.base import DecodeOptions
from ml.generation.engines.static import LENGTH_STEP, applicable, bucket, decode
from ml.generation.rules import BatchRules, ListStop, Sampling
from ml.generation.run import run_batch


@pytest.mark.parametrize("share_prefix", [True, False])
def test_greedy_static_engine_writes_what_the_loop_writes(tiny_model, share_prefix, mixed_items) -> None:
    items = list(mixed_items)
    static = run_batch(tiny_model, items, temperature=0, options=DecodeOptions("graph", share_prefix=share_prefix))
    loop = run_batch(tiny_model, items, temperature=0, options=DecodeOptions("loop", share_prefix=share_prefix))
    assert [c.text for c in static] == [c.text for c in loop]
    assert [c.new_tokens for c in static] == [c.new_tokens for c in loop]


def test_without_limits_the_static_engine_still_matches_the_loop(tiny_model, mixed_items) -> None:
    items = list(mixed_items)
    static = run_batch(tiny_model, items, temperature=0, options=DecodeOptions(enforce_limits=False, engine="graph"))
    loop = run_batch(tiny_model, items, temperature=0, options=DecodeOptions(enforce_limits=False, engine="loop"))
    assert [c.text for c in static] == [c.text for c in loop]


def test_sampled_rows_keep_their_limits_and_caps_and_a_seed_repeats(tiny_model, mixed_items) -> None:
    items = list(mixed_items) * 2
    completions = run_batch(tiny_model, items, seed=11, temperature=1.0, options=DecodeOptions(engine="graph"))
    for item, completion in zip(items, completions, strict=True):
        assert 1 <= completion.new_tokens <= item.max_new_tokens
        for line in completion.text.split("\n"):
            assert text_width(line) <= item.limit.max_width
            assert not set(line) & item.limit.banned_chars
    again = run_batch(tiny_model, items, seed=11, temperature=1.0, options=DecodeOptions(engine="graph"))
    assert [c.text for c in again] == [c.text for c in completions]
    other = run_batch(tiny_model, items, seed=12, temperature=1.0, options=DecodeOptions(engine="graph"))
    assert [c.text for c in other] != [c.text for c in completions]


def test_a_smaller_batch_reuses_the_graph_and_its_padding_rows_change_nothing(tiny_model, mixed_items) -> None:
    items = list(mixed_items)
    tiny_model.graphs.clear()
    run_batch(tiny_model, items, temperature=0, options=DecodeOptions(share_prefix=False, engine="graph"))
    assert len(tiny_model.graphs) == 1
    ((shape_rows, *_),) = tiny_model.graphs.keys()
    assert shape_rows == 4
    three = run_batch(tiny_model, items[:3], temperature=0, options=DecodeOptions(share_prefix=False, engine="graph"))
    loop = run_batch(tiny_model, items[:3], temperature=0, options=DecodeOptions(share_prefix=False, engine="loop"))
    assert [c.text for c in three] == [c.text for c in loop]
    assert len(tiny_model.graphs) in (1, 2)  # the 3 rows pad to the 4-row bucket; only a longer prompt adds one
    assert all(key[0] == 4 for key in tiny_model.graphs)


def test_bucket_pads_rows_to_a_power_of_two_and_length_to_a_step() -> None:
    assert bucket(1, 10) == (1, LENGTH_STEP)
    assert bucket(3, LENGTH_STEP + 1) == (4, 2 * LENGTH_STEP)
    assert bucket(32, 300) == (32, 320)
    assert bucket(129, 10) is None


def test_a_model_that_does_not_attend_with_sdpa_falls_back_to_generate(tiny_model, mixed_items) -> None:
    eager = tiny_model
    items = list(mixed_items)[:2]
    implementation = eager.model.config._attn_implementation
    eager.model.config._attn_implementation = "eager"
    try:
        assert not applicable(eager, 128)
        encoded = {"input_ids": torch.ones(2, 5, dtype=torch.long), "attention_mask": torch.ones(2, 5)}
        rules = BatchRules(None, ListStop(eager.tokenizer, 1))
        assert decode(eager, encoded, [4, 4], rules, Sampling(temperature=0)) is None
        static = run_batch(eager, items, temperature=0, options=DecodeOptions(share_prefix=False, engine="graph"))
        generate = run_batch(eager, items, temperature=0, options=DecodeOptions(share_prefix=False, engine="generate"))
    finally:
        eager.model.config._attn_implementation = implementation
    assert [c.text for c in static] == [c.text for c in generate]


def test_a_sequence_longer_than_the_sliding_window_is_not_taken(tiny_model) -> None:
    window = tiny_model.model.config.sliding_window
    assert applicable(tiny_model, window)
    assert not applicable(tiny_model, window + 1)


def test_static_layer_writes_at_the_shared_index() -> None:
    index = torch.tensor([2])
    layer = StaticLayer(torch.zeros(2, 1, 5, 3), torch.zeros(2, 1, 5, 3), index)
    keys, values = layer.update(torch.ones(2, 1, 1, 3), 2 * torch.ones(2, 1, 1, 3))
    assert keys.shape == (2, 1, 5, 3) and layer.get_seq_length() == 5 and layer.get_mask_sizes(1) == (5, 0)
    assert torch.equal(keys[:, :, 2], torch.ones(2, 1, 3)) and keys[:, :, [0, 1, 3, 4]].abs().sum() == 0
    assert torch.equal(values[:, :, 2], 2 * torch.ones(2, 1, 3))
    index += 1
    layer.update(3 * torch.ones(2, 1, 1, 3), torch.zeros(2, 1, 1, 3))
    assert torch.equal(keys[:, :, 3], 3 * torch.ones(2, 1, 3))


def test_a_model_with_llm_int8_outlier_layers_runs_its_step_eagerly() -> None:
    from types import SimpleNamespace

    from ml.generation.engines.static import capturable

    class Linear8bitLt(torch.nn.Module):  # bitsandbytes' class name; the check reads only the name and threshold
        def __init__(self, threshold: float) -> None:
            super().__init__()
            self.state = SimpleNamespace(threshold=threshold)

    assert not capturable(torch.nn.Sequential(torch.nn.Linear(2, 2), Linear8bitLt(6.0)))
    assert capturable(torch.nn.Sequential(torch.nn.Linear(2, 2), Linear8bitLt(0.0)))
