"""How many rows per field does a full ad need? Over-generation measured offline (issue 17, speed).

The full pipeline asks the model for every field several times (:data:`ml.generation.compose.ROWS`); most of the
tokens are headlines that the checks or the selection throw away. This study decodes every row of every brief
once, keeps the completions, then assembles each brief again from only the first ``k`` rows of each field and
judges the ad with the independent judge (:mod:`bench.ad_judge`): full ads and usable lines against the tokens
the rows cost. It also replays a two-round policy: a first round of fewer rows, and the remaining rows only for
the fields the first round left short of what was asked (as :func:`ml.generation.compose.next_rows` does; the
third round's extra rows cannot be replayed: they were never decoded here).

Run: ``python bench/ad_rows_study.py`` (dev and held-out briefs; decoding is the long part) or
``python bench/ad_rows_study.py --replay`` (reuse the stored completions in ``var/ad_rows_study.pkl``).
Writes ``bench/results/ad_rows_study.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]

from bench.ad_quality_bench import judged_lines, load_briefs, request_for  # noqa: E402
from ml.generation import compose  # noqa: E402
from ml.generation.api import _guarded_input  # noqa: E402
from ml.generation.batching import DynamicBatcher  # noqa: E402
from ml.generation.model.loading import ModelSettings, load_model  # noqa: E402

DATA = ROOT / "bench" / "data" / "ad_briefs"
STORE = ROOT / "var" / "ad_rows_study.pkl"
# rows of each field to try: (keywords, headlines, descriptions)
GRID = [(8, 18, 2), (8, 14, 2), (6, 12, 2), (6, 10, 2), (5, 8, 2), (4, 6, 1), (8, 18, 1), (6, 18, 2)]
# first rounds to replay in two rounds: the rest of each short field's rows (up to the stored ones) come second
FIRST = [(6, 12, 2), (6, 10, 2), (5, 8, 2), (4, 8, 1), (5, 10, 1), (4, 6, 1), (6, 12, 1)]


def decode_all(briefs: list[dict[str, Any]], embedder: Any, cache_dir: str) -> dict[str, Any]:
    """Every row of every brief's full request, decoded once, with the request and its guard."""
    loaded = load_model(ModelSettings(cache_dir=cache_dir))
    requests = [request_for(b, "full", i) for i, b in enumerate(briefs)]
    planned = []
    for request in requests:
        guard, item = _guarded_input(request)
        rows = compose.plan_rows(item, embedder)
        planned.append((request, guard, [k for k, _ in rows], [r for _, r in rows]))
    with DynamicBatcher(loaded, temperature=compose.TEMPERATURE) as batcher:
        start = time.perf_counter()
        futures = batcher.submit_many([r for p in planned for r in p[3]])
        completions = [f.result() for f in futures]
        seconds = time.perf_counter() - start
    out, at = {}, 0
    for brief, (request, guard, kinds, items) in zip(briefs, planned, strict=True):
        out[brief["id"]] = {
            "request": request,
            "guard": guard,
            "kinds": kinds,
            "completions": completions[at : at + len(items)],
        }
        at += len(items)
    return {"briefs": out, "seconds": seconds, "tokenizer_name": loaded.name}


def assemble(entry: dict[str, Any], rows: dict[str, int], tokenizer: Any, embedder: Any) -> dict[str, list[str]]:
    """The ad from the first ``rows[field]`` rows of each field."""
    taken: dict[str, int] = {k: 0 for k in compose.KINDS}
    kinds, completions = [], []
    for kind, completion in zip(entry["kinds"], entry["completions"], strict=True):
        if taken[kind] < rows[kind]:
            taken[kind] += 1
            kinds.append(kind)
            completions.append(completion)
    chosen, _, _ = compose.assemble_full(entry["request"], entry["guard"], kinds, completions, tokenizer, embedder)
    tokens = sum(c.new_tokens for c in completions)
    return {"lines": {k: [c.text for c in v] for k, v in chosen.items()}, "tokens": tokens, "chosen": chosen}


def two_rounds(
    entry: dict[str, Any], first: dict[str, int], wanted: dict[str, int], tokenizer: Any, embedder: Any
) -> dict[str, Any]:
    """The ad of a first round of ``first`` rows, and every stored row of the fields it left short."""
    got = assemble(entry, first, tokenizer, embedder)
    short = [k for k in compose.KINDS if len(got["chosen"][k]) < wanted[k]]
    if not short:
        return {**got, "short": short}
    stored = {k: entry["kinds"].count(k) for k in compose.KINDS}
    second = assemble(entry, {k: stored[k] if k in short else first[k] for k in compose.KINDS}, tokenizer, embedder)
    return {**second, "short": short}


def judge(brief: dict[str, Any], lines: dict[str, list[str]]) -> dict[str, Any]:
    figures, verdict = judged_lines(brief, lines)
    return {
        "full_ad": verdict.full_ad,
        "usable": figures["usable"],
        "returned": figures["returned"],
        "usable_headlines": figures["usable_headlines"],
        "usable_descriptions": figures["usable_descriptions"],
        "usable_keywords": figures["usable_keywords"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--replay", action="store_true", help="reuse the stored completions")
    parser.add_argument("--cache-dir", default=str(ROOT / "var" / "models"))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ad_rows_study.json")
    args = parser.parse_args(argv)
    from ml.matching import default_embedder

    embedder = default_embedder()
    sets = {name: load_briefs(DATA / f"{name}.jsonl", None) for name in ("dev", "heldout")}
    if args.replay:
        store = pickle.loads(STORE.read_bytes())
    else:
        store = {name: decode_all(briefs, embedder, args.cache_dir) for name, briefs in sets.items()}
        STORE.parent.mkdir(parents=True, exist_ok=True)
        STORE.write_bytes(pickle.dumps(store))
    tokenizer = load_model(ModelSettings(cache_dir=args.cache_dir)).tokenizer
    report: dict[str, Any] = {"grid": {}, "decode_seconds": {n: s["seconds"] for n, s in store.items()}}
    for name, briefs in sets.items():
        for grid in GRID:
            rows = dict(zip(compose.KINDS, grid, strict=True))
            full = usable = returned = tokens = 0
            not_full = []
            for brief in briefs:
                got = assemble(store[name]["briefs"][brief["id"]], rows, tokenizer, embedder)
                verdict = judge(brief, got["lines"])
                full += verdict["full_ad"]
                usable += verdict["usable"]
                returned += verdict["returned"]
                tokens += got["tokens"]
                if not verdict["full_ad"]:
                    not_full.append(brief["id"])
            key = f"{name} k{grid[0]}/h{grid[1]}/d{grid[2]}"
            report["grid"][key] = {
                "briefs": len(briefs),
                "full_ads": full,
                "usable": usable,
                "returned": returned,
                "usable_share": round(usable / max(returned, 1), 3),
                "tokens": tokens,
                "not_full": not_full,
            }
            print(f"{key:28} full {full:2}/{len(briefs)}  usable {usable}/{returned}  tokens {tokens}")
    wanted = {"keywords": 10, "headlines": 15, "descriptions": 4}
    report["two_rounds"] = {}
    for name, briefs in sets.items():
        for grid in FIRST:
            first = dict(zip(compose.KINDS, grid, strict=True))
            full = usable = returned = tokens = second = 0
            not_full = []
            for brief in briefs:
                got = two_rounds(store[name]["briefs"][brief["id"]], first, wanted, tokenizer, embedder)
                verdict = judge(brief, got["lines"])
                full += verdict["full_ad"]
                usable += verdict["usable"]
                returned += verdict["returned"]
                tokens += got["tokens"]
                second += bool(got["short"])
                if not verdict["full_ad"]:
                    not_full.append(brief["id"])
            key = f"{name} first k{grid[0]}/h{grid[1]}/d{grid[2]}"
            report["two_rounds"][key] = {
                "briefs": len(briefs),
                "second_round": second,
                "full_ads": full,
                "usable": usable,
                "returned": returned,
                "usable_share": round(usable / max(returned, 1), 3),
                "tokens": tokens,
                "not_full": not_full,
            }
            print(f"{key:34} 2nd {second:2}  full {full:2}/{len(briefs)}  usable {usable}/{returned}  tokens {tokens}")
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
