"""What every decode engine takes besides the batch: the options a caller (the app, a benchmark, a test) decodes with.

Options are a value passed down, never module globals a caller assigns: two batchers in one process (or a
benchmark comparing engines) can decode differently at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Engine = Literal["auto", "loop", "generate", "graph"]
ENGINES: tuple[Engine, ...] = ("loop", "generate", "graph")


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

    engine: Engine = "auto"
    enforce_limits: bool = True
    share_prefix: bool = True
    restrict_vocab: bool = True
    capture: bool = True

    def __post_init__(self) -> None:
        if self.engine != "auto" and self.engine not in ENGINES:
            raise ValueError(f"engine must be 'auto' or one of {', '.join(map(repr, ENGINES))}, got {self.engine!r}")

    def engine_for(self, device: str) -> Engine:
        """The engine this batch runs on ``device`` (``auto`` resolved)."""
        if self.engine != "auto":
            return self.engine
        return "graph" if str(device).startswith("cuda") else "loop"


# frozen, so one instance can be every signature's default
DEFAULT_OPTIONS = DecodeOptions()
