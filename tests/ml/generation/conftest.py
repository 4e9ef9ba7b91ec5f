"""Session fixtures for generation tests: the real tokenizer on a tiny random Gemma 3, and the real 270M model.

The tiny model is built from a committed config (``data/tiny_gemma3/config.json``: Gemma 3 270M's, with two narrow
layers) and seeded random weights, under the real Gemma 3 tokenizer, read from the packaged GGUF's metadata alone
(no weights de-quantized) and kept in ``var/models/`` (or ``$ML_MODEL_CACHE``) for later sessions. Tests exercise
real tokenization, batching and decoding in milliseconds per step. The slow tests load the real 270M model: its
GGUF is converted once into the same folder, exactly as the app does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from ml.generation.model.gguf import converted_dir, default_gguf  # noqa: E402
from ml.generation.model.loading import LoadedModel, ModelSettings, load_model  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
CACHE = Path(os.environ.get("ML_MODEL_CACHE", REPO / "var" / "models"))
# Gemma 3 270M's config with 2 layers (one sliding, one full attention), width 64, 2 heads of 32, one KV head
TINY_CONFIG = Path(__file__).resolve().parent / "data" / "tiny_gemma3"


@pytest.fixture(scope="session")
def model_cache() -> Path:
    return CACHE


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    return converted_dir(default_gguf(CACHE), CACHE)


@pytest.fixture(scope="session")
def gemma_tokenizer_dir() -> Path:
    """The packaged GGUF's tokenizer as transformers converts it (checked as the app checks it), converted once.

    Where the real model's conversion is already in the cache, its tokenizer (the same conversion) is used."""
    import transformers
    from transformers import AutoTokenizer

    from ml.generation.model.gguf import _gguf_cache_name, check_gguf_tokenizer

    gguf = default_gguf(CACHE)
    converted = CACHE / _gguf_cache_name(gguf)
    if (converted / "tokenizer_config.json").exists():
        return converted
    target = CACHE / f"{gguf.stem}-tokenizer-transformers-{transformers.__version__}"
    if not (target / "tokenizer_config.json").exists():
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        check_gguf_tokenizer(tokenizer, gguf)
        staging = CACHE / f".{target.name}.tmp{os.getpid()}"
        tokenizer.save_pretrained(staging)
        os.replace(staging, target)
    return target


@pytest.fixture(scope="session")
def tiny_model_dir(gemma_tokenizer_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(TINY_CONFIG)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    path = tmp_path_factory.mktemp("tiny-gemma3")
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(gemma_tokenizer_dir).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir: Path) -> LoadedModel:
    return load_model(ModelSettings(path=str(tiny_model_dir), quantization="none", device="cpu"))


@pytest.fixture(scope="session")
def tiny_model_int8(tiny_model_dir: Path) -> LoadedModel:
    return load_model(ModelSettings(path=str(tiny_model_dir), quantization="int8", device="cpu"))


@pytest.fixture(scope="session")
def real_model(real_model_dir: Path) -> LoadedModel:
    return load_model(ModelSettings(path=None, cache_dir=str(CACHE), quantization="int8", device="cpu"))


@pytest.fixture
def mixed_items() -> list:
    """Four rows of a batch as the batcher mixes them: keywords, headlines and descriptions, Spanish and English,
    different line counts and token caps (the same-prefix rows of one field side by side)."""
    from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT
    from ml.generation.items import GenerationItem
    from ml.generation.prompts import PromptInput, build_prompt

    rows = [
        ("keywords", KEYWORD_LIMIT, 3, 20),
        ("headlines", HEADLINE_LIMIT, 4, 30),
        ("descriptions", DESCRIPTION_LIMIT, 2, 40),
        ("headlines", HEADLINE_LIMIT, 1, 8),
    ]
    texts = [
        ("Cemento gris en sacos de 50 kg.", "es"),
        ("Tinacos de 1100 litros con filtro.", "es"),
        ("Water tanks with free delivery.", "en"),
        ("Ladrillo rojo recocido.", "es"),
    ]
    return [
        GenerationItem(build_prompt(PromptInput(text, language), kind), limit, lines, cap)
        for (kind, limit, lines, cap), (text, language) in zip(rows, texts, strict=True)
    ]
