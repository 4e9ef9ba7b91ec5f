"""Keyword and responsive-search-ad generation with a local, quantized LLM.

The public entry is :func:`generate_assets` (``api.py``): a :class:`GenerationRequest` in, validated assets out,
decoded by the batcher around the model :func:`load_model` loads for a :class:`ModelSettings`. The layout:
``api.py`` (requests and validation), ``prompts.py``, ``guardrails.py`` (with ``guard_rules.py`` and
``guard_text.py``), ``items.py``, ``planning.py``, ``run.py`` (one batch) and ``batching.py`` (the batcher thread),
``rules.py`` (the width, stop and sampling rule every engine applies) over ``tables.py`` (per-token tables),
``engines/`` (the decode loops), ``cache/`` (KV cache layers, prefix store, prefix attention), ``model/`` (loading,
GGUF conversion, quantization). Importing this package imports neither torch nor transformers.
"""

from ml.generation.api import GenerationRequest, generate_assets
from ml.generation.model.loading import ModelSettings, load_model

__all__ = ["GenerationRequest", "ModelSettings", "generate_assets", "load_model"]
