from __future__ import annotations

import pytest
import torch
from torch import nn

from ml.generation.model.decode_int8 import DecodeInt8Linear, calibrate, quantize_decode_linears
from ml.generation.model.loading import ModelSettings, load_model


def _linear(rows: int = 48, cols: int = 64, seed: int = 0) -> nn.Linear:
    generator = torch.Generator().manual_seed(seed)
    layer = nn.Linear(cols, rows, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(rows, cols, generator=generator) * 0.1)
    return layer


def _relative_error(got: torch.Tensor, want: torch.Tensor) -> torch.Tensor:
    """Per row: the error's norm over the exact output's norm."""
    return (got - want).norm(dim=-1) / want.norm(dim=-1)


def test_prompt_passes_stay_exactly_fp32_and_decode_steps_come_close() -> None:
    layer = _linear()
    int8 = DecodeInt8Linear(layer)
    prompt = torch.randn(3, 7, 64)
    step = torch.randn(3, 1, 64)
    with torch.inference_mode():
        assert torch.equal(int8(prompt), layer(prompt))
        assert _relative_error(int8(step), layer(step)).max() < 0.03
    assert int8.weight is layer.weight and (int8.in_features, int8.out_features) == (64, 48)


def test_a_pass_marked_without_the_first_token_runs_int8_and_marks_nothing_after_it() -> None:
    from ml.generation.model.decode_int8 import without_first_token

    layer = _linear()
    int8 = DecodeInt8Linear(layer)
    tail = torch.randn(2, 5, 64)
    with torch.inference_mode():
        with without_first_token():
            marked = int8(tail)
        assert not torch.equal(marked, layer(tail))  # the int8 copy ran
        assert _relative_error(marked, layer(tail)).max() < 0.03
        assert torch.equal(marked[:, 2:3], int8(tail[:, 2:3]))  # each token on its own scale, as in a decode step
        assert torch.equal(int8(tail), layer(tail))  # after the block: fp32 again


def test_each_row_gets_its_own_scale_so_a_loud_row_does_not_crush_the_others() -> None:
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    layer = _linear()
    step = torch.randn(4, 1, 64)
    step[0] *= 1000  # one row a thousand times louder, as Gemma's rows can be
    per_tensor = quantize_dynamic(nn.Sequential(_linear()), {nn.Linear: per_channel_dynamic_qconfig}, torch.qint8)
    with torch.inference_mode():
        want = layer(step)
        ours = _relative_error(DecodeInt8Linear(layer)(step), want)[1:]
        theirs = _relative_error(per_tensor(step), want)[1:]
    assert ours.max() < 0.03
    assert theirs.min() > 0.2  # the per-tensor scale left the quiet rows a few levels
    with torch.inference_mode():  # and a row's result does not depend on its batch-mates at all
        assert torch.equal(DecodeInt8Linear(layer)(step)[1:], DecodeInt8Linear(layer)(step[1:]))


def test_smoothing_evens_out_an_outlier_channel() -> None:
    layer = _linear()
    with torch.no_grad():
        layer.weight[:, 5] /= 300  # the layer reads that channel with a small weight, as trained models do
    generator = torch.Generator().manual_seed(1)
    step = torch.randn(8, 1, 64, generator=generator)
    step[..., 5] *= 300  # one channel far larger than the rest in every token, as after Gemma's norms
    absmax = step.abs().reshape(-1, 64).amax(0)
    with torch.inference_mode():
        want = layer(step)
        plain = _relative_error(DecodeInt8Linear(layer)(step), want).mean()
        smoothed = _relative_error(DecodeInt8Linear(layer, absmax, alpha=0.5)(step), want).mean()
    assert smoothed < plain / 3
    assert smoothed < 0.03


def test_outlier_channels_run_fp32_beside_the_int8_product() -> None:
    layer = _linear()
    generator = torch.Generator().manual_seed(2)
    step = torch.randn(8, 1, 64, generator=generator)
    step[..., [5, 9]] *= 200  # two channels far louder than the rest, and the weights read them at full size
    absmax = step.abs().reshape(-1, 64).amax(0)
    with torch.inference_mode():
        want = layer(step)
        plain = DecodeInt8Linear(layer, absmax, alpha=None)
        split = DecodeInt8Linear(layer, absmax, alpha=None, outliers=2)
        assert split.outlier_channels.tolist() == [5, 9]
        assert torch.equal(split.int8.weight().dequantize()[:, [5, 9]], torch.zeros(48, 2))
        assert _relative_error(split(step), want).mean() < _relative_error(plain(step), want).mean() / 3
        torch.testing.assert_close(split(step[:3]), split(step)[:3], rtol=1e-5, atol=1e-5)  # rows stay independent
    with pytest.raises(ValueError, match="chosen by calibration"):
        DecodeInt8Linear(layer, outliers=2)


def test_bad_layers_are_refused_with_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="without bias"):
        DecodeInt8Linear(nn.Linear(8, 4, bias=True))
    with pytest.raises(ValueError, match=r"shape \(3,\), not one value per input channel: 8 expected"):
        DecodeInt8Linear(nn.Linear(8, 4, bias=False), torch.ones(3))


def test_a_model_without_decoder_layers_is_left_as_it_was() -> None:
    model = nn.Sequential(_linear())
    assert quantize_decode_linears(model, tokenizer=None, calibration_texts=[]) == 0
    assert type(model[0]) is nn.Linear


def test_calibration_leaves_out_the_first_token(tiny_model_dir) -> None:
    loaded = load_model(ModelSettings(path=str(tiny_model_dir), quantization="none", device="cpu"))
    absmax = calibrate(loaded.model, loaded.tokenizer, ["Títulos: cemento gris en sacos"])
    q_proj = loaded.model.model.layers[0].self_attn.q_proj
    seen: list[torch.Tensor] = []
    hook = q_proj.register_forward_pre_hook(lambda _m, inputs: seen.append(inputs[0].detach()))
    try:
        with torch.inference_mode():
            loaded.model(**loaded.tokenizer("Títulos: cemento gris en sacos", return_tensors="pt"), use_cache=False)
    finally:
        hook.remove()
    assert torch.equal(absmax[id(q_proj)], seen[0][0, 1:].abs().amax(0))
    assert len(absmax) == 2 * 6  # two layers, q k v o gate up


def test_int8_blocks_load_and_write_within_limits(tiny_model_dir) -> None:
    from ml.ad_rules import HEADLINE_LIMIT, text_width
    from ml.generation.items import GenerationItem
    from ml.generation.run import run_batch

    loaded = load_model(ModelSettings(path=str(tiny_model_dir), quantization="int8", device="cpu", cpu_blocks="int8"))
    layer = loaded.model.model.layers[0]
    assert loaded.quantization == "int8+int8-decode"
    assert isinstance(layer.self_attn.q_proj, DecodeInt8Linear) and isinstance(layer.mlp.up_proj, DecodeInt8Linear)
    assert type(layer.mlp.down_proj) is nn.Linear  # its input holds the largest outliers: kept fp32
    assert loaded.model.lm_head.inner.weight().dtype == torch.qint8
    items = [GenerationItem("Títulos:\n", HEADLINE_LIMIT, 3, 24, "latin")] * 3
    completions = run_batch(loaded, items, seed=1, temperature=1.0)
    assert all(1 <= c.new_tokens <= 24 for c in completions)
    assert all(text_width(line) <= 30 for c in completions for line in c.text.splitlines())
    again = run_batch(loaded, items, seed=1, temperature=1.0)
    assert [c.text for c in again] == [c.text for c in completions]  # seeded, deterministic


@pytest.mark.slow
def test_int8_decode_steps_stay_close_to_fp32_on_the_default_model(real_model_dir, model_cache) -> None:
    """One Spanish prompt, teacher-forced: the int8 decode steps pick fp32's next token almost everywhere."""
    fp32 = load_model(ModelSettings(cache_dir=str(model_cache), quantization="none", device="cpu"))
    int8 = load_model(ModelSettings(cache_dir=str(model_cache), quantization="int8", device="cpu", cpu_blocks="int8"))
    assert int8.quantization == "int8+int8-decode"
    text = (
        "Anuncios de búsqueda.\nProducto: <<<Cemento gris Portland en sacos de 50 kg con entrega en obra>>>\n"
        "Títulos:\nCemento Portland en Sacos\nEntrega en Obra en 24 h\nSacos de 50 kg a Domicilio\n"
    )
    ids = fp32.tokenizer(text, return_tensors="pt").input_ids
    prompt = 20

    def step_logits(loaded) -> torch.Tensor:
        logits = []
        with torch.inference_mode():
            out = loaded.model(input_ids=ids[:, :prompt], use_cache=True)
            for t in range(prompt, ids.shape[1]):
                logits.append(out.logits[0, -1].float())
                out = loaded.model(input_ids=ids[:, t : t + 1], past_key_values=out.past_key_values, use_cache=True)
        return torch.stack(logits)

    want, got = step_logits(fp32), step_logits(int8)
    agreement = (want.argmax(-1) == got.argmax(-1)).float().mean()
    assert agreement >= 0.85
