"""Cutting a queue of prompts into batches under a token budget."""

from __future__ import annotations

from collections.abc import Sequence

# 64: one request of the full pipeline (28 rows) and more share a batch; on CPU a decode step's cost grows far less
# than its rows (weights are read once per step), and each extra batch pays its own ~100 steps
MAX_BATCH = 64
TOKEN_BUDGET = 12288


def plan_batches(
    prompt_lengths: Sequence[int],
    max_new_tokens: Sequence[int],
    token_budget: int = TOKEN_BUDGET,
    max_batch: int = MAX_BATCH,
) -> list[list[int]]:
    """Group prompts into batches under a token budget.

    A batch's cost is its row count times its longest ``prompt + max_new_tokens`` (left padding makes every row
    that long). Prompts are taken longest first, so each batch holds similar lengths.

    Args:
        prompt_lengths: tokens per prompt.
        max_new_tokens: the generation cap per prompt.
        token_budget: the most padded tokens one batch may hold (bounds KV-cache memory and latency).
        max_batch: the most rows in a batch.

    Returns:
        Batches as lists of indices into ``prompt_lengths``; every index appears exactly once.
    """
    order = sorted(range(len(prompt_lengths)), key=lambda i: (-(prompt_lengths[i] + max_new_tokens[i]), i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        row = prompt_lengths[i] + max_new_tokens[i]
        new_width = max(width, row)
        if current and (len(current) >= max_batch or new_width * (len(current) + 1) > token_budget):
            batches.append(current)
            current, new_width = [], row
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches
