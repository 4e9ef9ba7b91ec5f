from __future__ import annotations

import time

import pytest

from ml.ad_rules import AdAssets, Rules, validate_ad
from ml.generation.api import GenerationRequest, generate_many
from ml.generation.batching import DynamicBatcher
from ml.generation.model.gguf import converted_dir, default_gguf
from ml.generation.model.loading import ModelSettings, load_model


def test_models_load_once_per_process(tiny_model_dir) -> None:
    settings = ModelSettings(path=str(tiny_model_dir), quantization="none", device="cpu")
    assert load_model(settings) is load_model(settings)


def test_gpu_quantizations_are_refused_on_cpu(tiny_model_dir) -> None:
    with pytest.raises(ValueError, match="needs CUDA"):
        load_model(ModelSettings(path=str(tiny_model_dir), quantization="4bit", device="cpu"))


def test_a_path_that_is_not_a_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="neither a .gguf file nor a transformers model directory"):
        load_model(ModelSettings(path=str(tmp_path), device="cpu"))


def test_int8_quantizes_the_lm_head_and_keeps_the_blocks_fp32(tiny_model_dir) -> None:
    import torch

    loaded = load_model(ModelSettings(path=str(tiny_model_dir), quantization="int8", device="cpu", cpu_blocks="fp32"))
    model = loaded.model
    assert type(model.lm_head.inner).__name__ == "Linear" and type(model.lm_head.inner) is not torch.nn.Linear
    assert model.lm_head.inner.weight().dtype == torch.qint8
    assert type(model.model.layers[0].mlp.down_proj) is torch.nn.Linear
    assert model.model.layers[0].mlp.down_proj.weight.dtype == torch.float32
    assert loaded.quantization == "int8"


def test_int8_with_bf16_blocks_keeps_the_int8_head_and_generates(tiny_model_dir) -> None:
    import torch

    from ml.ad_rules import HEADLINE_LIMIT
    from ml.generation.items import GenerationItem
    from ml.generation.run import run_batch

    loaded = load_model(ModelSettings(path=str(tiny_model_dir), quantization="int8", device="cpu", cpu_blocks="bf16"))
    model = loaded.model
    assert loaded.quantization == "int8+bf16"
    assert model.model.layers[0].mlp.down_proj.weight.dtype == torch.bfloat16
    assert model.get_input_embeddings().weight.dtype == torch.bfloat16
    assert model.lm_head.inner.weight().dtype == torch.qint8
    completions = run_batch(loaded, [GenerationItem("Títulos:\n", HEADLINE_LIMIT, 2, 12)] * 2, seed=1)
    assert all(1 <= c.new_tokens <= 12 for c in completions)


@pytest.mark.parametrize(("quantization", "blocks"), [("none", "fp32"), ("int8", "fp32"), ("int8", "bf16")])
def test_a_head_over_some_rows_gives_those_rows_logits_exactly(tiny_model_dir, quantization, blocks) -> None:
    import torch

    from ml.generation.model.quantize import head_rows

    loaded = load_model(
        ModelSettings(path=str(tiny_model_dir), quantization=quantization, device="cpu", cpu_blocks=blocks)
    )
    head = loaded.model.lm_head
    ids = torch.tensor([0, 7, 500, 1000, 262143])
    small = head_rows(head, ids)
    hidden = torch.randn(3, 64, dtype=torch.bfloat16 if blocks == "bf16" else torch.float32)
    with torch.inference_mode():
        if quantization == "int8":
            assert torch.equal(small(hidden), head(hidden)[:, ids])  # integer products: bit for bit
        else:
            # fp32 sums may round differently for 5 rows than for 262k (MKL blocks them otherwise on some CPUs)
            torch.testing.assert_close(small(hidden), head(hidden)[:, ids], rtol=1e-5, atol=1e-6)
    assert head_rows(torch.nn.Identity(), ids) is None  # a kind of head it does not know: the caller keeps the whole


def test_auto_picks_bf16_blocks_only_on_a_cpu_with_native_bf16(tiny_model_int8) -> None:
    from ml.generation.model.quantize import cpu_has_native_bf16

    assert tiny_model_int8.quantization == ("int8+bf16" if cpu_has_native_bf16() else "int8+int8-decode")


@pytest.mark.slow
def test_the_conversion_is_cached(real_model_dir, model_cache) -> None:
    started = time.perf_counter()
    assert converted_dir(default_gguf(model_cache), model_cache) == real_model_dir
    assert time.perf_counter() - started < 5
    assert sorted(p.name for p in real_model_dir.iterdir() if p.suffix in (".json", ".safetensors")) == [
        "config.json",
        "generation_config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
    ]


@pytest.mark.slow
def test_the_default_model_writes_spanish_ads_within_limits(real_model) -> None:
    requests = [
        GenerationRequest(
            "Cemento Portland gris en sacos de 50 kg, entrega en obra en Monterrey en 24 horas.",
            n_keywords=5,
            n_headlines=4,
            n_descriptions=2,
            seed=11,
            blocked_terms=("Cemex",),
        ),
        GenerationRequest(
            "Tinacos de 1100 litros con filtro y garantía de 10 años, envío gratis.",
            n_keywords=5,
            n_headlines=4,
            n_descriptions=2,
            seed=12,
        ),
    ]
    with DynamicBatcher(real_model, seed=11) as batcher:
        results = generate_many(requests, batcher)
    from ml.generation.model.quantize import cpu_has_native_bf16

    expected = "int8+bf16" if cpu_has_native_bf16() else "int8+int8-decode"
    assert real_model.name == "gemma-3-270m-q4_k_m" and real_model.quantization == expected
    for request, result in zip(requests, results, strict=True):
        assert not isinstance(result, Exception)
        assert result.provenance.quantization == expected
        ad = AdAssets(result.headlines, result.descriptions)
        length_rules = [v for v in validate_ad(ad, Rules(blocked_terms=request.blocked_terms)) if v.index is not None]
        assert length_rules == []
        assert len(result.headlines) + len(result.descriptions) + len(result.keywords) >= 4


def test_the_int8_head_scales_each_row_alone(tiny_model_dir) -> None:
    """A row's logits do not depend on its batch-mates: one loud row no longer crushes the others' activations."""
    import torch

    loaded = load_model(ModelSettings(path=str(tiny_model_dir), quantization="int8", device="cpu", cpu_blocks="fp32"))
    head = loaded.model.lm_head
    hidden = torch.randn(3, 64, generator=torch.Generator().manual_seed(3))
    loud = torch.cat([hidden[:1] * 1000, hidden[1:]])
    with torch.inference_mode():
        assert torch.equal(head(loud)[1:], head(hidden[1:]))
        exact = torch.nn.functional.linear(hidden, loaded.model.model.embed_tokens.weight)
        assert ((head(loud)[1:] - exact[1:]).norm(dim=-1) / exact[1:].norm(dim=-1)).max() < 0.05


def test_the_converted_tokenizer_reads_text_as_the_gguf_model_does(model_cache, real_model_dir) -> None:
    from transformers import AutoTokenizer

    from ml.generation.model.gguf import TOKENIZER_PROBE, check_gguf_tokenizer

    gguf = default_gguf(model_cache)
    tokenizer = AutoTokenizer.from_pretrained(real_model_dir)
    check_gguf_tokenizer(tokenizer, gguf)  # the conversion the cache holds passes
    # transformers 5.17's conversion dropped the BOS (and split words otherwise): such a tokenizer is refused
    without_bos = AutoTokenizer.from_pretrained(real_model_dir, add_bos_token=False)
    assert without_bos(TOKENIZER_PROBE).input_ids[0] != tokenizer.bos_token_id
    with pytest.raises(RuntimeError, match="does not start with the BOS token 2.*became"):
        check_gguf_tokenizer(without_bos, gguf)
