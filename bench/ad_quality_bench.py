"""Ad-quality benchmark (issue 17): how many returned lines a marketer can publish, judged by ``bench/ad_judge.py``.

Run: ``python bench/ad_quality_bench.py`` (all 40 dev briefs; long on two cores) or
``python bench/ad_quality_bench.py --limit 6 --out bench/results/ad_quality_smoke.json`` (a smoke run).

One process loads the default model once (int8 on CPU) and, in the same run:

* for each strategy (``plain``: the pipeline before issue 17, the baseline; ``full``: the new one), submits every
  brief at once through :func:`ml.generation.api.generate_many` (15 headlines, 4 descriptions, 10 keywords asked
  for each) and judges every returned line with :func:`bench.ad_judge.judge_ad`: usable share, lines cut by the
  width limit (not whole and within 3 characters of the limit), briefs with a full ad (>= 10 distinct usable
  headlines, >= 3 descriptions, >= 8 keywords), mean usable lines per field, seconds per brief;
* usable lines per second of the full pipeline batched int8 (the run above) against the full pipeline sequential
  fp32 (``quantization="none"``, one brief at a time, one prompt per batch) on the first ``--seq-briefs`` briefs;
* the time for one full ad: one brief through :func:`ml.generation.api.generate_assets`, model warm.

Writes ``bench/results/ad_quality.json``: settings, per-brief figures, totals, sample lines kept and dropped with
the judge's reasons, and the generator's own ``dropped`` reasons.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections import Counter
from pathlib import Path
from typing import Any, Literal

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]

from bench.ad_judge import LIMITS, AdVerdict, judge_ad  # noqa: E402
from ml.ad_rules import text_width  # noqa: E402
from ml.generation.api import GeneratedAssets, GenerationRequest, generate_assets, generate_many  # noqa: E402
from ml.generation.batching import DynamicBatcher  # noqa: E402
from ml.generation.compose import TEMPERATURE  # noqa: E402
from ml.generation.model.loading import ModelSettings, load_model  # noqa: E402

Strategy = Literal["plain", "full"]
STRATEGIES: dict[str, Strategy] = {"plain": "plain", "full": "full"}
SEED = 20261217
WANTED = {"n_headlines": 15, "n_descriptions": 4, "n_keywords": 10}
FIELDS = (("headlines", "headline"), ("descriptions", "description"), ("keywords", "keyword"))
CUT_MARGIN = 3  # a line this close to its limit that is not whole was cut by the limit
SAMPLES_PER_CRITERION = 8


def load_briefs(path: Path, limit: int | None) -> list[dict[str, Any]]:
    """The briefs of a JSONL file, the first ``limit`` of them."""
    briefs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return briefs[:limit] if limit else briefs


def request_for(brief: dict[str, Any], strategy: Strategy, index: int) -> GenerationRequest:
    """The generation request for one brief."""
    return GenerationRequest(
        description=brief["description"],
        language=brief["language"],
        landing_page=brief.get("landing_page") or "",
        selling_points=tuple(brief.get("selling_points") or ()),
        brand_terms=tuple(brief.get("brand_terms") or ()),
        seed=SEED + index,
        strategy=strategy,
        n_headlines=WANTED["n_headlines"],
        n_descriptions=WANTED["n_descriptions"],
        n_keywords=WANTED["n_keywords"],
    )


def returned_lines(result: Any) -> dict[str, list[str]]:
    """The lines a result returns per field (none when the guardrails refused the brief)."""
    if not isinstance(result, GeneratedAssets):
        return {"headlines": [], "descriptions": [], "keywords": []}
    return {
        "headlines": list(result.headlines),
        "descriptions": list(result.descriptions),
        "keywords": [k.text for k in result.keywords],
    }


def _is_cut(line: str, kind: str, criteria: list[str]) -> bool:
    return "whole" in criteria and text_width(line) >= LIMITS[kind] - CUT_MARGIN


def judged_lines(brief: dict[str, Any], lines: dict[str, list[str]]) -> tuple[dict[str, Any], AdVerdict]:
    """Judge one brief's lines per field: counts, and every line with the judge's reasons."""
    verdict = judge_ad(brief, lines.get("headlines", []), lines.get("descriptions", []), lines.get("keywords", []))
    figures: dict[str, Any] = {}
    judged: dict[str, list[dict[str, Any]]] = {}
    returned = usable = cut = 0
    for field_name, kind in FIELDS:
        pairs = getattr(verdict, field_name)
        returned += len(pairs)
        usable += sum(v.usable for _, v in pairs)
        cut += sum(_is_cut(line, kind, v.criteria) for line, v in pairs)
        figures[f"returned_{field_name}"] = len(pairs)
        figures[f"usable_{field_name}"] = len(verdict.usable(field_name))
        judged[field_name] = [{"line": line, "usable": v.usable, "reasons": v.reasons} for line, v in pairs]
    figures.update(returned=returned, usable=usable, cut_by_limit=cut, full_ad=verdict.full_ad, lines=judged)
    return figures, verdict


def brief_figures(
    brief: dict[str, Any], result: Any, stored: dict[str, Any] | None = None
) -> tuple[dict[str, Any], AdVerdict]:
    """Judge one brief's returned lines and, apart, every line the model generated before the generator's own
    validation (``raw``); from a result, or from the ``stored`` figures of an earlier run (``--rejudge``)."""
    if stored is not None:
        lines = {name: [e["line"] for e in stored["lines"][name]] for name, _ in FIELDS}
        raw = {name: [e["line"] for e in stored["raw"]["lines"].get(name, [])] for name, _ in FIELDS}
        extra = {"refused": stored["refused"], "generator_dropped": stored["generator_dropped"]}
    else:
        lines = returned_lines(result)
        raw = dict(result.raw_lines) if isinstance(result, GeneratedAssets) else {}
        extra = {
            "refused": None if isinstance(result, GeneratedAssets) else str(result),
            "generator_dropped": dict(Counter(v.reason for v in getattr(result, "dropped", []))),
        }
    figures, verdict = judged_lines(brief, lines)
    raw_figures, _ = judged_lines(brief, raw)
    figures = {"id": brief["id"], "language": brief["language"], "industry": brief["industry"], **figures, **extra}
    figures["distinct_usable_headlines"] = verdict.distinct_usable_headlines
    figures["raw"] = {k: raw_figures[k] for k in ("returned", "usable", "cut_by_limit", "lines")}
    return figures, verdict


def _failing(per_brief: list[dict[str, Any]], key: str | None = None) -> dict[str, int]:
    """Lines failing each criterion (a line counts once per criterion)."""
    failed = Counter(
        criterion
        for b in per_brief
        for lines in (b[key] if key else b)["lines"].values()
        for entry in lines
        for criterion in dict.fromkeys(r.split(":", 1)[0] for r in entry["reasons"])
    )
    return dict(failed.most_common())


def totals(per_brief: list[dict[str, Any]], seconds: float, cpu_seconds: float | None = None) -> dict[str, Any]:
    """A strategy's totals over its briefs (``cpu_seconds``: the process's CPU time over the same span, all threads:
    steadier than wall time on a machine shared with other work)."""
    n = len(per_brief) or 1
    returned = sum(b["returned"] for b in per_brief)
    usable = sum(b["usable"] for b in per_brief)
    raw_generated = sum(b["raw"]["returned"] for b in per_brief)
    raw_usable = sum(b["raw"]["usable"] for b in per_brief)
    return {
        "briefs": len(per_brief),
        "returned_lines": returned,
        "usable_lines": usable,
        "usable_share": round(usable / returned, 3) if returned else 0.0,
        "cut_by_limit": sum(b["cut_by_limit"] for b in per_brief),
        "full_ads": sum(b["full_ad"] for b in per_brief),
        "mean_usable_headlines": round(sum(b["usable_headlines"] for b in per_brief) / n, 2),
        "mean_usable_descriptions": round(sum(b["usable_descriptions"] for b in per_brief) / n, 2),
        "mean_usable_keywords": round(sum(b["usable_keywords"] for b in per_brief) / n, 2),
        "seconds": round(seconds, 2),
        "seconds_per_brief": round(seconds / n, 2),
        "usable_lines_per_second": round(usable / seconds, 3) if seconds else 0.0,
        **(
            {"cpu_seconds": round(cpu_seconds, 2), "usable_lines_per_cpu_second": round(usable / cpu_seconds, 3)}
            if cpu_seconds
            else {}
        ),
        "lines_failing": _failing(per_brief),
        "raw_generated_lines": raw_generated,
        "raw_usable_lines": raw_usable,
        "raw_usable_share": round(raw_usable / raw_generated, 3) if raw_generated else 0.0,
        "raw_cut_by_limit": sum(b["raw"]["cut_by_limit"] for b in per_brief),
        "raw_lines_failing": _failing(per_brief, "raw"),
        "generator_dropped": dict(sum((Counter(b["generator_dropped"]) for b in per_brief), Counter())),
    }


def samples(per_brief: list[dict[str, Any]], key: str | None = None) -> dict[str, Any]:
    """Up to a few kept lines per field and a few dropped lines per failed criterion, with the judge's reasons."""
    kept: dict[str, list[str]] = {}
    dropped: dict[str, list[dict[str, Any]]] = {}
    for brief in per_brief:
        for field_name, entries in (brief[key] if key else brief)["lines"].items():
            for entry in entries:
                if entry["usable"]:
                    bucket = kept.setdefault(field_name, [])
                    if len(bucket) < SAMPLES_PER_CRITERION:
                        bucket.append(f"{brief['id']}: {entry['line']}")
                    continue
                criterion = entry["reasons"][0].split(":", 1)[0]
                bucket2 = dropped.setdefault(criterion, [])
                if len(bucket2) < SAMPLES_PER_CRITERION:
                    bucket2.append({"brief": brief["id"], "field": field_name, **entry})
    return {"kept": kept, "dropped": dropped}


def run_strategy(
    briefs: list[dict[str, Any]], strategy: Strategy, batcher: DynamicBatcher, embedder: Any
) -> tuple[list[dict[str, Any]], float]:
    """Every brief submitted at once; each judged."""
    requests = [request_for(b, strategy, i) for i, b in enumerate(briefs)]
    start, cpu_start = time.perf_counter(), time.process_time()
    results = generate_many(requests, batcher, embedder)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return [brief_figures(b, r)[0] for b, r in zip(briefs, results, strict=True)], seconds, cpu


def sequential_fp32(briefs: list[dict[str, Any]], cache_dir: str, embedder: Any) -> dict[str, Any]:
    """The full pipeline in fp32, one brief at a time and one prompt per batch: the naive way to run it."""
    loaded = load_model(ModelSettings(cache_dir=cache_dir, quantization="none"))
    with DynamicBatcher(loaded, max_batch=1, temperature=TEMPERATURE) as batcher:
        generate_assets(request_for(briefs[0], "full", 999), batcher, embedder)  # warm, like the batched path
        per_brief = []
        seconds = cpu = 0.0
        for i, brief in enumerate(briefs):
            start, cpu_start = time.perf_counter(), time.process_time()
            result = generate_assets(request_for(brief, "full", i), batcher, embedder)
            seconds, cpu = seconds + time.perf_counter() - start, cpu + time.process_time() - cpu_start
            per_brief.append(brief_figures(brief, result)[0])  # judged outside the timed span, as the batched side
    return {"quantization": loaded.quantization, "totals": totals(per_brief, seconds, cpu), "briefs": per_brief}


def throughput(report: dict[str, Any]) -> dict[str, Any]:
    """Usable lines per second: the full pipeline batched int8 against sequential fp32, on the same briefs (the
    ratio); the batched rate over every brief is reported beside it."""
    every = report["strategies"]["full"]["totals"]
    batched = report.get("batched_int8_same_briefs", report["strategies"]["full"])["totals"]
    seq = report["sequential_fp32"]["totals"]
    keys = ("briefs", "usable_lines", "seconds", "usable_lines_per_second", "cpu_seconds")
    keys += ("usable_lines_per_cpu_second",)
    rate = seq["usable_lines_per_second"]
    ratio = batched["usable_lines_per_second"] / rate if rate else None
    cpu_rate = seq.get("usable_lines_per_cpu_second")
    cpu_ratio = batched.get("usable_lines_per_cpu_second", 0) / cpu_rate if cpu_rate else None
    return {
        "batched_int8": {k: batched[k] for k in keys if k in batched},
        "sequential_fp32": {k: seq[k] for k in keys if k in seq},
        "ratio": round(ratio, 2) if ratio else None,
        "ratio_cpu_time": round(cpu_ratio, 2) if cpu_ratio else None,
        "batched_int8_every_brief": {k: every[k] for k in keys if k in every},
    }


def rejudge(path: Path, briefs_path: Path) -> dict[str, Any]:
    """Judge the lines an earlier run stored again with the current judge (no model): for changing the judge."""
    report = json.loads(path.read_text(encoding="utf-8"))
    briefs = {b["id"]: b for b in load_briefs(briefs_path, None)}
    for strategy, entry in report["strategies"].items():
        per_brief = []
        for old in entry["briefs"]:
            per_brief.append(brief_figures(briefs[old["id"]], None, old)[0])
        total = totals(per_brief, entry["totals"]["seconds"], entry["totals"].get("cpu_seconds"))
        report["strategies"][strategy] = {
            "totals": total,
            "samples": samples(per_brief),
            "raw_samples": samples(per_brief, "raw"),
            "briefs": per_brief,
        }
        print_table(strategy, per_brief, total)
    if "sequential_fp32" in report:
        seq = report["sequential_fp32"]
        per_brief = []
        for old in seq["briefs"]:
            per_brief.append(brief_figures(briefs[old["id"]], None, old)[0])
        seq_totals = totals(per_brief, seq["totals"]["seconds"], seq["totals"].get("cpu_seconds"))
        seq.update(totals=seq_totals, briefs=per_brief)
        report["throughput"] = throughput(report)
        print_throughput(report["throughput"])
    report["settings"]["rejudged"] = True
    return report


def print_throughput(figures: dict[str, Any]) -> None:
    """The usable-lines-per-second comparison."""
    batched, seq = figures["batched_int8"], figures["sequential_fp32"]
    print(
        f"usable lines/s: batched int8 {batched['usable_lines_per_second']} ({batched['briefs']} briefs) vs "
        f"sequential fp32 {seq['usable_lines_per_second']} ({seq['briefs']} briefs): {figures['ratio']}x; "
        f"per CPU second: {figures.get('ratio_cpu_time')}x"
    )


def print_table(strategy: str, per_brief: list[dict[str, Any]], total: dict[str, Any]) -> None:
    """The per-brief table and the totals of one strategy."""
    print(f"\n== strategy {strategy}")
    print(f"{'brief':28} {'usable':>9} {'cut':>4} {'H':>3} {'D':>3} {'K':>3} full")
    for b in per_brief:
        print(
            f"{b['id']:28} {b['usable']:>4}/{b['returned']:<4} {b['cut_by_limit']:>4} {b['usable_headlines']:>3} "
            f"{b['usable_descriptions']:>3} {b['usable_keywords']:>3} {'yes' if b['full_ad'] else 'no'}"
        )
    print(
        f"usable {total['usable_lines']}/{total['returned_lines']} ({total['usable_share']:.1%}), "
        f"cut by limit {total['cut_by_limit']}, full ads {total['full_ads']}/{total['briefs']}, "
        f"mean usable H/D/K {total['mean_usable_headlines']}/{total['mean_usable_descriptions']}/"
        f"{total['mean_usable_keywords']}, {total['seconds_per_brief']} s/brief"
    )
    print("failing criteria (lines):", total["lines_failing"])
    print(
        f"before the generator's own checks: {total['raw_usable_lines']}/{total['raw_generated_lines']} usable "
        f"({total['raw_usable_share']:.1%}), cut by limit {total['raw_cut_by_limit']}; failing: "
        f"{total['raw_lines_failing']}"
    )
    print("generator dropped:", total["generator_dropped"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--briefs", type=Path, default=ROOT / "bench" / "data" / "ad_briefs" / "dev.jsonl")
    parser.add_argument("--limit", type=int, default=None, help="only the first N briefs")
    parser.add_argument("--ids", default="", help="only these briefs (comma-separated ids), e.g. the ones not full")
    parser.add_argument("--strategies", default="plain,full")
    parser.add_argument("--one-ad-briefs", type=int, default=3, help="briefs timed alone, one ad at a time")
    parser.add_argument("--seq-briefs", type=int, default=6, help="briefs for the sequential fp32 run (0 skips)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ad_quality.json")
    parser.add_argument("--cache-dir", default=str(ROOT / "var" / "models"), help="where GGUF conversions are kept")
    parser.add_argument("--rejudge", type=Path, help="judge the lines of this earlier result again; no generation")
    args = parser.parse_args(argv)
    if args.rejudge:
        rejudged = rejudge(args.rejudge, args.briefs)
        args.out.write_text(json.dumps(rejudged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
        return 0
    briefs = load_briefs(args.briefs, args.limit)
    if args.ids:
        wanted = {i.strip() for i in args.ids.split(",") if i.strip()}
        briefs = [b for b in briefs if b["id"] in wanted]
        if not briefs:
            parser.error(f"--ids: none of {sorted(wanted)} is in {args.briefs}")
    strategies: list[Strategy] = []
    for name in (s.strip() for s in args.strategies.split(",") if s.strip()):
        if name not in STRATEGIES:
            parser.error(f"--strategies: {name!r} is not one of {', '.join(STRATEGIES)}")
        strategies.append(STRATEGIES[name])

    from ml.matching import default_embedder

    embedder = default_embedder()
    loaded = load_model(ModelSettings(cache_dir=args.cache_dir))
    report: dict[str, Any] = {
        "settings": {
            "briefs": str(args.briefs.relative_to(ROOT) if args.briefs.is_relative_to(ROOT) else args.briefs),
            "n_briefs": len(briefs),
            "strategies": strategies,
            "requested": WANTED,
            "seed": SEED,
            "model": loaded.name,
            "quantization": loaded.quantization,
            "device": loaded.device,
            "cpu_count": os.cpu_count(),
            "machine": platform.processor() or platform.machine(),
            "cut_margin": CUT_MARGIN,
        },
        "strategies": {},
    }
    # each strategy at its own sampling temperature: plain at the batcher's old default, full at the worker's
    temperatures = {"plain": 0.5, "full": TEMPERATURE}
    report["settings"]["temperatures"] = temperatures
    with DynamicBatcher(loaded, temperature=TEMPERATURE) as batcher:
        generate_assets(request_for(briefs[0], "plain", 999), batcher, embedder)  # warm: prefixes, heads, caches
        for strategy in strategies:
            batcher.temperature = temperatures[strategy]
            per_brief, seconds, cpu = run_strategy(briefs, strategy, batcher, embedder)
            total = totals(per_brief, seconds, cpu)
            report["strategies"][strategy] = {
                "totals": total,
                "samples": samples(per_brief),
                "raw_samples": samples(per_brief, "raw"),
                "briefs": per_brief,
            }
            print_table(strategy, per_brief, total)
            write_report(args.out, report)  # a run stopped later still leaves each strategy's figures
        batcher.temperature = TEMPERATURE
        # one ad group at a time, model warm: the first brief (the bench's figure since issue 17) and the next two,
        # as a marketer generating for one ad group waits for it; a brief whose fields come short takes more rounds
        ads = []
        for index, brief in enumerate(briefs[: max(1, args.one_ad_briefs)]):
            start, cpu_start = time.perf_counter(), time.process_time()
            one = generate_assets(request_for(brief, "full", index), batcher, embedder)
            one_seconds, one_cpu = time.perf_counter() - start, time.process_time() - cpu_start
            one_figures, _ = brief_figures(brief, one)
            ads.append({"brief": brief["id"], "seconds": round(one_seconds, 2), "cpu_seconds": round(one_cpu, 2), **{
                k: one_figures[k] for k in ("usable", "returned", "full_ad")
            }})  # fmt: skip
        report["one_full_ad"] = {
            **ads[0],
            "each": ads,
            "median_seconds": sorted(a["seconds"] for a in ads)[len(ads) // 2],
        }
        if args.seq_briefs and "full" in strategies:
            # the batched side of the speed ratio, on exactly the briefs the sequential run gets
            same, same_seconds, same_cpu = run_strategy(briefs[: args.seq_briefs], "full", batcher, embedder)
            report["batched_int8_same_briefs"] = {"totals": totals(same, same_seconds, same_cpu)}
    for ad in report.get("one_full_ad", {}).get("each", []):
        print(
            f"one ad, model warm: {ad['brief']} {ad['seconds']:.1f} s, {ad['cpu_seconds']:.1f} CPU s, "
            f"full: {ad['full_ad']}"
        )

    if args.seq_briefs and "full" in report["strategies"]:
        report["sequential_fp32"] = sequential_fp32(briefs[: args.seq_briefs], args.cache_dir, embedder)
        report["throughput"] = throughput(report)
        print_throughput(report["throughput"])
    write_report(args.out, report)
    print(f"wrote {args.out}")
    return 0


def write_report(path: Path, report: dict[str, Any]) -> None:
    """Write the report as it stands (atomically: a run stopped while writing leaves the previous file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(partial, path)


if __name__ == "__main__":
    raise SystemExit(main())
