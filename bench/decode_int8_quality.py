"""How far each CPU quantization moves the default model's predictions from fp32, teacher-forced on the same text.

Run: ``python bench/decode_int8_quality.py`` (~5 minutes on 2 cores) → ``bench/results/decode_int8_quality.json``.

The fp32 model (``quantization="none"``) writes greedy continuations of the generation benchmark's 64 prompts (keywords,
headlines, descriptions; Spanish and English; limits enforced, batches as the batcher plans them). Each configuration
then reads the same prompts and is fed the same continuation token by token, one decode step at a time as in generation
(the shared prefix, each row's prompt tail, then one-token steps in batches of up to 32 rows). At every generated
position its next-token distribution is compared with fp32's over the tokens an ad may hold (the Latin alphabet): top-1
agreement, mean KL(fp32 || config), and the share of positions where fp32's token is in the config's top 5.

Configurations: ``int8`` with fp32 blocks (the int8 LM head alone, activations scaled per row) and
``int8+int8-decode`` (that head plus the blocks' int8 decode steps of :mod:`ml.generation.model.decode_int8`), and, to
show what the parts buy, the int8 head with fbgemm's one activation scale per batch (as it was before), the
decode-step int8 without smoothing, and with ``down_proj`` in int8 too.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]

import torch  # noqa: E402

from bench.generation_bench import CACHE, RESULTS, SEED, cpu_model, workload  # noqa: E402
from ml.generation.cache.prefix_store import prefill_shared_prefixes  # noqa: E402
from ml.generation.engines.loop import decode  # noqa: E402
from ml.generation.model import decode_int8  # noqa: E402
from ml.generation.model.loading import ModelSettings, clear_cache, load_model  # noqa: E402
from ml.generation.planning import plan_batches  # noqa: E402
from ml.generation.prompts import calibration_texts  # noqa: E402
from ml.generation.rules import BatchRules, LineLimitProcessor, ListStop, Sampling  # noqa: E402
from ml.generation.tables import token_tables  # noqa: E402


def reference(loaded, items, plan) -> list[list[int]]:
    """fp32 greedy continuations, batch by batch, limits enforced."""
    out: list[list[int]] = [[] for _ in items]
    for n, batch in enumerate(plan):
        rows = [items[i] for i in batch]
        encoded = prefill_shared_prefixes(loaded, [r.prompt for r in rows], max(r.max_new_tokens for r in rows))
        processor = LineLimitProcessor(loaded.tokenizer, [r.limit for r in rows], alphabets=[r.alphabet for r in rows])
        stop = ListStop(loaded.tokenizer, [r.max_lines for r in rows])
        torch.manual_seed(SEED + n)
        tokens_per_row = decode(
            loaded, encoded, [r.max_new_tokens for r in rows], BatchRules(processor, stop), Sampling(temperature=0)
        )
        for i, tokens in zip(batch, tokens_per_row, strict=True):
            out[i] = tokens
    return out


def forced_logits(loaded, items, plan, refs) -> list[torch.Tensor]:
    """Each row's next-token logits at every position of its reference continuation, one decode step at a time."""
    model, pad = loaded.model, loaded.tokenizer.pad_token_id
    out: list[torch.Tensor] = [torch.empty(0) for _ in items]
    for batch in plan:
        steps = max(len(refs[i]) for i in batch)
        # the layout generation uses: each few-shot prefix held once (prefix attention)
        encoded = prefill_shared_prefixes(loaded, [items[i].prompt for i in batch], steps)
        ids, mask, cache = encoded["input_ids"], encoded["attention_mask"], encoded["cache"]
        positions = (mask.long().cumsum(-1) - 1).clamp(min=0)
        done = cache.get_seq_length()
        logits = []
        with torch.inference_mode(), decode_int8.without_first_token():  # as the decode loop runs the prompt tails
            result = model(
                input_ids=ids[:, done:],
                attention_mask=mask,
                position_ids=positions[:, done:],
                past_key_values=cache,
                use_cache=True,
                logits_to_keep=1,
            )
            logits.append(result.logits[:, -1].float())
            last = positions[:, -1]
            for t in range(steps - 1):
                token = torch.tensor([refs[i][t] if t < len(refs[i]) else pad for i in batch])
                mask = torch.cat([mask, mask.new_ones((mask.shape[0], 1))], 1)
                last = last + 1
                result = model(
                    input_ids=token[:, None],
                    attention_mask=mask,
                    position_ids=last[:, None],
                    past_key_values=result.past_key_values,
                    use_cache=True,
                )
                logits.append(result.logits[:, -1].float())
        stacked = torch.stack(logits, 1)
        for k, i in enumerate(batch):
            out[i] = stacked[k, : len(refs[i])]
    return out


def compare(base: list[torch.Tensor], other: list[torch.Tensor], allowed: torch.Tensor) -> dict[str, float]:
    agree = top5 = positions = 0
    kl = 0.0
    for p, q in zip(base, other, strict=True):
        p, q = p[:, allowed], q[:, allowed]
        log_p, log_q = torch.log_softmax(p, -1), torch.log_softmax(q, -1)
        best = p.argmax(-1)
        agree += int((best == q.argmax(-1)).sum())
        top5 += int((q.topk(5, -1).indices == best[:, None]).any(-1).sum())
        kl += float((log_p.exp() * (log_p - log_q)).sum())
        positions += p.shape[0]
    return {
        "top1_agreement": round(agree / positions, 4),
        "top5_contains_fp32_top1": round(top5 / positions, 4),
        "mean_kl": round(kl / positions, 4),
        "positions": positions,
    }


def main() -> None:
    torch.manual_seed(SEED)
    started = time.perf_counter()
    fp32 = load_model(ModelSettings(cache_dir=str(CACHE), quantization="none", device="cpu"))
    items = [item for _, item in workload(fp32.tokenizer)]
    lengths = [len(fp32.tokenizer(item.prompt).input_ids) for item in items]
    plan = plan_batches(lengths, [item.max_new_tokens for item in items])
    refs = reference(fp32, items, plan)
    base = forced_logits(fp32, items, plan, refs)
    allowed = token_tables(fp32.tokenizer, alphabet="latin").emittable.nonzero().squeeze(1)
    del fp32
    clear_cache()
    configs = [
        ("int8 head with one activation scale per batch (before), fp32 blocks", "per-tensor-head"),
        ("int8 (head only, fp32 blocks)", None),
        ("int8+int8-decode (default without native bf16)", {}),
        ("int8 decode steps without smoothing", {"alpha": None}),
        ("int8 decode steps with down_proj int8 too", {"names": (*decode_int8.INT8_LINEARS, "down_proj")}),
        *[
            (
                f"int8 decode steps with down_proj int8, its {k} loudest input channels fp32",
                {"names": (*decode_int8.INT8_LINEARS, "down_proj"), "outliers": {"down_proj": k}},
            )
            for k in (32, 128)
        ],
    ]
    rows = []
    for label, decode_options in configs:
        loaded = load_model(ModelSettings(cache_dir=str(CACHE), quantization="int8", device="cpu", cpu_blocks="fp32"))
        if decode_options == "per-tensor-head":
            loaded.model.lm_head = loaded.model.lm_head.inner  # fbgemm's own per-tensor activation scale
        elif decode_options is not None:
            decode_int8.quantize_decode_linears(loaded.model, loaded.tokenizer, calibration_texts(), **decode_options)
        row = {"config": label, **compare(base, forced_logits(loaded, items, plan, refs), allowed)}
        del loaded
        clear_cache()
        rows.append(row)
        print(row, flush=True)
    report = {
        "cpu": cpu_model(),
        "prompts": len(items),
        "generated_positions": sum(map(len, refs)),
        "reference": "fp32 (quantization none), greedy, limits enforced",
        "results": rows,
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print(f"{'config':50} {'top-1':>7} {'top-5':>7} {'KL':>7}")
    for r in rows:
        print(f"{r['config']:50} {r['top1_agreement']:7.3f} {r['top5_contains_fp32_top1']:7.3f} {r['mean_kl']:7.3f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "decode_int8_quality.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
