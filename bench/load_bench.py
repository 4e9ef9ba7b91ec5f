"""Load test (issue 9): 50 concurrent users for 2 minutes on the main pages and the REST API, against gunicorn on
PostgreSQL with the production settings, on loopback. Half the users are marketers in the browser (signed in:
dashboard, search terms, budgets, imports, exports), half are scripts with a token (campaigns, ad groups, keywords,
search terms, suggestions, budget plans). Each user waits 1-3 s between requests, as people and polite scripts do.

The naive way, in the same run and with the same settings and load: Django's development server (`make run`'s
web process: one process, a thread per request), for a shorter time.

    .venv/bin/python bench/load_bench.py            # writes bench/results/load.json
    .venv/bin/python bench/load_bench.py --before REV   # and gunicorn on commit REV's code, same data and load
    .venv/bin/python bench/load_bench.py --before REV --pages-only   # pages only, to bench/results/load_pages.json

``--before`` serves another commit's code (extracted with git archive, sharing this checkout's virtual environment
and the same database, so it needs the same migrations) for as long as this code, just before it: a before/after
comparison in one run, under the same load. ``--rounds 2`` runs them before, current, current, before (a drift of
the machine falls on both alike) and reports each endpoint's mean p95 over the rounds, with every run's. A
warm-up of this code under the same load comes first and is not counted (``--warmup 30``): the first run of a bench
met a cold database and page cache, and it was always the before code's.
Scripts sign their API requests with a token of the code they call: a ``--before`` code on Django REST framework's
own tokens (before the API moved to hashed knox tokens) gets one made by its own code, so that its API serves the
scripts (as in its own runs) rather than refusing them in a few ms, which would leave its server less work than
this code's.
``--steady`` restarts the statistics once every user has spawned: the first seconds, when 50 users sign in at once
(each sign-in hashes a password: most of the CPU then), are left out of the pages' percentiles.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.load import harness

DATABASE = "adoptimizer_load"
LOCUSTFILE = Path(__file__).resolve().parent / "load" / "locustfile.py"
RESULTS = Path(__file__).resolve().parent / "results" / "load.json"
PAGES_RESULTS = RESULTS.with_name("load_pages.json")
MAX_ERROR_RATE = 0.001
# Run by the --before code in its own tree: a token of its API for the demo user, where that API takes Django REST
# framework's tokens (their table made by that code's migration); prints nothing where it takes this code's.
BEFORE_TOKEN = """
import sys
import django
django.setup()
from django.conf import settings
if "rest_framework.authtoken" not in settings.INSTALLED_APPS:
    sys.exit(0)
from django.contrib.auth.models import User
from django.core.management import call_command
call_command("migrate", "authtoken", verbosity=0)
from rest_framework.authtoken.models import Token
print(Token.objects.get_or_create(user=User.objects.get(username="demo"))[0].key)
"""


def seed() -> dict:
    """The demo organization (90 days of reports) and today's dry-run budget plan, as `make run` has them."""
    from django.db import connection
    from django.utils import timezone
    from knox.models import AuthToken

    from campaigns.models import Campaign, Keyword, SearchTerm
    from campaigns.services import rebalancing
    from campaigns.services.demo import seed_demo

    organization = seed_demo(seed=7, days=90, end=timezone.localdate() - timedelta(days=1))
    rebalancing.propose(organization, timezone.localdate())
    _, token = AuthToken.objects.create(user=organization.members.get(username="demo"))  # a script's stored token
    # The planner's statistics, as autovacuum keeps them on a live database (it may be off where the bench runs,
    # and without them PostgreSQL plans these small tables' joins as if they held a row or two).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "token": token,
        "organization": organization.slug,
        "campaigns": Campaign.objects.count(),
        "keywords": Keyword.objects.count(),
        "search_terms": SearchTerm.objects.count(),
    }


def summarize(stats: dict[str, dict]) -> dict:
    total = stats.pop("Aggregated")
    rate = total["failures"] / total["requests"] if total["requests"] else 1.0
    return {"endpoints": stats, "total": total, "error_rate": round(rate, 6)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--baseline-seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2 * multiprocessing.cpu_count() + 1)
    parser.add_argument("--wait", default="1,3", help="seconds between a user's requests, MIN,MAX")
    parser.add_argument("--before", default="", help="also serve this commit's code (same data), just before")
    parser.add_argument("--rounds", type=int, default=1, help="with --before: ABBA rounds (before, current, …)")
    parser.add_argument("--steady", action="store_true", help="statistics from when every user has spawned")
    parser.add_argument(
        "--warmup",
        type=int,
        default=30,
        help="with --before: seconds of the same load on this code first, not counted (0: none)",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only the signed-in marketers (no API scripts): compares pages with a --before whose API cannot serve",
    )
    args = parser.parse_args()
    user_classes = ["WebUser"] if args.pages_only else ["WebUser", "ApiUser"]

    env = harness.production_env(DATABASE)
    harness.create_database(DATABASE)
    harness.setup_django(env)
    data = seed()
    logs = Path(tempfile.mkdtemp(prefix="load-bench-"))
    locust_env = {**env, "LOAD_WAIT": args.wait, "LOAD_TOKEN": data.pop("token")}
    runs = {}
    before_tree = extract(args.before, logs / "before") if args.before else None
    before_token = own_token(before_tree, env) if before_tree is not None and not args.pages_only else ""
    plan = [("gunicorn", args.seconds)]
    if before_tree is not None:
        plan = [
            pair
            for number in range(max(1, args.rounds))
            for pair in [("gunicorn_before", args.seconds), ("gunicorn", args.seconds)][:: 1 if number % 2 == 0 else -1]
        ]
        if args.warmup > 0:  # the session's first run met a cold database and page cache: always the before code's
            plan.insert(0, ("warmup", args.warmup))
    plan.append(("runserver", args.baseline_seconds))
    rounds: dict[str, list[dict]] = {"gunicorn": [], "gunicorn_before": []}
    for name, seconds in plan:
        if name == "runserver":
            server = harness.start_runserver(env, logs / "runserver.log")
        else:
            tree = before_tree if name == "gunicorn_before" and before_tree is not None else harness.ROOT
            server = harness.start_gunicorn(env, args.workers, logs / f"{name}.log", tree)
        load_before = harness.load_average()
        try:
            stats = harness.run_locust(
                LOCUSTFILE,
                server.url,
                args.users,
                seconds,
                logs / name,
                {**locust_env, "LOAD_TOKEN": before_token}
                if name == "gunicorn_before" and before_token
                else locust_env,
                user_classes,
                spawn_rate=max(1, args.users // 10),
                steady=args.steady,
            )
        finally:
            server.stop()
        if name == "warmup":
            print(f"warm-up ({seconds} s, not counted) done")
            continue
        run = {
            "server": "gunicorn" if name == "gunicorn_before" else name,
            **({"commit": args.before} if name == "gunicorn_before" else {}),
            "workers": server.workers,
            "seconds": seconds,
            "load_average_before_after": [load_before, harness.load_average()],
            **summarize(stats),
        }
        rounds.setdefault(name, []).append(run)
        runs[name] = run if len(rounds[name]) == 1 else {**run, "rounds": rounds[name]}
        harness.print_table(f"{name} ({server.workers} worker processes), {args.users} users, {seconds} s", stats)
        print(f"error rate {run['error_rate']:.4%}, {run['total']['rps']} requests/s")
    harness.drop_database(DATABASE)

    gunicorn = runs["gunicorn"]
    gunicorn["error_rate"] = max(run["error_rate"] for run in rounds["gunicorn"])
    result = {
        "what": (
            f"{args.users} concurrent users, {args.seconds} s, main pages (signed in)"
            + ("" if args.pages_only else " and REST API (token)")
            + ", on loopback"
        ),
        "setup": {
            "database": "PostgreSQL 15",
            "settings": "DJANGO_ENV=production",
            "users": args.users,
            "user_classes": user_classes,
            "think_time_s": args.wait,
            "cpu_cores": multiprocessing.cpu_count(),
            "data": data,
            "load_generator": "locust (FastHttpUser), its own process on the same 2 cores",
            "rounds": max(1, args.rounds) if before_tree is not None else 1,
            "warmup_s": args.warmup if before_tree is not None else 0,
            **({"before_api_token": "Django REST framework's, made by the before code"} if before_token else {}),
            "statistics": "from when every user had spawned (--steady)" if args.steady else "the whole run",
        },
        "goal": {"max_error_rate": MAX_ERROR_RATE, "met": gunicorn["error_rate"] < MAX_ERROR_RATE},
        "p95_ms_per_endpoint": mean_p95(rounds["gunicorn"]),
        **(
            {"p95_ms_per_endpoint_before": {"commit": args.before, **mean_p95(rounds["gunicorn_before"])}}
            if rounds["gunicorn_before"]
            else {}
        ),
        "runs": runs,
    }
    written = PAGES_RESULTS if args.pages_only else RESULTS
    if args.steady:  # beside the whole run's figures, not over them
        written = written.with_name(f"{written.stem}_steady.json")
    written.write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"\nerror rate {gunicorn['error_rate']:.4%} (goal < {MAX_ERROR_RATE:.1%}): "
        f"{'met' if result['goal']['met'] else 'NOT met'}; written to {written}"
    )


def mean_p95(runs: list[dict]) -> dict[str, float]:
    """Each endpoint's p95 (ms), the mean over ``runs`` (one per round) where there are several."""
    names = [name for name in runs[0]["endpoints"] if all(name in run["endpoints"] for run in runs)] if runs else []
    return {name: round(sum(run["endpoints"][name]["p95"] or 0 for run in runs) / len(runs), 1) for name in names}


def own_token(tree: Path, env: dict[str, str]) -> str:
    """The API token that ``tree``'s code takes, where it differs from this code's (else "")."""
    made = subprocess.run(
        [harness.BIN / "python", "-c", BEFORE_TOKEN],
        cwd=tree,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip()


def extract(revision: str, into: Path) -> Path:
    """The tree of ``revision`` under ``into`` (as bench/import_bench.py extracts its --before)."""
    into.mkdir()
    archive = subprocess.run(["git", "archive", revision], cwd=harness.ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


if __name__ == "__main__":
    main()
