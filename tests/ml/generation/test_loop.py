"""The decode loop that drops finished rows: same text as ``model.generate``, each row stops on its own."""

from __future__ import annotations

import pytest
import torch

from ml.ad_rules import text_width
from ml.generation.cache.layers import GrowingLayer, GrowingSlidingLayer, preallocate, select_rows
from ml.generation.engines.base import DecodeOptions
from ml.generation.run import run_batch


@pytest.mark.parametrize("share_prefix", [True, False])
def test_greedy_loop_writes_what_generate_writes(tiny_model, share_prefix, mixed_items) -> None:
    items = list(mixed_items)
    loop = run_batch(tiny_model, items, temperature=0, options=DecodeOptions("loop", share_prefix=share_prefix))
    generate = run_batch(tiny_model, items, temperature=0, options=DecodeOptions("generate", share_prefix=share_prefix))
    assert [c.text for c in loop] == [c.text for c in generate]
    assert [c.new_tokens for c in loop] == [c.new_tokens for c in generate]


def test_each_row_stops_at_its_own_cap_and_limits_hold_in_a_mixed_batch(tiny_model, mixed_items) -> None:
    items = list(mixed_items)
    completions = run_batch(tiny_model, items, seed=5, temperature=1.0, options=DecodeOptions(engine="loop"))
    for item, completion in zip(items, completions, strict=True):
        assert 1 <= completion.new_tokens <= item.max_new_tokens
        for line in completion.text.split("\n"):
            assert text_width(line) <= item.limit.max_width
            assert not set(line) & item.limit.banned_chars
    again = run_batch(tiny_model, items, seed=5, temperature=1.0, options=DecodeOptions(engine="loop"))
    assert [c.text for c in again] == [c.text for c in completions]  # seeded


def test_unknown_engine_is_refused_when_the_options_are_built() -> None:
    with pytest.raises(ValueError, match="engine must be 'auto' or one of 'loop', 'generate', 'graph', got 'fast'"):
        DecodeOptions(engine="fast")


def test_auto_engine_is_the_loop_on_cpu_and_the_graph_on_cuda() -> None:
    assert DecodeOptions().engine_for("cpu") == "loop"
    assert DecodeOptions().engine_for("cuda:0") == "graph"
    assert DecodeOptions(engine="generate").engine_for("cuda") == "generate"


def test_growing_layers_match_dynamic_layers_and_drop_rows() -> None:
    from transformers.cache_utils import DynamicCache, DynamicLayer, DynamicSlidingWindowLayer

    torch.manual_seed(0)
    cache = DynamicCache()
    cache.layers = [DynamicLayer(), DynamicSlidingWindowLayer(sliding_window=64)]
    first = [torch.randn(3, 1, 5, 4) for _ in range(4)]
    cache.layers[0].update(first[0], first[1])
    cache.layers[1].update(first[2], first[3])
    assert preallocate(cache, capacity=6)  # smaller than needed: the buffer grows
    assert isinstance(cache.layers[0], GrowingLayer) and isinstance(cache.layers[1], GrowingSlidingLayer)
    steps = [torch.randn(3, 1, 1, 4) for _ in range(4)]
    for step in steps:
        keys, values = cache.layers[0].update(step, step + 1)
    assert keys.shape == (3, 1, 9, 4)
    assert torch.equal(keys, torch.cat([first[0], *steps], dim=2))
    assert torch.equal(values, torch.cat([first[1], *[s + 1 for s in steps]], dim=2))
    assert cache.layers[0].get_seq_length() == 9 and cache.layers[1].get_mask_sizes(1) == (6, 0)
    select_rows(cache, torch.tensor([0, 2]))
    assert torch.equal(cache.layers[0].keys, torch.cat([first[0], *steps], dim=2)[[0, 2]])
    assert cache.layers[1].keys.shape == (2, 1, 5, 4)


def test_a_window_too_short_keeps_the_original_layer() -> None:
    from transformers.cache_utils import DynamicCache, DynamicSlidingWindowLayer

    cache = DynamicCache()
    cache.layers = [DynamicSlidingWindowLayer(sliding_window=8)]
    cache.layers[0].update(torch.zeros(1, 1, 4, 2), torch.zeros(1, 1, 4, 2))
    assert not preallocate(cache, capacity=16)
    assert type(cache.layers[0]) is DynamicSlidingWindowLayer


def test_rows_that_cannot_leave_the_cache_are_skipped_with_the_same_text(
    tiny_model, tiny_model_dir, mixed_items
) -> None:
    """A sliding window shorter than prompt + continuation keeps transformers' own layer; finished rows then stay
    in the batch, their tokens no longer recorded, and the output is still exactly ``generate``'s."""
    from transformers import AutoConfig, AutoModelForCausalLM

    from ml.generation.model.loading import LoadedModel

    config = AutoConfig.from_pretrained(tiny_model_dir)
    config.sliding_window = 16
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    loaded = LoadedModel(
        model=model, tokenizer=tiny_model.tokenizer, name="tiny-window", quantization="none", device="cpu"
    )
    items = list(mixed_items)
    loop = run_batch(loaded, items, temperature=0, options=DecodeOptions(engine="loop"))
    generate = run_batch(loaded, items, temperature=0, options=DecodeOptions(engine="generate"))
    assert [c.text for c in loop] == [c.text for c in generate]
    assert len({c.new_tokens for c in loop}) > 1  # rows did finish at different steps


@pytest.mark.parametrize("temperature", [0, 1.0])
def test_the_restricted_head_writes_what_the_whole_head_writes(
    tiny_model, tiny_model_int8, temperature, mixed_items
) -> None:
    from dataclasses import replace

    from ml.generation.engines.loop import decode
    from ml.generation.rules import BatchRules, LineLimitProcessor, ListStop, Sampling
    from ml.generation.tables import LANGUAGE_ALPHABET

    items = [replace(item, alphabet=LANGUAGE_ALPHABET["es"]) for item in list(mixed_items)]
    for loaded in (tiny_model, tiny_model_int8):
        tokenizer = loaded.tokenizer
        encoded = dict(tokenizer([item.prompt for item in items], return_tensors="pt", padding=True))
        runs = []
        for restrict in (True, False):
            processor = LineLimitProcessor(tokenizer, [i.limit for i in items], alphabets=[i.alphabet for i in items])
            stop = ListStop(tokenizer, [i.max_lines for i in items])
            torch.manual_seed(11)
            runs.append(
                decode(
                    loaded,
                    encoded,
                    [i.max_new_tokens for i in items],
                    BatchRules(processor, stop),
                    Sampling(temperature, 40),
                    DecodeOptions(restrict_vocab=restrict),
                )
            )
        assert runs[0] == runs[1]
        ids, head = loaded.heads["rows"]
        assert head is not loaded.model.lm_head and len(ids) < 0.7 * len(tokenizer)
        assert all(t in set(ids.tolist()) for row in runs[0] for t in row)


def test_run_batch_uses_the_alphabet_of_each_row(tiny_model, mixed_items) -> None:
    from dataclasses import replace

    from ml.generation.tables import ALPHABETS

    in_latin = ALPHABETS["latin"]
    anything = run_batch(tiny_model, list(mixed_items), seed=2, temperature=1.0)
    assert not all(in_latin(c) for c in "".join(c.text for c in anything))  # random weights write any script
    latin = run_batch(tiny_model, [replace(item, alphabet="latin") for item in mixed_items], seed=2, temperature=1.0)
    assert all(in_latin(c) for c in "".join(c.text for c in latin))


def test_building_the_restricted_head_leaves_the_seeded_sampling_alone(
    tiny_model, tiny_model_int8, mixed_items
) -> None:
    """Regression: a new ``nn.Linear`` initialises its weights from the global generator, so the batch that built the
    restricted head sampled other text than the same seeded batch once the head was cached."""
    from dataclasses import replace

    items = [replace(item, alphabet="latin") for item in list(mixed_items)]
    for loaded in (tiny_model, tiny_model_int8):
        loaded.heads.clear()
        built = run_batch(loaded, items, seed=4, temperature=1.0)
        assert "rows" in loaded.heads
        cached = run_batch(loaded, items, seed=4, temperature=1.0)
        assert [c.text for c in built] == [c.text for c in cached]
