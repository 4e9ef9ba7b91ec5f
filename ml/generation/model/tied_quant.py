"""One quantized copy of a tied embedding / LM head, for the GPU's 8-bit and 4-bit modes.

bitsandbytes quantizes ``nn.Linear`` layers and leaves the embedding and the LM head in bf16. For most models that
is a rounding error; for Gemma 3 270M it is the model: the 262,144 x 640 token table (tied, one tensor for both the
input embedding and the LM head) holds 168M of its 268M parameters. Left in bf16 it keeps 8-bit weights at ~81 %
and 4-bit at ~72 % of the bf16 model's memory, so :func:`quantize_tied_embeddings` replaces the pair with one
quantized table that serves both ends:

* **8-bit**: int8 rows with one absmax scale per row (``int8_vectorwise_quant``): a token's row is its embedding,
  dequantized on lookup; the LM head multiplies per-token int8 activations by the int8 table
  (``int8_linear_matmul`` + ``int8_mm_dequant``), the LLM.int8 kernel without outlier columns.
* **4-bit**: NF4 in blocks of 64 with plain (not double-quantized) absmax, laid out row-major, so a row's nibbles
  and block scales are contiguous: the lookup unpacks just the rows it needs; the LM head is
  ``bitsandbytes.matmul_4bit`` on the same bytes.

Only models whose LM head *is* their embedding (``tie_word_embeddings``) are changed; a model with a separate head
keeps both as bitsandbytes left them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from bitsandbytes.functional import QuantState

NF4_BLOCK = 64


class QuantizedTable(nn.Module):
    """The token table, quantized once, with the two uses of it.

    Args:
        weight: the ``[vocab, hidden]`` float table.
        bits: 8 or 4.
        compute_dtype: dtype of lookups and logits (bf16 on GPU).
    """

    rows: torch.Tensor  # buffers: int8 rows, or two 4-bit codes a byte
    scales: torch.Tensor
    code: torch.Tensor  # 4-bit only: the NF4 code book
    quant_state: QuantState | None  # 4-bit only

    def __init__(self, weight: torch.Tensor, bits: int, compute_dtype: torch.dtype = torch.bfloat16) -> None:
        import bitsandbytes.functional as bnbf

        super().__init__()
        if bits not in (8, 4):
            raise ValueError(f"bits must be 8 or 4, got {bits}")
        self.bits = bits
        self.vocab, self.hidden = weight.shape
        self.compute_dtype = compute_dtype
        if bits == 8:
            rows, scales, _ = bnbf.int8_vectorwise_quant(weight.detach().to(torch.float16).contiguous())
            self.register_buffer("rows", rows)
            self.register_buffer("scales", scales.float())
            self.quant_state = None
        else:
            if self.hidden % NF4_BLOCK:
                raise ValueError(f"4-bit table needs a hidden size divisible by {NF4_BLOCK}, got {self.hidden}")
            packed, state = bnbf.quantize_4bit(
                weight.detach().to(compute_dtype).contiguous(),
                blocksize=NF4_BLOCK,
                quant_type="nf4",
                compress_statistics=False,
            )
            self.register_buffer("rows", packed)
            self.quant_state = state
            self.register_buffer("scales", state.absmax.float())
            self.register_buffer("code", state.code.float())

    def lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """The dequantized rows of ``ids`` (any shape), ``[*ids.shape, hidden]``."""
        flat = ids.reshape(-1)
        if self.bits == 8:
            rows = self.rows[flat].float() * (self.scales[flat] / 127.0).unsqueeze(-1)
        else:
            packed = self.rows.view(self.vocab, self.hidden // 2)[flat]
            codes = torch.stack([packed >> 4, packed & 15], dim=-1).view(len(flat), self.hidden).long()
            blocks = self.scales.view(self.vocab, self.hidden // NF4_BLOCK)[flat]
            rows = (self.code[codes].view(len(flat), -1, NF4_BLOCK) * blocks.unsqueeze(-1)).view(len(flat), -1)
        return rows.to(self.compute_dtype).view(*ids.shape, self.hidden)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """``hidden @ table.T`` for hidden states ``[..., hidden]``."""
        import bitsandbytes as bnb
        import bitsandbytes.functional as bnbf

        shape = hidden.shape[:-1]
        x = hidden.reshape(-1, self.hidden)
        if self.bits == 8:
            xq, xs, _ = bnbf.int8_vectorwise_quant(x.to(torch.float16).contiguous())
            out = bnbf.int8_mm_dequant(bnbf.int8_linear_matmul(xq, self.rows), xs, self.scales)
        else:
            assert self.quant_state is not None  # set with 4 bits
            out = bnb.matmul_4bit(x.to(self.compute_dtype), self.rows.t(), quant_state=self.quant_state)
        return out.to(self.compute_dtype).view(*shape, self.vocab)


class QuantizedEmbedding(nn.Module):
    """Input embedding reading a :class:`QuantizedTable`; keeps the replaced module's ``embed_scale`` (Gemma)."""

    def __init__(
        self, table: QuantizedTable, embed_scale: torch.Tensor | float | None = None, padding_idx: int | None = None
    ) -> None:
        super().__init__()
        self.table = table
        self.padding_idx = padding_idx
        self.embedding_dim = table.hidden
        self.num_embeddings = table.vocab
        if isinstance(embed_scale, torch.Tensor):
            self.register_buffer("embed_scale", embed_scale.detach().clone(), persistent=False)
        else:
            self.embed_scale = embed_scale

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        out = self.table.lookup(input_ids)
        if self.embed_scale is not None:
            scale = self.embed_scale
            out = out * (scale.to(out.dtype) if isinstance(scale, torch.Tensor) else scale)
        return out


class QuantizedHead(nn.Module):
    """LM head reading the same :class:`QuantizedTable` (registered under the embedding, not twice)."""

    def __init__(self, embedding: QuantizedEmbedding) -> None:
        super().__init__()
        self._embedding = [embedding]  # a plain list: the table is owned (and counted) once, by the embedding
        self.in_features, self.out_features = embedding.table.hidden, embedding.table.vocab

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self._embedding[0].table.logits(hidden)


def quantize_tied_embeddings(model: Any, bits: int) -> bool:
    """Replace a tied embedding + LM head by one quantized table, in place.

    Args:
        model: a transformers causal LM, already on its device.
        bits: 8 or 4.

    Returns:
        True when the model was changed; False when its LM head is not tied to its embedding.
    """
    embedding = model.get_input_embeddings()
    head = model.get_output_embeddings()
    if embedding is None or head is None or head.weight is not embedding.weight:
        return False
    weight = embedding.weight
    table = QuantizedTable(
        weight.data, bits, compute_dtype=weight.dtype if weight.dtype != torch.float32 else torch.float32
    )
    new_embedding = QuantizedEmbedding(
        table, getattr(embedding, "embed_scale", None), getattr(embedding, "padding_idx", None)
    )
    model.set_input_embeddings(new_embedding)
    model.set_output_embeddings(QuantizedHead(new_embedding))
    model.config.tie_word_embeddings = False
    if hasattr(model, "_tied_weights_keys"):
        model._tied_weights_keys = {} if isinstance(model._tied_weights_keys, dict) else []
    del weight, embedding, head
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return True
