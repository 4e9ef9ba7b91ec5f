"""The ``generate`` engine: transformers' ``model.generate`` over the whole batch (finished rows ride along).

It applies the same width limits and stop rule through the transformers-shaped adapters of
:mod:`ml.generation.rules`, and is the fallback for a model or batch the other engines cannot take.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from ml.generation.engines.base import DEFAULT_OPTIONS, DecodeOptions
from ml.generation.model.forward import MODEL_LOCK, cache_kwarg
from ml.generation.rules import BatchRules, Sampling


def decode(
    loaded: Any,
    encoded: dict[str, Any],
    max_new_tokens: Sequence[int],
    rules: BatchRules,
    sampling: Sampling,
    options: DecodeOptions = DEFAULT_OPTIONS,
) -> list[list[int]]:
    """``model.generate`` over the whole batch; each row's tokens up to its stop (the padding after it dropped).

    The width limits and list stop are the rule's transformers-shaped adapters; the draw is transformers' sampler
    (temperature, then top-k, then multinomial: the same distribution as :func:`~ml.generation.rules.choose`).
    EOS and the token caps end rows as ``generate`` does (a row that reaches its own cap before the longest keeps
    writing; its tokens past the cap are cut by the caller).
    """
    processor, stop = rules.limits, rules.stop
    tokenizer = loaded.tokenizer
    prompt_len = encoded["input_ids"].shape[1]
    inputs = dict(encoded)
    if "cache" in inputs:
        inputs[cache_kwarg(loaded.model)] = inputs.pop("cache")
    draw: dict[str, Any] = {"do_sample": False}
    if not sampling.greedy:
        draw = {"do_sample": True, "temperature": sampling.temperature, "top_k": sampling.top_k, "top_p": 1.0}
    with MODEL_LOCK, torch.inference_mode():
        output = loaded.model.generate(
            **inputs,
            max_new_tokens=max(max_new_tokens),
            logits_processor=[processor] if processor is not None else [],
            stopping_criteria=[stop],
            pad_token_id=tokenizer.pad_token_id,
            **draw,
            **({"output_logits": True, "return_dict_in_generate": True} if rules.trace is not None else {}),
        )
    sequences = output.sequences if rules.trace is not None else output
    new = sequences[:, prompt_len:].cpu()
    # finished rows are padded with pad_token_id; the pad token is never generated (it is masked)
    rows = [[t for t in new[row].tolist() if t != tokenizer.pad_token_id] for row in range(len(new))]
    if rules.trace is not None:
        for step, logits in enumerate(output.logits):
            writing = [row for row, tokens in enumerate(rows) if step < len(tokens)]
            if writing:
                columns = torch.tensor([rows[row][step] for row in writing], device=logits.device)
                rules.trace.record(writing, logits[writing].float(), columns)
    return rows
