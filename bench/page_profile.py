"""Where the signed-in pages spend their time, without a load generator: the demo organization of the load bench
(90 days, today's budget plan) on PostgreSQL with the production settings, one user signed in with Django's test
Client, N renders of each page, each split into database queries (count and time, through the connection's
execute wrapper), the ORM's own work of building and sending them (``SQLCompiler.execute_sql`` less the database's
time), template rendering (less the ORM work of the lazy querysets it evaluates: the tables' counts and rows) and
the rest (the view's Python, model instances, middleware).

Compared in the same run, each in its own process on the same database:

- ``current``: this tree, as production runs it (DEBUG off, Django's default loaders, which are cached);
- ``before``: the code of ``--before REV`` (a ``git archive`` of it, imported in place of this tree's);
- ``uncached``: this tree with the plain filesystem and app-directories loaders (the naive way: every render
  reads and compiles its templates again).

Runs alternate (before, current, current, before, …) so that the machine's other work falls on both alike; on a
busy machine the database's time varies most, CPU time least: this process's per request (``cpu_ms``) and the
PostgreSQL server process's serving it (``db_cpu_ms``, from /proc; the server must run on this machine). The
cProfile of the slowest page (current code) is printed by cumulative time. Writes bench/results/page_profile.json.

    .venv/bin/python bench/page_profile.py [--renders 15] [--rounds 6] [--before REV]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "page_profile.json"
DATABASE = "adoptimizer_page_profile"
PAGES = ["/dashboard/", "/search-terms/", "/exports/", "/budgets/", "/imports/"]
KEYS = (
    "total_ms",
    "query_ms",
    "queries",
    "orm_ms",
    "template_ms",
    "other_ms",
    "python_ms",
    "cpu_ms",
    "db_cpu_ms",
    "bytes",
)
PLAIN_LOADERS = ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=15, help="measured renders of each page per run")
    parser.add_argument("--rounds", type=int, default=6, help="runs of each code, alternated")
    parser.add_argument("--before", default="", help="also measure this commit's code on the same data")
    parser.add_argument("--top", type=int, default=30, help="cProfile entries printed")
    parser.add_argument("--profile", default="", help="only cProfile this page (on a database kept by --keep)")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (and reuse a kept one)")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)  # internal: JSON options of one run
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(**json.loads(args.child))))
        return

    from bench.load import harness

    env = {**harness.production_env(DATABASE), "ALLOWED_HOSTS": "testserver", "DB_CONN_MAX_AGE": "60"}
    kept = Path(tempfile.gettempdir()) / f"{DATABASE}.json"
    if args.keep and kept.exists():
        env, data = json.loads(kept.read_text())
    else:
        harness.create_database(DATABASE)
        harness.setup_django(env)
        from bench.load_bench import seed

        data = seed()
        data.pop("token")
        if args.keep:
            kept.write_text(json.dumps([env, data]))
    if args.profile:
        print(child(env, ROOT, args.renders, profile_page=args.profile, top=args.top)["profile_text"])
        return
    try:
        before_tree = extract(args.before) if args.before else None
        runs: dict[str, list[dict]] = {"current": [], "before": [], "uncached": []}
        load = [harness.load_average()]
        for number in range(args.rounds):  # before, current, current, before, …: a drift in load falls on both
            order = [("before", before_tree), ("current", ROOT)][:: 1 if number % 2 == 0 else -1]
            for name, tree in order:
                if tree is not None:
                    runs[name].append(child(env, tree, args.renders))
        runs["uncached"].append(child(env, ROOT, args.renders, loaders=PLAIN_LOADERS))
        slowest = max(PAGES, key=lambda page: _median(runs["current"], page, "total_ms"))
        profile = child(env, ROOT, args.renders, profile_page=slowest, top=args.top)
        load.append(harness.load_average())
    finally:
        if not args.keep:
            harness.drop_database(DATABASE)
            kept.unlink(missing_ok=True)  # a kept database of the same name is gone with it

    result = {
        "what": "signed-in pages rendered by Django's test Client, production settings, PostgreSQL, demo data",
        "renders_per_run": args.renders,
        "rounds": args.rounds,
        "data": data,
        "load_average_before_after": load,
        "before_commit": args.before or None,
        "current_commit": _head(),
        "pages": {page: _page_summary(runs, page) for page in PAGES},
        "profile": {"page": slowest, "top_cumulative": profile["profile"]},
    }
    print_table(result)
    print(f"\ncProfile of {slowest} (current code, {args.renders} renders), by cumulative time:")
    print(profile["profile_text"])
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}; load average before/after {load}")


def child(env: dict[str, str], tree: Path, renders: int, **options) -> dict:
    """One measuring run in a fresh process whose imports come from ``tree`` (its working directory)."""
    argument = json.dumps({"renders": renders, **options})
    process = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", argument],
        cwd=tree,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise RuntimeError(f"the run in {tree} failed:\n{process.stderr[-4000:]}")
    return json.loads(process.stdout.splitlines()[-1])


def measure(renders: int, loaders: list[str] | None = None, profile_page: str = "", top: int = 30) -> dict:
    """In the child process: sign in, warm each page once, then time ``renders`` renders of each page."""
    import django
    from django.conf import settings

    django.setup()
    if loaders is not None:
        from django.test import override_settings

        templates = [{**settings.TEMPLATES[0], "APP_DIRS": False}]
        templates[0]["OPTIONS"] = {**templates[0]["OPTIONS"], "loaders": loaders}
        override_settings(TEMPLATES=templates).enable()  # the engines are built again from these
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models.sql.compiler import SQLCompiler
    from django.template.backends import django as django_backend
    from django.test import Client

    clock = time.perf_counter
    # query: the database's time (the execute wrapper); orm: Django building and sending the SQL, less that;
    # template: rendering, less the ORM work of querysets it evaluates (the tables' counts and rows are lazy)
    spent: dict = {"query_s": 0.0, "queries": 0, "orm_s": 0.0, "render_s": 0.0, "render_orm_s": 0.0}
    state = {"rendering": False, "in_orm": False}

    def timed_query(execute, sql, params, many, context):
        started = clock()
        try:
            return execute(sql, params, many, context)
        finally:
            spent["query_s"] += clock() - started
            spent["queries"] += 1

    original_execute_sql = SQLCompiler.execute_sql

    def timed_execute_sql(self, *args, **kwargs):
        if state["in_orm"]:
            return original_execute_sql(self, *args, **kwargs)
        state["in_orm"] = True
        started = clock()
        try:
            return original_execute_sql(self, *args, **kwargs)
        finally:
            elapsed = clock() - started
            spent["orm_s"] += elapsed
            if state["rendering"]:
                spent["render_orm_s"] += elapsed
            state["in_orm"] = False

    original_render = django_backend.Template.render

    def timed_render(self, context=None, request=None):
        if state["rendering"]:  # a template rendered from inside another's rendering is already counted
            return original_render(self, context, request)
        state["rendering"] = True
        started = clock()
        try:
            return original_render(self, context, request)
        finally:
            spent["render_s"] += clock() - started
            state["rendering"] = False

    SQLCompiler.execute_sql = timed_execute_sql
    django_backend.Template.render = timed_render
    client = Client()
    client.force_login(User.objects.get(username="demo"))
    pages = [profile_page] if profile_page else PAGES
    for page in pages:  # the first render of each page compiles its templates and fills the caches
        response = client.get(page, secure=True)
        assert response.status_code == 200, (page, response.status_code)
    if profile_page:
        return _profiled(client, profile_page, renders, top)

    results: dict[str, dict] = {}
    with connection.cursor() as cursor:  # the database server's process serving this connection (same machine)
        cursor.execute("SELECT pg_backend_pid()")
        backend = Path(f"/proc/{cursor.fetchone()[0]}/stat")
    with connection.execute_wrapper(timed_query):
        for page in pages:
            rows = []
            server_started = _server_cpu_s(backend)
            for _ in range(renders):
                spent.update(query_s=0.0, queries=0, orm_s=0.0, render_s=0.0, render_orm_s=0.0)
                started, cpu_started = clock(), time.process_time()
                response = client.get(page, secure=True)
                total, cpu = clock() - started, time.process_time() - cpu_started
                assert response.status_code == 200, (page, response.status_code)
                orm = spent["orm_s"] - spent["query_s"]  # queries always run inside execute_sql
                template = spent["render_s"] - spent["render_orm_s"]
                rows.append(
                    {
                        "total_ms": 1000 * total,
                        "query_ms": 1000 * spent["query_s"],
                        "queries": spent["queries"],
                        "orm_ms": 1000 * orm,
                        "template_ms": 1000 * template,
                        "other_ms": 1000 * (total - spent["orm_s"] - template),
                        "python_ms": 1000 * (total - spent["query_s"]),
                        # this process's CPU time (not the database server's): the steadiest on a busy machine
                        "cpu_ms": 1000 * cpu,
                        "bytes": len(response.content),
                    }
                )
            results[page] = {key: statistics.median(row[key] for row in rows) for key in rows[0]}
            # the server's CPU time is counted in clock ticks (10 ms): a mean over the renders, not a median
            results[page]["db_cpu_ms"] = 1000 * (_server_cpu_s(backend) - server_started) / renders
    return {"pages": results}


def _server_cpu_s(stat: Path) -> float:
    """User and system CPU seconds of a process, from /proc (fields 14 and 15, after the command's parentheses)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _profiled(client, page: str, renders: int, top: int) -> dict:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(renders):
        client.get(page, secure=True)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO()).sort_stats("cumulative")
    entries = []
    for function, (_calls, primitive, own, cumulative, _callers) in sorted(
        stats.stats.items(), key=lambda item: -item[1][3]
    )[:top]:
        filename, line, name = function
        entries.append(
            {
                "function": f"{_short(filename)}:{line}({name})",
                "calls": primitive,
                "own_ms_per_render": round(1000 * own / renders, 3),
                "cumulative_ms_per_render": round(1000 * cumulative / renders, 3),
            }
        )
    text = io.StringIO()
    stats.stream = text
    # the request handler's wrappers head the cumulative list: the project's and the template engine's calls
    stats.print_stats(r"campaigns/|template/|templatetags|formats|translation", top)
    stats.sort_stats("tottime").print_stats(top // 2)
    lines = [line for line in text.getvalue().splitlines() if "(" in line or "ncalls" in line]
    return {"profile": entries, "profile_text": "\n".join(line.replace(str(ROOT) + "/", "") for line in lines)}


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _median(runs: list[dict], page: str, key: str) -> float:
    return statistics.median(run["pages"][page][key] for run in runs)


def _page_summary(runs: dict[str, list[dict]], page: str) -> dict:
    summary = {}
    for name, measured in runs.items():
        if measured:
            summary[name] = {key: round(_median(measured, page, key), 2) for key in KEYS}
            summary[name]["total_ms_per_run"] = [round(run["pages"][page]["total_ms"], 2) for run in measured]
    current = summary["current"]["total_ms"]
    for name in ("before", "uncached"):
        if name in summary:
            summary[f"{name}_over_current"] = round(summary[name]["total_ms"] / current, 2)
            summary[f"{name}_over_current_cpu"] = round(
                (summary[name]["cpu_ms"] + summary[name]["db_cpu_ms"])
                / (summary["current"]["cpu_ms"] + summary["current"]["db_cpu_ms"]),
                2,
            )
    return summary


def print_table(result: dict) -> None:
    print(f"\nmedian ms per render ({result['renders_per_run']} renders x {result['rounds']} runs)")
    print(
        f"{'page':<16} {'code':<9} {'total':>7} {'queries':>8} {'query':>7} {'orm':>7} {'template':>9} {'other':>7} "
        f"{'python':>7} {'cpu':>6} {'db cpu':>7}"
    )
    for page, summary in result["pages"].items():
        for name in ("before", "current", "uncached"):
            if name in summary:
                row = summary[name]
                print(
                    f"{page:<16} {name:<9} {row['total_ms']:>7.1f} {row['queries']:>8.0f} {row['query_ms']:>7.1f} "
                    f"{row['orm_ms']:>7.1f} {row['template_ms']:>9.1f} {row['other_ms']:>7.1f} "
                    f"{row['python_ms']:>7.1f} {row['cpu_ms']:>6.1f} {row['db_cpu_ms']:>7.1f}"
                )


def extract(revision: str) -> Path:
    into = Path(tempfile.mkdtemp(prefix="page-profile-before-"))
    archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _head() -> str:
    command = ["git", "rev-parse", "--short", "HEAD"]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
