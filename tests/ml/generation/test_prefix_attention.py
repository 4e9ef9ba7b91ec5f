"""Each shared few-shot prefix held once: the same attention as over per-row copies, prefixes kept between batches."""

from __future__ import annotations

import pytest
import torch

from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT
from ml.generation.cache import prefix_store
from ml.generation.cache.layers import preallocate, select_rows
from ml.generation.cache.prefix_attention import SharedPrefixLayer, SharedPrefixSlidingLayer, uses_prefix_attention
from ml.generation.cache.prefix_store import prefill_shared_prefixes
from ml.generation.items import GenerationItem
from ml.generation.model.loading import LoadedModel
from ml.generation.prompts import PromptInput, build_prompt
from ml.generation.run import run_batch

# rows of three prefixes (language x field), interleaved: rows of one prefix are not side by side
ROWS = [
    ("Cemento gris en sacos de 50 kg.", "es", "headlines"),
    ("Water tanks with delivery.", "en", "headlines"),
    ("Tinacos de 1100 litros con filtro.", "es", "headlines"),
    ("Ladrillo rojo.", "es", "keywords"),
    ("Steel rebar cut to size.", "en", "headlines"),
]
LIMITS = {"headlines": HEADLINE_LIMIT, "keywords": KEYWORD_LIMIT, "descriptions": DESCRIPTION_LIMIT}


def _prompts() -> list[str]:
    return [build_prompt(PromptInput(text, language), kind) for text, language, kind in ROWS]


def _fresh(tiny_model: LoadedModel, model=None) -> LoadedModel:
    """The tiny model with an empty prefix store (the session fixture's store is shared by other tests)."""
    return LoadedModel(
        model=model or tiny_model.model, tokenizer=tiny_model.tokenizer, name="tiny", quantization="none", device="cpu"
    )


def _logits(loaded: LoadedModel, encoded: dict, steps: int, drop_after: int | None) -> list[torch.Tensor]:
    """The tail pass and ``steps`` one-token steps fed fixed tokens; rows 1 and 3 leave after ``drop_after``."""
    model = loaded.model
    ids, mask, cache = encoded["input_ids"], encoded["attention_mask"], encoded["cache"]
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    done = cache.get_seq_length()
    out = []
    with torch.inference_mode():
        result = model(
            input_ids=ids[:, done:],
            attention_mask=mask,
            position_ids=positions[:, done:],
            cache=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        out.append(result.logits[:, -1])
        assert preallocate(cache, ids.shape[1] + steps + 1)
        last, live = positions[:, -1], torch.arange(ids.shape[0])
        for step in range(steps):
            if drop_after is not None and step == drop_after:
                keep = torch.tensor([0, 2, 4])
                select_rows(cache, keep)
                mask, last, live = mask[keep], last[keep], live[keep]
            token = (live * 7 + 100 + step).unsqueeze(1)
            mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], dim=1)
            last = last + 1
            result = model(
                input_ids=token, attention_mask=mask, position_ids=last.unsqueeze(1), cache=cache, use_cache=True
            )
            out.append(result.logits[:, -1])
    return out


def test_one_row_without_padding_attends_as_over_a_copied_prefix(tiny_model) -> None:
    """No padding anywhere: SDPA's mask function gives no mask for the one-token steps."""
    loaded = _fresh(tiny_model)
    shared = prefill_shared_prefixes(loaded, _prompts()[:1], max_new_tokens=8)
    assert bool(shared["attention_mask"].all())
    copied = prefill_shared_prefixes(loaded, _prompts()[:1])
    for a, b in zip(_logits(loaded, shared, 4, None), _logits(loaded, copied, 4, None), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_without_a_shared_prefix_layer_the_model_runs_sdpa_exactly(tiny_model, tiny_model_dir) -> None:
    from transformers import AutoModelForCausalLM

    sdpa = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval()
    assert sdpa.config._attn_implementation == "sdpa" and uses_prefix_attention(tiny_model.model)
    batch = tiny_model.tokenizer(_prompts()[:3], return_tensors="pt", padding=True)
    single = tiny_model.tokenizer(_prompts()[:1], return_tensors="pt")
    with torch.inference_mode():
        for inputs in (batch, single):
            assert torch.equal(tiny_model.model(**inputs).logits, sdpa(**inputs).logits)
            assert torch.equal(
                tiny_model.model.generate(**inputs, max_new_tokens=6, do_sample=False),
                sdpa.generate(**inputs, max_new_tokens=6, do_sample=False),
            )


def test_prefix_attention_equals_attention_over_copied_prefixes(tiny_model) -> None:
    loaded = _fresh(tiny_model)
    assert uses_prefix_attention(loaded.model)
    shared = prefill_shared_prefixes(loaded, _prompts(), max_new_tokens=8)
    copied = prefill_shared_prefixes(loaded, _prompts())
    layers = shared["cache"].layers
    assert isinstance(layers[0], SharedPrefixSlidingLayer) and type(layers[1]) is SharedPrefixLayer
    assert layers[1].prefix_keys.shape[0] == 3  # three distinct prefixes, each held once
    assert layers[1].runs() == [(0, 0, 1), (1, 1, 2), (0, 2, 3), (2, 3, 4), (1, 4, 5)]
    assert not isinstance(copied["cache"].layers[1], SharedPrefixLayer)
    assert torch.equal(shared["input_ids"], copied["input_ids"])
    assert torch.equal(shared["attention_mask"], copied["attention_mask"])
    for a, b in zip(_logits(loaded, shared, 5, 2), _logits(loaded, copied, 5, 2), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_each_prefix_runs_once_and_later_batches_reuse_it(tiny_model, monkeypatch) -> None:
    loaded = _fresh(tiny_model)
    widths: list[int] = []
    forward = loaded.model.forward

    def counting(*args, **kwargs):
        widths.append(kwargs["input_ids"].shape[0])
        return forward(*args, **kwargs)

    monkeypatch.setattr(loaded.model, "forward", counting)
    prompts = _prompts()
    prefill_shared_prefixes(loaded, prompts[:3], max_new_tokens=8)  # two prefixes: es and en headlines
    assert widths == [2] and len(loaded.prefixes) == 2
    prefill_shared_prefixes(loaded, prompts, max_new_tokens=8)  # only the keywords prefix is new
    assert widths == [2, 1] and len(loaded.prefixes) == 3
    prefill_shared_prefixes(loaded, prompts, max_new_tokens=8)
    assert widths == [2, 1]  # nothing new: no prefix pass at all
    # past the byte budget the least recently used prefixes go, never those of the batch being built
    monkeypatch.setattr(prefix_store, "PREFIX_STORE_BYTES", 1)
    prefill_shared_prefixes(loaded, prompts[3:4], max_new_tokens=8)
    assert list(loaded.prefixes) == [next(reversed(loaded.prefixes))] and len(loaded.prefixes) == 1


def test_rows_ordered_by_prefix_come_back_in_the_callers_order(tiny_model) -> None:
    items = [GenerationItem(prompt, LIMITS[kind], 2, 12) for prompt, (_, _, kind) in zip(_prompts(), ROWS, strict=True)]
    together = run_batch(_fresh(tiny_model), items, temperature=0)
    alone = [run_batch(_fresh(tiny_model), [item], temperature=0)[0] for item in items]
    assert [c.text[:20] for c in together] == [c.text[:20] for c in alone]


def test_models_without_prefix_attention_or_with_short_windows_copy_the_prefix(tiny_model, tiny_model_dir) -> None:
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(tiny_model_dir)
    config.sliding_window = 64  # shorter than prefix + tail + continuation
    torch.manual_seed(1)
    short = _fresh(tiny_model, AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval())
    short.model.set_attn_implementation("prefix_sdpa")
    assert not isinstance(prefill_shared_prefixes(short, _prompts(), 8)["cache"].layers[1], SharedPrefixLayer)
    plain = _fresh(tiny_model, AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32).eval())
    assert not uses_prefix_attention(plain.model)
    assert not isinstance(prefill_shared_prefixes(plain, _prompts(), 8)["cache"].layers[1], SharedPrefixLayer)
    assert not plain.prefixes


def test_bad_prefix_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="must share one"):
        SharedPrefixLayer(torch.zeros(2, 1, 4, 8), torch.zeros(2, 1, 5, 8), torch.tensor([0, 1]))


def test_keys_changed_after_the_cache_are_refused_not_attended_without_their_prefix() -> None:
    from ml.generation.cache.prefix_attention import prefix_attention

    layer = SharedPrefixLayer(torch.zeros(1, 1, 4, 8), torch.zeros(1, 1, 4, 8), torch.tensor([0]), capacity=6)
    keys, values = layer.update(torch.ones(1, 1, 1, 8), torch.ones(1, 1, 1, 8))

    class Attention:
        num_key_value_groups = 2

    with pytest.raises(RuntimeError, match="changed the keys"):
        prefix_attention(Attention(), torch.ones(1, 2, 1, 8), keys.repeat(1, 2, 1, 1), values, None)
    out, _ = prefix_attention(Attention(), torch.ones(1, 2, 1, 8), keys, values, None)  # no layer pending: SDPA
    assert out.shape == (1, 1, 2, 8)
