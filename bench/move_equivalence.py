"""Behaviour before and after the session-8 layout move (issue 22): the same inputs, the same outputs.

The move (commits 7248afd..2255b06) renamed ``ml/bandits.py`` and friends into ``ml/budgets/``, ``ml/matching.py``
and friends into ``ml/matching/``, and ``ml/generation/`` into ``api``, ``rules``, ``engines/``, ``cache/`` and
``model/``, with one :class:`DecodeOptions` instead of module globals and one decoding rule instead of three.
This script imports either layout (whichever the checkout it runs in has), runs deterministic work through the
public entry points and writes every output, so two runs, one per checkout, can be compared byte for byte::

    git worktree add /tmp/before 2dfdc0c && git worktree add /tmp/after 2255b06
    (cd /tmp/before && PYTHONPATH=. python /path/to/bench/move_equivalence.py --out /tmp/before.json)
    (cd /tmp/after && PYTHONPATH=. python /path/to/bench/move_equivalence.py --out /tmp/after.json)
    python bench/move_equivalence.py --compare /tmp/before.json /tmp/after.json --write move_equivalence.json

What runs:

- budgets: the bandit bench's grid (every scenario, size and policy; ``--seeds`` seeds x ``--days`` days), the
  daily ``allocate`` path on :class:`CampaignState` values (plans, explanations, propensities) and the OPE
  estimates of a greedy plan judged on the Thompson plans' logs;
- matching: the default embedder's vectors of a banking77 sample, the matcher's predictions (labels and scores)
  with and without an out-of-scope threshold, the calibration, negative-keyword proposals on those matches and
  the intent clusters of the held-out terms;
- generation: the real Gemma 3 270M (int8 as on the CPU workers, and fp32), each engine on CPU (``loop`` greedy
  and sampled, ``graph`` eager, ``generate``), limits off, and the request pipeline (guardrails, prompts,
  decoding, validation) for two briefs; token-exact text compared.

It must run from the root of the checkout it measures, with that root on ``PYTHONPATH`` (``python`` puts the
script's own folder first on ``sys.path``, and the virtual environment's editable install points at another
checkout); it refuses to run when ``ml`` would come from elsewhere.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

BANKING77 = Path("/work/shared/data/banking77")
BENIGN = Path("tests/ml/generation/data/benign.jsonl")


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses, numpy values and tuple keys turned into plain values (floats kept exact)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float):
        return repr(value)  # exact
    return value


def digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(plain(value), sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------------------------------------------- budgets


def budgets(seeds: int, days: int) -> dict[str, Any]:
    try:
        from ml.budgets import BudgetAllocator, CampaignState
        from ml.budgets.baselines import greedy_allocator
        from ml.budgets.ope import budget_rounds, estimate_all
        from ml.budgets.simulator import Market
    except ImportError:
        from ml.bandits import BudgetAllocator, CampaignState
        from ml.bandits_baselines import greedy_allocator
        from ml.ope import budget_rounds, estimate_all
        from ml.simulator import Market

    spec = importlib.util.spec_from_file_location("_bandit_bench", Path("bench/bandit_bench.py"))
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    grid = bench.run_grid(seeds, days)

    out: dict[str, Any] = {"grid": grid}
    logged, rewards, target, plans = [], [], [], []
    for scenario in ("stationary", "waste_heavy"):
        market = Market.from_scenario(scenario, 12, 3)
        budgets_ = dict(market.initial_budgets_micros)
        floors = market.floors_micros
        history: dict[str, list] = {cid: [] for cid in budgets_}
        total = int(sum(budgets_.values()))
        thompson = BudgetAllocator(random_state=7)
        greedy = greedy_allocator(random_state=7)
        for _ in range(days):
            stats = market.step(budgets_)
            for cid, day in stats.items():
                history[cid].append(day)
            states = [CampaignState(cid, budgets_[cid], tuple(history[cid]), floors[cid]) for cid in budgets_]
            plan = thompson.allocate(states, total)
            plans.append(plan)
            logged.append(plan.propensities)
            target.append(greedy.allocate(states, total).propensities)
            rewards.append({cid: float(day.conversions) for cid, day in stats.items()})
            budgets_ = dict(plan.budgets_micros)
    rounds, dist = budget_rounds(logged[:-1], rewards[1:], target[:-1])
    out["allocate_plans"] = plans
    out["ope"] = estimate_all(rounds, dist)
    return out


# --------------------------------------------------------------------------------------------------------- matching


def matching(n_train: int, n_test: int) -> dict[str, Any]:
    import csv

    try:
        from ml.matching.clusters import propose_intent_clusters
        from ml.matching.embeddings import default_embedder
        from ml.matching.matcher import IntentMatcher, SearchTermRow
        from ml.matching.negatives import propose_negatives
    except ImportError:
        from ml.clusters import propose_intent_clusters
        from ml.embeddings import default_embedder
        from ml.negatives import propose_negatives

        from ml.matching import IntentMatcher, SearchTermRow

    def read(split: str) -> list[dict[str, str]]:
        with open(BANKING77 / f"{split}.csv", newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    rng = np.random.default_rng(20260401)
    train_all, test_all = read("train"), read("test")
    train = [train_all[i] for i in rng.choice(len(train_all), n_train, replace=False)]  # drawn order: mixed intents
    test = [test_all[i] for i in sorted(rng.choice(len(test_all), n_test, replace=False))]
    intents = sorted({row["category"] for row in train})
    held_out = set(intents[::7])  # every 7th intent is out of scope
    # fitted on in-scope rows of two thirds of the sample, calibrated on the last third (held-out intents included)
    fit = [row for row in train[: 2 * n_train // 3] if row["category"] not in held_out]
    calibrate = train[2 * n_train // 3 :]
    embedder = default_embedder()
    fit_vectors = embedder.encode([row["text"] for row in fit])
    calibrate_vectors = embedder.encode([row["text"] for row in calibrate])
    test_vectors = embedder.encode([row["text"] for row in test])
    out: dict[str, Any] = {"vectors": digest(np.round(test_vectors, 7)), "vectors_exact": digest(test_vectors)}

    matcher = IntentMatcher(embedder).fit_vectors([r["text"] for r in fit], [r["category"] for r in fit], fit_vectors)
    out["predict_plain"] = [(m.label, m.score) for m in matcher.predict_vectors(test_vectors, threshold=None)]
    calibration = matcher.calibrate_vectors(
        [None if row["category"] in held_out else row["category"] for row in calibrate], calibrate_vectors
    )
    out["calibration"] = calibration
    matches = matcher.predict_vectors(test_vectors)
    out["predict_calibrated"] = [(m.label, m.score) for m in matches]

    # the test rows as a search-terms report: ad group = intent, cost and conversions drawn from a fixed stream
    group = {intent: i + 1 for i, intent in enumerate(intents)}
    rows = [
        SearchTermRow(
            row["text"],
            1,
            group[row["category"]],
            int(rng.integers(1, 20)),
            int(rng.integers(1, 9)) * 10**6,
            float(rng.random() < 0.2),
            i,
        )
        for i, row in enumerate(test)
    ]
    id_matches = [dataclasses.replace(m, label=group[m.label] if m.label is not None else None) for m in matches]
    out["negatives"] = propose_negatives(rows, id_matches, vectors=test_vectors, relevance_threshold=matcher.threshold)
    unmatched = [i for i, m in enumerate(matches) if m.label is None]
    out["clusters"] = propose_intent_clusters([rows[i] for i in unmatched], test_vectors[unmatched], seed=0)
    return out


# ------------------------------------------------------------------------------------------------------- generation


def generation(n_items: int, cache: str) -> dict[str, Any]:
    import torch

    try:
        from ml.ad_rules import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT
        from ml.generation.api import GenerationRequest, assemble, prepare
        from ml.generation.engines.base import DecodeOptions
        from ml.generation.items import GenerationItem
        from ml.generation.model.loading import ModelSettings, load_model
        from ml.generation.prompts import PromptInput, build_prompt
        from ml.generation.run import run_batch as _run_batch
        from ml.generation.tables import LANGUAGE_ALPHABET

        def run_batch(loaded: Any, items: list, seed: int, temperature: float, **flags: Any) -> list:
            return _run_batch(loaded, items, seed=seed, temperature=temperature, options=DecodeOptions(**flags))
    except ImportError:
        from ml.generation.decoding import LANGUAGE_ALPHABET
        from ml.generation.generate import GenerationRequest, assemble, prepare
        from ml.generation.limits import DESCRIPTION_LIMIT, HEADLINE_LIMIT, KEYWORD_LIMIT

        from ml.generation.batching import GenerationItem
        from ml.generation.batching import run_batch as _run_batch
        from ml.generation.model import ModelSettings, load_model
        from ml.generation.prompts import PromptInput, build_prompt

        def run_batch(loaded: Any, items: list, seed: int, temperature: float, **flags: Any) -> list:
            return _run_batch(loaded, items, seed=seed, temperature=temperature, **flags)

    torch.set_num_threads(1)
    rows = [json.loads(line) for line in BENIGN.read_text(encoding="utf-8").splitlines() if line]
    rows = [rows[i] for i in range(0, len(rows), max(1, len(rows) // n_items))][:n_items]
    kinds = [
        ("headlines", HEADLINE_LIMIT, 3, 32),
        ("descriptions", DESCRIPTION_LIMIT, 1, 40),
        ("keywords", KEYWORD_LIMIT, 3, 30),
    ]
    out: dict[str, Any] = {"briefs": [row["text"] for row in rows]}
    for quantization in ("int8", "none"):
        loaded = load_model(ModelSettings(path=None, cache_dir=cache, quantization=quantization, device="cpu"))
        items = []
        for i, row in enumerate(rows):
            kind, limit, lines, cap = kinds[i % 3]
            prompt = build_prompt(PromptInput(row["text"], row["language"]), kind, loaded.tokenizer)
            items.append(GenerationItem(prompt, limit, lines, cap, LANGUAGE_ALPHABET.get(row["language"])))
        runs = {"loop-greedy": dict(temperature=0.0, engine="loop")}
        if quantization == "int8":
            runs |= {
                "loop-sampled": dict(temperature=0.5, engine="loop"),
                "graph-greedy": dict(temperature=0.0, engine="graph"),
                "generate-greedy": dict(temperature=0.0, engine="generate"),
                "loop-greedy-no-limits": dict(temperature=0.0, engine="loop", enforce_limits=False),
            }
        for name, flags in runs.items():
            started = time.perf_counter()
            temperature = flags.pop("temperature")
            completions = run_batch(loaded, items, 11, temperature, **flags)
            out[f"{quantization}/{name}"] = [(c.text, c.new_tokens) for c in completions]
            print(f"  {quantization}/{name}: {time.perf_counter() - started:.1f} s", flush=True)
        if quantization == "int8":
            assets = []
            for i, row in enumerate(rows[:2]):
                request = GenerationRequest(
                    row["text"], row["language"], n_keywords=4, n_headlines=4, n_descriptions=2, seed=5 + i
                )
                guard, request_items = prepare(request, loaded.tokenizer)
                completions = run_batch(loaded, request_items, request.seed, 0.5)
                result = assemble(request, guard, completions, loaded, None, None)
                assets.append(
                    {
                        "keywords": result.keywords,
                        "headlines": result.headlines,
                        "descriptions": result.descriptions,
                        "dropped": result.dropped,
                        "raw_lines": result.raw_lines,
                        "tokens": result.tokens,
                    }
                )
            out["int8/generate_assets"] = assets
        del loaded
    return out


# ---------------------------------------------------------------------------------------------------------- compare


def compare(before_paths: str, after_paths: str, write: str | None = None) -> int:
    """Print each output's digest before and after; write the table as JSON. Each side may be several files
    (comma-separated), one per run of some parts."""

    def load(paths: str) -> tuple[list[str], dict[str, dict[str, str]]]:
        checkouts, parts = [], {}
        for path in paths.split(","):
            report = json.loads(Path(path).read_text())
            checkouts.append(report["checkout"])
            parts |= report["parts"]
        return sorted(set(checkouts)), parts

    (before_at, before), (after_at, after) = load(before_paths), load(after_paths)
    rows = []
    print(f"{'output':<42} {'before':<17} {'after':<17} same")
    for part in before:
        for key in before[part]:
            a, b = before[part][key], after.get(part, {}).get(key)
            rows.append({"output": f"{part}/{key}", "before": a, "after": b, "same": a == b})
            print(f"{part + '/' + key:<42} {a:<17} {str(b):<17} {'yes' if a == b else 'NO'}")
    differing = sum(not row["same"] for row in rows)
    print(f"{len(rows)} outputs, {differing} differing")
    if write:
        Path(write).write_text(
            json.dumps({"before": before_at, "after": after_at, "outputs": rows, "differing": differing}, indent=1)
            + "\n"
        )
    return 1 if differing else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="write this checkout's outputs here")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="report files, comma-separated")
    parser.add_argument("--write", help="with --compare: the table as JSON (bench/results/move_equivalence.json)")
    parser.add_argument("--parts", default="budgets,matching,generation")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--cache", default="var/models")
    args = parser.parse_args()
    if args.compare:
        raise SystemExit(compare(*args.compare, args.write))
    # The environment's editable install maps ``ml`` to another checkout, and its finder answers for any submodule
    # this checkout lacks (``ml.budgets`` in the old layout): without it a missing module is an ImportError here.
    sys.meta_path[:] = [finder for finder in sys.meta_path if "Editable" not in getattr(finder, "__name__", "")]
    import ml

    here = Path.cwd().resolve()
    if Path(ml.__file__).resolve().parents[1] != here:
        raise SystemExit(f"ml comes from {ml.__file__}, not from {here}: run with PYTHONPATH=.")
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=here).stdout.strip()
    report: dict[str, Any] = {"checkout": f"{here} @ {commit[:7]}", "parts": {}, "outputs": {}}
    for part in args.parts.split(","):
        started = time.perf_counter()
        print(f"{part}:", flush=True)
        result = {
            "budgets": lambda: budgets(args.seeds, args.days),
            "matching": lambda: matching(3000, 800),
            "generation": lambda: generation(args.items, args.cache),
        }[part]()
        elsewhere = [
            name
            for name, module in sys.modules.items()
            if name.split(".")[0] in ("ml", "bench")
            and getattr(module, "__file__", None)
            and not Path(module.__file__).resolve().is_relative_to(here)
        ]
        if elsewhere:
            raise SystemExit(f"modules from outside {here}: {elsewhere}")
        report["parts"][part] = {key: digest(value) for key, value in result.items()}
        report["outputs"][part] = plain(result)
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)
        Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
