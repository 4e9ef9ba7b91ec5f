"""Import benchmark: the streamed polars + set-based SQL import vs a row-by-row csv + ORM import.

Generates a search-terms report (Google Ads layout: title, date range, header, rows, "Total" rows) and imports
the same file both ways, each in a fresh process on a fresh SQLite database (the embedded default), measuring
rows/s and the process's peak resident memory. Also imports a quarter of the file with the fast path, to show
its memory does not grow with the file. Writes bench/results/import.json.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--naive-rows N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "import.json"
HEADER = ("Search term,Match type,Campaign,Ad group,Keyword,Day,Impr.,Clicks,Currency code,Cost,Conversions,"
          "Conv. value\n")
MATCH = ("Exact match", "Phrase match", "Broad match")


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` distinct (term, ad group, day) rows over 50 campaigns x 10 ad groups and 30 days."""
    import random

    rng = random.Random(seed)
    days = [f"2026-09-{day:02d}" for day in range(1, 31)]
    words = ["cemento", "ladrillo", "pladur", "teja", "mortero", "yeso", "aislante", "saco", "precio", "comprar",
             "barato", "obra", "blanco", "gris", "rojo", "madrid", "sevilla", "valencia", "oferta", "palet"]
    with path.open("w", encoding="utf-8") as handle:
        handle.write("Search terms report\nSeptember 1, 2026 - September 30, 2026\n")
        handle.write(HEADER)
        for n in range(rows):
            day = days[n % 30]
            term_id = n // 30
            campaign = term_id % 50
            group = (term_id // 50) % 10
            term = f"{words[term_id % 20]} {words[(term_id // 20) % 20]} {term_id}"
            impressions = rng.randint(1, 2000)
            clicks = rng.randint(0, min(impressions, 60))
            cost = clicks * rng.randint(5, 300) / 100
            conversions = rng.randint(0, clicks // 10) if clicks else 0
            handle.write(
                f"{term},{MATCH[n % 3]},Campaign {campaign},Group {campaign}-{group},{term.rsplit(' ', 1)[0]},{day},"
                f"\"{impressions:,}\",{clicks},EUR,\"{cost:,.2f}\",{conversions},{conversions * 150:.2f}\n"
            )
        handle.write("Total: Account,,,,,--,0,0,EUR,0.00,0,0.00\n")


def naive_import(organization, path: Path, limit: int | None) -> int:
    """What a first version does: csv.reader, then get_or_create and create per row, in one transaction."""
    import csv
    from datetime import date

    from django.db import transaction

    from campaigns.models import AdGroup, Campaign, SearchTerm, SearchTermDaily

    def number(text: str) -> float:
        return float(text.replace(",", "")) if text not in ("", "--") else 0.0

    count = 0
    with path.open(encoding="utf-8", newline="") as handle, transaction.atomic():
        reader = csv.reader(handle)
        next(reader), next(reader), next(reader)
        for row in reader:
            if row[0].startswith("Total"):
                continue
            term, match, campaign_name, group_name, keyword, day, imp, clicks, _, cost, conv, value = row
            campaign, _ = Campaign.objects.get_or_create(organization=organization, platform="google",
                                                         name=campaign_name)
            ad_group, _ = AdGroup.objects.get_or_create(campaign=campaign, name=group_name)
            search_term, _ = SearchTerm.objects.get_or_create(organization=organization, campaign=campaign,
                                                              ad_group=ad_group, text=term)
            SearchTermDaily.objects.create(
                search_term=search_term, campaign=campaign, date=date.fromisoformat(day), keyword_text=keyword,
                match_type=match.split()[0].lower(), impressions=int(number(imp)), clicks=int(number(clicks)),
                cost_micros=round(number(cost) * 1_000_000), conversions=number(conv),
                conversion_value_micros=round(number(value) * 1_000_000),
            )
            count += 1
            if limit and count >= limit:
                break
    return count


def child(mode: str, path: Path, limit: int | None) -> None:
    """Runs in a fresh process: migrate, then time one import and report peak memory."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from campaigns.models import Organization, SearchTermDaily
    from campaigns.services.importing import import_report

    organization = Organization.objects.create(name="Bench", slug="bench")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if mode == "fast":
        rows = import_report(organization, path).rows
    else:
        rows = naive_import(organization, path, limit)
    seconds = time.perf_counter() - started
    assert SearchTermDaily.objects.count() == rows
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_rss_mb": resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 1024, "baseline_rss_mb": baseline / 1024}))


def run(mode: str, path: Path, workdir: Path, database_url: str | None = None, limit: int | None = None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(workdir)}
    env["DATABASE_URL"] = database_url or f"sqlite:///{workdir / f'{mode}.sqlite3'}"
    command = [sys.executable, __file__, "--child", mode, "--file", str(path)]
    if limit:
        command += ["--naive-rows", str(limit)]
    workdir.mkdir(exist_ok=True)
    process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if process.returncode:
        raise SystemExit(f"{mode} import failed:\n{process.stderr[-3000:]}")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-rows", type=int, default=50_000,
                        help="the row-by-row import runs on the first N rows of the same file (0: all of it)")
    parser.add_argument("--postgres", help="also time the fast path on this PostgreSQL URL (its data is replaced)")
    parser.add_argument("--child", choices=["fast", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.naive_rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        full, quarter = workdir / "search_terms.csv", workdir / "search_terms_quarter.csv"
        generate(full, args.rows)
        generate(quarter, args.rows // 4)
        size_mb = full.stat().st_size / 2**20
        results = {
            "fast_sqlite": run("fast", full, workdir),
            "fast_sqlite_quarter_file": run("fast", quarter, workdir / "quarter"),
            "naive_sqlite": run("naive", full, workdir, limit=args.naive_rows),
        }
        if args.postgres:
            results["fast_postgresql"] = run("fast", full, workdir, database_url=args.postgres)
    speedup = results["fast_sqlite"]["rows_per_s"] / results["naive_sqlite"]["rows_per_s"]
    print(f"\nSearch-terms report: {args.rows:,} rows, {size_mb:.0f} MB\n")
    print(f"{'import':34} {'rows':>10} {'seconds':>9} {'rows/s':>10} {'peak RSS MB':>12} {'(before import)':>16}")
    for name, result in results.items():
        print(f"{name:34} {result['rows']:>10,} {result['seconds']:>9.1f} {result['rows_per_s']:>10,.0f} "
              f"{result['peak_rss_mb']:>12.0f} {result['baseline_rss_mb']:>16.0f}")
    print(f"\nfast / row-by-row: {speedup:.1f}x (goal >= 5x)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "import", "rows": args.rows, "file_mb": round(size_mb, 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "results": results, "speedup_fast_over_naive": speedup, "goal_speedup": 5.0,
        "naive_note": "the row-by-row import runs on the first naive_rows rows of the same file (at a few hundred "
                      "rows/s the whole file would take hours); its rate is rows/seconds over those rows",
        "naive_rows": args.naive_rows or args.rows,
        "memory_note": "peak RSS of the whole process (Django + polars); the quarter-size file shows whether the "
                       "fast path's memory grows with the file",
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
