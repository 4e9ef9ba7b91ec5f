"""One quantized token table serves a tied embedding and LM head (the GPU 8-/4-bit modes), on bitsandbytes' CPU
kernels with a tiny Gemma 3 that has the real vocabulary."""

from __future__ import annotations

import pytest
import torch

from ml.generation.model.tied_quant import QuantizedEmbedding, QuantizedHead, QuantizedTable, quantize_tied_embeddings


def _tiny(tie: bool = True):  # noqa: ANN202
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    config = Gemma3TextConfig(
        vocab_size=262144,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=32,
        query_pre_attn_scalar=32,
        layer_types=["sliding_attention", "full_attention"],
        tie_word_embeddings=tie,
    )
    torch.manual_seed(0)
    return Gemma3ForCausalLM(config).eval()


def _bytes(model) -> int:  # noqa: ANN001
    tensors = {id(t): t for t in [*model.parameters(), *model.buffers()]}
    return sum(t.numel() * t.element_size() for t in tensors.values())


@pytest.mark.parametrize(("bits", "max_error", "max_share"), [(8, 0.02, 0.30), (4, 0.15, 0.17)])
def test_one_table_replaces_embedding_and_head(bits, max_error, max_share) -> None:
    model = _tiny()
    ids = torch.randint(0, 262144, (2, 7))
    with torch.inference_mode():
        reference_embedding = model.get_input_embeddings()(ids)
        reference_logits = model(ids).logits
    before = _bytes(model)
    assert quantize_tied_embeddings(model, bits)
    assert isinstance(model.get_input_embeddings(), QuantizedEmbedding)
    assert isinstance(model.get_output_embeddings(), QuantizedHead)
    assert not any(t.shape == (262144, 64) and t.is_floating_point() for t in model.parameters())
    with torch.inference_mode():
        embedding = model.get_input_embeddings()(ids)
        logits = model(ids).logits
    # Gemma's sqrt(hidden) embedding scale survives the swap
    assert (embedding - reference_embedding).norm() / reference_embedding.norm() < max_error
    assert (logits - reference_logits).norm() / reference_logits.norm() < 2 * max_error
    # the fp32 table was ~97% of this model; what is left is the int8 / packed-NF4 table and the blocks
    assert _bytes(model) / before < max_share


def test_a_4bit_lookup_reads_the_same_values_bitsandbytes_dequantizes() -> None:
    import bitsandbytes.functional as bnbf

    torch.manual_seed(0)
    weight = torch.randn(300, 128)
    table = QuantizedTable(weight, 4, compute_dtype=torch.float32)
    ids = torch.tensor([0, 17, 299, 17])
    expected = bnbf.dequantize_4bit(table.rows, table.quant_state).float()[ids]
    assert torch.allclose(table.lookup(ids), expected, atol=1e-6)


def test_an_untied_head_is_left_alone() -> None:
    model = _tiny(tie=False)
    head = model.get_output_embeddings()
    assert not quantize_tied_embeddings(model, 8)
    assert model.get_output_embeddings() is head


def test_bits_and_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="bits must be 8 or 4"):
        QuantizedTable(torch.zeros(4, 64), 2)
    with pytest.raises(ValueError, match="divisible by 64"):
        QuantizedTable(torch.zeros(4, 96), 4)
