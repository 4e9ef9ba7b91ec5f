"""GPU smoke check before the long GPU benchmark: the stack imports and every quantization decodes on CUDA.

Run on the GPU machine first (``python bench/gpu_smoke.py``): it needs no model files. It builds a tiny random
Gemma 3 (the real vocabulary size, two narrow layers), saves it, loads it through ``ml.generation.model.loading``'s GPU
path in bf16, 8-bit and 4-bit (bitsandbytes Linear layers plus the shared quantized token table), and decodes a
4-row batch with :func:`ml.generation.engines.loop.decode`, checking that each row stops at its own token cap.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class _NeverStop:
    def update(self, last):  # noqa: ANN001, ANN201
        import torch

        return torch.zeros(last.shape[0], dtype=torch.bool)

    def select(self, keep) -> None:  # noqa: ANN001
        pass


def main() -> None:
    import bitsandbytes
    import torch
    import transformers
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    from ml.generation.engines.loop import decode
    from ml.generation.model.loading import LoadedModel, _load_gpu
    from ml.generation.rules import BatchRules, Sampling

    print(
        "torch",
        torch.__version__,
        "transformers",
        transformers.__version__,
        "bitsandbytes",
        bitsandbytes.__version__,
        "gpu",
        torch.cuda.get_device_name(0),
        flush=True,
    )
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
        sliding_window=512,
        eos_token_id=262143,
        pad_token_id=0,
        bos_token_id=2,
    )
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        Gemma3ForCausalLM(config).save_pretrained(tmp)
        for quantization in ("bf16", "8bit", "4bit"):
            torch.cuda.empty_cache()
            before = torch.cuda.memory_allocated()
            model = _load_gpu(Path(tmp), quantization).eval()
            weights = (torch.cuda.memory_allocated() - before) / 2**20
            loaded = LoadedModel(model=model, tokenizer=_Tok(), name="tiny", quantization=quantization, device="cuda")
            ids = torch.randint(10, 1000, (4, 12), device="cuda")
            mask = torch.ones_like(ids)
            mask[0, :3] = 0
            t0 = time.perf_counter()
            encoded = {"input_ids": ids, "attention_mask": mask}
            rows = decode(loaded, encoded, [5, 9, 3, 7], BatchRules(None, _NeverStop()), Sampling(0.5, 40))
            torch.cuda.synchronize()
            assert [len(r) for r in rows] == [5, 9, 3, 7], [len(r) for r in rows]
            print(
                f"{quantization}: ok, weights {weights:.1f} MB, decode {time.perf_counter() - t0:.2f} s, "
                f"embedding {type(model.get_input_embeddings()).__name__}",
                flush=True,
            )
            del model, loaded


class _Tok:
    eos_token_id = 262143
    pad_token_id = 0


if __name__ == "__main__":
    main()
