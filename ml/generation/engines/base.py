"""The one contract of the decode engines, and the options a caller (the app, a benchmark, a test) decodes with.

Every engine module (``loop``, ``hf``, ``static``) has a ``decode`` of the :class:`Engine` shape: the loaded model,
the encoded batch, each row's token cap, the batch's rules and the sampling (:mod:`ml.generation.rules`, the same
for every engine) and the options; it returns each row's tokens, or None when it cannot take this model or batch.

Options are a value passed down, never module globals a caller assigns: two batchers in one process (or a
benchmark comparing engines) can decode differently at the same time. This module imports no torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from ml.generation.rules import BatchRules, Sampling

EngineName = Literal["auto", "loop", "generate", "graph"]
ENGINES: tuple[EngineName, ...] = ("loop", "generate", "graph")
# the module holding each engine's decode (imported when a batch first uses it: they import torch)
_ENGINE_MODULES = {
    "loop": "ml.generation.engines.loop",
    "generate": "ml.generation.engines.hf",
    "graph": "ml.generation.engines.static",
}


@dataclass(frozen=True)
class DecodeOptions:
    """How a batch decodes; the defaults are the production path.

    Attributes:
        engine: ``loop`` (:mod:`~ml.generation.engines.loop`: finished rows leave the batch), ``generate``
            (:mod:`~ml.generation.engines.hf`: transformers' ``model.generate``, finished rows ride along) or
            ``graph`` (:mod:`~ml.generation.engines.static`: fixed shapes, a replayed CUDA graph on a GPU, eager
            elsewhere; ``generate`` for a model or batch it cannot take). ``auto`` picks what measured faster on
            each device (``bench/results/generation_*.json``): ``loop`` on CPU (2-3x ``generate`` on a 28-row
            batch), ``graph`` on CUDA (a step of the eager engines there is bound by kernel launches).
        enforce_limits: apply the width limits, banned characters and alphabets while decoding; False is the
            benchmark's unconstrained baseline (the stop rule still applies).
        share_prefix: prefill each distinct few-shot prefix once per batch (and keep it for later batches).
        restrict_vocab: the ``loop`` engine computes the LM head only for the tokens some row's alphabet allows
            (the same text; False computes the whole vocabulary, for comparison).
        capture: the ``graph`` engine records its step as a CUDA graph on a GPU; False runs the same step eagerly
            there (for comparison). Without CUDA the step always runs eagerly.
    """

    engine: EngineName = "auto"
    enforce_limits: bool = True
    share_prefix: bool = True
    restrict_vocab: bool = True
    capture: bool = True

    def __post_init__(self) -> None:
        if self.engine != "auto" and self.engine not in ENGINES:
            raise ValueError(f"engine must be 'auto' or one of {', '.join(map(repr, ENGINES))}, got {self.engine!r}")

    def engine_for(self, device: str) -> EngineName:
        """The engine this batch runs on ``device`` (``auto`` resolved)."""
        if self.engine != "auto":
            return self.engine
        return "graph" if str(device).startswith("cuda") else "loop"


# frozen, so one instance can be every signature's default
DEFAULT_OPTIONS = DecodeOptions()


class Engine(Protocol):
    """A decode engine's entry point.

    Args:
        loaded: the :class:`~ml.generation.model.loading.LoadedModel`.
        encoded: ``input_ids`` and ``attention_mask`` (left-padded), and optionally ``cache``: the KV cache of a
            prefilled prefix of those ids (:func:`~ml.generation.cache.prefix_store.prefill_shared_prefixes`).
        max_new_tokens: each row's token cap.
        rules: the batch's width limits (or None) and list stop.
        sampling: greedy or top-k.
        options: the caller's options.

    Returns:
        Each row's generated token ids, the stopping token included; None when the engine cannot take this model
        or batch (before any work is done).
    """

    def __call__(
        self,
        loaded: Any,
        encoded: dict[str, Any],
        max_new_tokens: Sequence[int],
        rules: BatchRules,
        sampling: Sampling,
        options: DecodeOptions = ...,
    ) -> list[list[int]] | None: ...


def engine(name: EngineName) -> Engine:
    """The ``decode`` of the engine called ``name`` (``auto`` is resolved by :meth:`DecodeOptions.engine_for`)."""
    if name not in _ENGINE_MODULES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {name!r}")
    return importlib.import_module(_ENGINE_MODULES[name]).decode
