"""Session fixtures for generation tests: the real tokenizer on a tiny random Gemma 3, and the real 270M model.

The default model's GGUF is converted once into ``var/models/`` (or ``$ML_MODEL_CACHE``), exactly as the app does;
later sessions reuse the conversion. The tiny model has the real tokenizer and config shape but two narrow layers
and seeded random weights, so tests exercise real tokenization, batching and decoding in milliseconds per step.
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


@pytest.fixture(scope="session")
def model_cache() -> Path:
    return CACHE


@pytest.fixture(scope="session")
def real_model_dir() -> Path:
    return converted_dir(default_gguf(CACHE), CACHE)


@pytest.fixture(scope="session")
def tiny_model_dir(real_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    config = AutoConfig.from_pretrained(real_model_dir)
    config.num_hidden_layers = 2
    config.layer_types = ["sliding_attention", "full_attention"]
    config.hidden_size = 64
    config.intermediate_size = 128
    config.num_attention_heads = 2
    config.num_key_value_heads = 1
    config.head_dim = 32
    config.query_pre_attn_scalar = 32
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    path = tmp_path_factory.mktemp("tiny-gemma3")
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(real_model_dir).save_pretrained(path)
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
