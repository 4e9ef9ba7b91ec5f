"""API benchmark (issue 7): an organization's list of 1,000 campaigns at 50 concurrent clients on loopback, against
gunicorn on PostgreSQL with the production settings; goal p95 <= 100 ms.

The list is paginated (PageNumberPagination, 50 a page, no page-size parameter), so a client reads the 1,000
campaigns as 20 pages; each client walks them in order with its stored token. Two kinds of load:
- paced: each client waits 0.5-1.5 s between pages (scripts and pages that poll);
- back-to-back: each client sends its next request as soon as the last one answers (the most 50 clients can ask).

The naive way, in the same run, same server, settings and load: Django's default of a new database connection for
every request (DB_CONN_MAX_AGE=0), against the production setting of a persistent connection per web worker
(DB_CONN_MAX_AGE=60, health-checked). Before the load, an in-process profile of one page: its SQL queries and time.

    .venv/bin/python bench/api_bench.py            # writes bench/results/api.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

from bench.load import harness

DATABASE = "adoptimizer_api"
CAMPAIGNS = 1_000
LOCUSTFILE = Path(__file__).resolve().parent / "load" / "locustfile.py"
RESULTS = Path(__file__).resolve().parent / "results" / "api.json"
GOAL_P95_MS = 100
LIST_NAME = "/api/campaigns/?page=N"


def seed() -> dict:
    """One organization with 1,000 campaigns, its owner with a token, and a second organization the list must skip."""
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from campaigns.models import Campaign, Membership, Organization

    owner = get_user_model().objects.create_user("bench-owner", password="bench-password-not-secret")
    organizations = [
        Organization.objects.create(name=name, slug=slug)
        for name, slug in (("Bench Materiales", "bench-materiales"), ("Bench Outsider", "bench-outsider"))
    ]
    Membership.objects.create(user=owner, organization=organizations[0], role="owner")
    Campaign.objects.bulk_create(
        Campaign(
            organization=organization,
            platform=("google", "microsoft")[n % 2],
            external_id=f"{n:06d}",
            name=f"Campaña {n:04d} - Búsqueda",
            daily_budget_micros=10_000_000 + n * 10_000,
            monthly_cap_micros=310_000_000 + n * 310_000,
        )
        for organization in organizations
        for n in range(CAMPAIGNS)
    )
    return {
        "token": AuthToken.objects.create(user=owner)[1],
        "campaigns_listed": CAMPAIGNS,
        "campaigns_in_database": Campaign.objects.count(),
    }


def profile(token: str, pages: int, rounds: int = 10) -> dict:
    """Each page in this process (Django's test client): the SQL of one request and milliseconds per request."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_FORWARDED_PROTO="https")
    client.get("/api/campaigns/?page=1")  # warm: imports, URL resolver, first connection
    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql[:160])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert client.get("/api/campaigns/?page=2").status_code == 200
    started = time.perf_counter()
    for _ in range(rounds):
        for page in range(1, pages + 1):
            assert client.get(f"/api/campaigns/?page={page}").status_code == 200
    elapsed = time.perf_counter() - started
    return {
        "queries_per_request": len(queries),
        "queries": queries,
        "ms_per_request_single_client": round(1000 * elapsed / (rounds * pages), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="per run; there are four")
    parser.add_argument("--workers", type=int, default=2 * multiprocessing.cpu_count() + 1)
    parser.add_argument("--profile-only", action="store_true", help="seed and profile, keep the database, no load")
    args = parser.parse_args()

    env = harness.production_env(DATABASE)
    harness.create_database(DATABASE)
    harness.setup_django(env)
    data = seed()
    token = data.pop("token")
    pages = -(-CAMPAIGNS // 50)
    profiled = profile(token, pages)
    print(
        f"profile: {profiled['queries_per_request']} queries, {profiled['ms_per_request_single_client']} ms a page "
        "(one client, in process)"
    )
    if args.profile_only:
        print("\n".join(profiled["queries"]))
        return
    logs = Path(tempfile.mkdtemp(prefix="api-bench-"))
    runs = []
    headers = {"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"}
    for load, wait in (("paced", "0.5,1.5"), ("back-to-back", "0")):
        for connections, max_age in (("per request", "0"), ("persistent", "60")):
            server_env = {**env, "DB_CONN_MAX_AGE": max_age}
            server = harness.start_gunicorn(server_env, args.workers, logs / "gunicorn.log")
            locust_env = {**env, "LOAD_WAIT": wait, "LOAD_TOKEN": token, "LOAD_CAMPAIGN_PAGES": str(pages)}
            try:
                harness.warm(f"{server.url}/api/campaigns/?page=1", headers)
                load_before = harness.load_average()
                stats = harness.run_locust(
                    LOCUSTFILE,
                    server.url,
                    args.users,
                    args.seconds,
                    logs / f"{load}-{max_age}",
                    locust_env,
                    ["CampaignListUser"],
                )
            finally:
                server.stop()
            row = stats[LIST_NAME]
            runs.append(
                {
                    "server": "gunicorn",
                    "workers": server.workers,
                    "db_connections": connections,
                    "load": load,
                    "think_time_s": wait,
                    "clients": args.users,
                    "seconds": args.seconds,
                    **row,
                    "load_average_before_after": [load_before, harness.load_average()],
                    "meets_goal": row["failures"] == 0 and (row["p95"] or 1e9) <= GOAL_P95_MS,
                }
            )
    harness.drop_database(DATABASE)

    print(f"\n{CAMPAIGNS} campaigns as {pages} pages of 50, {args.users} clients, {args.seconds} s a run")
    print(f"gunicorn, {args.workers} worker processes")
    print(
        f"{'db connection':<14} {'load':<13} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'p99 ms':>7}  goal p95<={GOAL_P95_MS} ms"
    )
    for run in runs:
        print(
            f"{run['db_connections']:<14} {run['load']:<13} {run['requests']:>9} {run['failures']:>7} "
            f"{run['rps']:>7} {run['p50']:>7.0f} {run['p95']:>7.0f} {run['p99']:>7.0f}  "
            f"{'met' if run['meets_goal'] else 'NOT met'}"
        )
    result = {
        "what": f"GET /api/campaigns/ for an organization of {CAMPAIGNS} campaigns, {args.users} concurrent clients",
        "setup": {
            "database": "PostgreSQL 15",
            "settings": "DJANGO_ENV=production",
            "auth": "token",
            "pagination": "page number, 50 a page, no page-size parameter",
            "pages": pages,
            "cpu_cores": multiprocessing.cpu_count(),
            "data": data,
            "load_generator": "locust (FastHttpUser), its own process on the same cores",
            "server": f"gunicorn, {args.workers} sync workers (config/gunicorn.conf.py)",
            "baseline": "DB_CONN_MAX_AGE=0: a new PostgreSQL connection per request (Django's default)",
        },
        "goal_p95_ms": GOAL_P95_MS,
        "profile": profiled,
        "runs": runs,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
