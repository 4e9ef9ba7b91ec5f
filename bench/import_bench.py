"""Import benchmark: the streamed bulk import, before and after, vs a row-by-row csv + ORM import.

Generates a search-terms report (Google Ads layout: title, date range, header, rows, "Total" rows) and imports
the same file each way, each in a fresh process on a fresh database, measuring rows/s, the process's CPU time
(all its threads; PostgreSQL's own work is in the server, not here) and its peak resident memory:

- ``fast``: this tree's import_report, on SQLite and (``--postgres``) on PostgreSQL;
- ``before``: the import_report of ``--before`` (a commit, default the one before the bulk-path rewrite), run
  from a ``git archive`` of that commit, same file, same machine, same run;
- ``naive``: csv.reader + get_or_create/create per row, on the first ``--naive-rows`` rows.

A quarter of the file is imported too, to show that memory does not grow with the file. The machine's load
average is recorded with each run: on a shared machine rows/s falls with it, CPU time much less.
Writes bench/results/import.json.

    .venv/bin/python bench/import_bench.py [--rows 1000000] [--naive-rows N] [--postgres URL] [--before REV]
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
HEADER = (
    "Search term,Match type,Campaign,Ad group,Keyword,Day,Impr.,Clicks,Currency code,Cost,Conversions,Conv. value\n"
)
MATCH = ("Exact match", "Phrase match", "Broad match")
GOAL_ROWS_PER_S = 100_000
BEFORE = "69b3f79"  # the last commit with the previous import path (13,900 rows/s in bench/results/import.json)


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """``rows`` distinct (term, ad group, day) rows over 50 campaigns x 10 ad groups and 30 days."""
    import random

    rng = random.Random(seed)
    days = [f"2026-09-{day:02d}" for day in range(1, 31)]
    words = [
        "cemento",
        "ladrillo",
        "pladur",
        "teja",
        "mortero",
        "yeso",
        "aislante",
        "saco",
        "precio",
        "comprar",
        "barato",
        "obra",
        "blanco",
        "gris",
        "rojo",
        "madrid",
        "sevilla",
        "valencia",
        "oferta",
        "palet",
    ]
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
                f'"{impressions:,}",{clicks},EUR,"{cost:,.2f}",{conversions},{conversions * 150:.2f}\n'
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
            campaign, _ = Campaign.objects.get_or_create(
                organization=organization, platform="google", name=campaign_name
            )
            ad_group, _ = AdGroup.objects.get_or_create(campaign=campaign, name=group_name)
            search_term, _ = SearchTerm.objects.get_or_create(
                organization=organization, campaign=campaign, ad_group=ad_group, text=term
            )
            SearchTermDaily.objects.create(
                search_term=search_term,
                campaign=campaign,
                date=date.fromisoformat(day),
                keyword_text=keyword,
                match_type=match.split()[0].lower(),
                impressions=int(number(imp)),
                clicks=int(number(clicks)),
                cost_micros=round(number(cost) * 1_000_000),
                conversions=number(conv),
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
    server = server_cpu_seconds()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    load_before = os.getloadavg()[0]
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if mode == "fast":
        rows = import_report(organization, path, match_after=False).rows
    else:
        rows = naive_import(organization, path, limit)
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    server_after = server_cpu_seconds()
    assert SearchTermDaily.objects.count() == rows
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "cpu_seconds": used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime,
                "peak_rss_mb": used.ru_maxrss / 1024,
                "baseline_rss_mb": baseline / 1024,
                "load_average": [load_before, os.getloadavg()[0]],
                "server_cpu_seconds": None if server is None or server_after is None else server_after - server,
            }
        )
    )


def server_cpu_seconds() -> float | None:
    """CPU time so far of this connection's PostgreSQL backend, where the server runs on this machine and its
    process can be read (None on SQLite, whose work is in this process, or a remote server)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    mode: str, path: Path, workdir: Path, database_url: str | None = None, limit: int | None = None, tree: Path = ROOT
) -> dict:
    """One import in a fresh process of ``tree`` (this checkout, or the extracted ``--before`` commit)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "VAR_DIR": str(workdir)}
    env["DATABASE_URL"] = database_url or f"sqlite:///{workdir / f'{mode}.sqlite3'}"
    if database_url:
        reset_postgres(database_url)
    # The --before tree runs its own copy of this script's child, which it had as well (same arguments).
    command = [
        sys.executable,
        str(tree / "bench" / "import_bench.py"),
        "--child",
        "naive" if mode == "naive" else "fast",
        "--file",
        str(path),
    ]
    if limit:
        command += ["--naive-rows", str(limit)]
    workdir.mkdir(exist_ok=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"{mode} import failed:\n{process.stderr[-3000:]}")
    result = json.loads(process.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    # the whole child, Django's start and the migrations included: the same yardstick for every tree
    result["process_cpu_seconds"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    if "cpu_seconds" in result:
        result["rows_per_cpu_s"] = result["rows"] / result["cpu_seconds"]
    if result.get("server_cpu_seconds") is not None:  # PostgreSQL's share: the import's CPU, both sides
        result["rows_per_cpu_s_with_server"] = result["rows"] / (result["cpu_seconds"] + result["server_cpu_seconds"])
    return result


def reset_postgres(url: str) -> None:
    """An empty database of that name (the bench's own: its data is dropped), so every run starts alike."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


def extract(revision: str, into: Path) -> Path:
    """The tree of ``revision`` under ``into``, sharing this checkout's virtual environment."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--naive-rows",
        type=int,
        default=50_000,
        help="the row-by-row import runs on the first N rows of the same file (0: all of it)",
    )
    parser.add_argument("--postgres", help="also time on this PostgreSQL URL (the database is dropped and made anew)")
    parser.add_argument("--before", default=BEFORE, help="the commit whose import is timed as 'before' ('': none)")
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
        before = extract(args.before, workdir / "before") if args.before else None
        results = {
            "fast_sqlite": run("fast", full, workdir / "fast"),
            "fast_sqlite_quarter_file": run("fast", quarter, workdir / "quarter"),
        }
        if args.postgres:
            results["fast_postgresql"] = run("fast", full, workdir / "fast", database_url=args.postgres)
            results["fast_postgresql_quarter_file"] = run(
                "fast", quarter, workdir / "quarter", database_url=args.postgres
            )
        if before is not None:
            results["before_sqlite"] = run("before", full, workdir / "before-sqlite", tree=before)
            if args.postgres:
                results["before_postgresql"] = run(
                    "before", full, workdir / "before-pg", database_url=args.postgres, tree=before
                )
        if args.naive_rows >= 0:
            results["naive_sqlite"] = run("naive", full, workdir / "naive", limit=args.naive_rows)
    speedup = results["fast_sqlite"]["rows_per_s"] / results["naive_sqlite"]["rows_per_s"]
    print(f"\nSearch-terms report: {args.rows:,} rows, {size_mb:.0f} MB\n")
    print(
        f"{'import':30} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'CPU s':>6} {'rows/CPU s':>10} "
        f"{'server CPU s':>12} {'peak RSS MB':>11} {'(before)':>8} {'load':>5}"
    )
    for name, result in results.items():
        cpu = result.get("cpu_seconds")
        server = result.get("server_cpu_seconds")
        print(
            f"{name:30} {result['rows']:>10,} {result['seconds']:>8.1f} {result['rows_per_s']:>9,.0f} "
            f"{cpu if cpu is not None else float('nan'):>6.1f} {result.get('rows_per_cpu_s', float('nan')):>10,.0f} "
            f"{server if server is not None else float('nan'):>12.1f} "
            f"{result['peak_rss_mb']:>11.0f} {result['baseline_rss_mb']:>8.0f} "
            f"{max(result.get('load_average', [float('nan')])):>5.1f}"
        )
    print(f"\nfast / row-by-row: {speedup:.1f}x (goal >= 5x); goal for fast: >= {GOAL_ROWS_PER_S:,} rows/s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "benchmark": "import",
                "rows": args.rows,
                "file_mb": round(size_mb, 1),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "nice": os.nice(0)},
                "results": results,
                "speedup_fast_over_naive": speedup,
                "goal_speedup": 5.0,
                "goal_rows_per_s": GOAL_ROWS_PER_S,
                "before_commit": args.before or None,
                "load_note": "load_average is the 1-minute load of the machine at the start and end of each import; on "
                "a shared 2-core machine rows/s falls with it, rows per CPU second much less (PostgreSQL's "
                "server work is not in cpu_seconds: it is server_cpu_seconds, read from the backend's /proc entry "
                "where the server is local, for this tree's runs only)",
                "naive_note": "the row-by-row import runs on the first naive_rows rows of the same file (at a few "
                "hundred rows/s the whole file would take hours); its rate is rows/seconds over those rows",
                "naive_rows": args.naive_rows or args.rows,
                "memory_note": "peak RSS of the whole process (Django + polars + SQLite's page cache, capped at 48 MiB "
                "during the final statements); the quarter-size file shows whether the fast path's "
                "memory grows with the file",
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
