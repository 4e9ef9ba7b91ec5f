"""CPU quantization of a loaded model: the int8 LM head (per-row activation scales), its row subsets, bf16 blocks."""

from __future__ import annotations

import threading
from typing import Any

# guards the restricted heads kept on a LoadedModel between batches
_heads_lock = threading.Lock()


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the LM head, weights per output channel, activations per row (:func:`_int8_head`).

    The LM head (262k x 640, shared with the embedding) is ~60% of a decode step of the 270M model, so it is
    where int8 pays. The transformer blocks are left alone here: plain ``quantize_dynamic`` of them scales
    activations per tensor, i.e. over the whole batch, and Gemma's few huge activation channels (and the BOS token
    and padded rows of prompt passes) then crush every other value to a handful of levels. Measured on a 12-prompt
    mixed batch (greedy): quantizing every Linear layer that way turned headlines into echoes of the prompt
    ("Títulos (máx. 30 caracteres):"), skipping only ``down_proj`` did too. :mod:`ml.generation.model.decode_int8`
    quantizes them without those faults. The int8 head is a copy (~170 MB); the fp32 embedding stays for lookups.
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    if "fbgemm" in torch.backends.quantized.supported_engines:
        torch.backends.quantized.engine = "fbgemm"
    model = quantize_dynamic(model, {"lm_head": per_channel_dynamic_qconfig}, dtype=torch.qint8)
    model.lm_head = _int8_head(model.lm_head)
    return model


def cpu_has_native_bf16() -> bool:
    """True when torch reports AMX tiles or AVX512-BF16 on this CPU (bf16 matrix products run in hardware)."""
    import torch

    cpu = getattr(torch, "cpu", None)
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in checks)


def _int8_head(head: Any) -> Any:
    """Wrap a dynamic int8 LM head so that each row of activations is quantized with its own scale.

    fbgemm's dynamic linear quantizes its input with one scale for the whole tensor, so one row with large values
    left every other row of the batch a few levels, and a row's logits depended on its batch-mates.
    :func:`~ml.generation.model.decode_int8.per_row_int8` gives each row its own scale through the same kernel (the head
    has no bias). The input is also cast to fp32 (the bf16 blocks' output).
    Measured on the default model (``bench/decode_int8_quality.py``, 1,672 generated positions teacher-forced,
    fp32 blocks): top-1 agreement with the fp32 model rose from 0.868 to 0.967 and the mean KL fell from 0.225 to
    0.012.
    """
    import torch

    global _RowScaledHead
    if _RowScaledHead is None:

        class RowScaledHead(torch.nn.Module):
            def __init__(self, inner: Any) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, hidden: torch.Tensor) -> torch.Tensor:
                from ml.generation.model.decode_int8 import per_row_int8

                return per_row_int8(self.inner, hidden.float())

        _RowScaledHead = RowScaledHead
    return _RowScaledHead(head)


_RowScaledHead: Any = None


def head_rows(head: Any, ids: Any) -> Any | None:
    """An LM head that computes only the logits of tokens ``ids`` (rows of ``head``), each exactly as ``head`` does.

    Handles a plain ``nn.Linear`` (fp32/bf16), the dynamic int8 linear of :func:`quantize_int8` (its weights are
    scaled per output row, so a row subset keeps its scales and its logits bit for bit) and the per-row-scaled
    wrapper around it (:func:`_int8_head`).

    Args:
        head: the model's ``lm_head``.
        ids: ascending token ids (a 1-D long tensor).

    Returns:
        The smaller head, or None for a kind of head this function does not know.
    """
    import torch
    from torch.ao.nn.quantized import dynamic as qdynamic

    if _RowScaledHead is not None and isinstance(head, _RowScaledHead):
        inner = head_rows(head.inner, ids)
        return None if inner is None else _int8_head(inner)
    if isinstance(head, qdynamic.Linear):
        weight = head.weight()
        if weight.qscheme() != torch.per_channel_affine or weight.q_per_channel_axis() != 0:
            return None
        rows = torch._make_per_channel_quantized_tensor(
            weight.int_repr()[ids].contiguous(),
            weight.q_per_channel_scales()[ids].contiguous(),
            weight.q_per_channel_zero_points()[ids].contiguous(),
            0,
        )
        bias = head.bias()
        small = qdynamic.Linear(head.in_features, len(ids), bias_=bias is not None, dtype=torch.qint8)
        small.set_weight_bias(rows, None if bias is None else bias[ids].contiguous())
        return small
    if type(head) is torch.nn.Linear:
        # skip_init: a new Linear draws its initial weights from the global generator, which would move the
        # caller's seeded sampling (the first batch, which builds the head, would sample otherwise than the next)
        small = torch.nn.utils.skip_init(
            torch.nn.Linear,
            head.in_features,
            len(ids),
            bias=head.bias is not None,
            device=head.weight.device,
            dtype=head.weight.dtype,
        )
        with torch.no_grad():
            small.weight.copy_(head.weight[ids])
            if head.bias is not None:
                small.bias.copy_(head.bias[ids])
        return small
    return None


def restricted_head(loaded: Any, ids: Any) -> Any | None:
    """:func:`head_rows` for ``loaded``'s model, kept for the next batch with the same ids (one at a time)."""
    import torch

    with _heads_lock:
        cached = loaded.heads.get("rows")
        if cached is not None and torch.equal(cached[0], ids):
            return cached[1]
    head = head_rows(getattr(loaded.model, "lm_head", None), ids)
    with _heads_lock:
        loaded.heads["rows"] = (ids.clone(), head)
    return head


def blocks_to_bf16(model: Any) -> Any:
    """Cast an int8-head model's blocks and embedding to bf16, keeping the int8 LM head (fed fp32)."""
    import torch

    head = model.lm_head
    model.lm_head = torch.nn.Identity()
    model.to(torch.bfloat16)
    model.lm_head = head  # the int8 head's wrapper casts the bf16 hidden states to fp32
    return model
