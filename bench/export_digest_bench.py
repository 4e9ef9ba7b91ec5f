"""The exports page's digest query over a connection's first views (campaigns/exporters/left_out.py): the
database function of migration 0017 against the naive way, the same query sent as a statement (as the page sent it
before), on the load bench's demo organization with the production settings (server-side binding, psycopg's
prepare threshold, JIT off).

A web worker's connection lives ``DB_CONN_MAX_AGE`` seconds (60 in production), so its first views are a large
share of all views: on the load bench, each of 5 workers showed the exports page about 17 times a connection. A
statement is parsed and planned on each of a connection's first views (before psycopg prepares it, then while
PostgreSQL builds custom plans); the function's query is planned once per connection.

For each of ``--connections`` new connections, the two ways alternate which goes first, each on its own new
connection, and each view's time is the round trip of the query, as the page makes it. Prints the median per view
and the sum over the first ``--views``; writes bench/results/export_digest.json.

    .venv/bin/python bench/export_digest_bench.py [--connections 20] [--views 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from bench.load import harness

DATABASE = "adoptimizer_digest_bench"
RESULTS = Path(__file__).resolve().parent / "results" / "export_digest.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=20, help="new connections per way")
    parser.add_argument("--views", type=int, default=20, help="views of the page per connection")
    args = parser.parse_args()

    env = harness.production_env(DATABASE)
    harness.create_database(DATABASE)
    try:
        harness.setup_django(env)
        from bench.load_bench import seed

        data = seed()
        data.pop("token")
        result = measure(args.connections, args.views)
    finally:
        harness.drop_database(DATABASE)
    result = {
        "what": "the exports page's digest query, round trip per view on new connections, production settings",
        "data": data,
        "connections_per_way": args.connections,
        "views_per_connection": args.views,
        **result,
        "load_average_after": harness.load_average(),
    }
    print_table(result)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {RESULTS}")


def measure(connections: int, views: int) -> dict:
    from django.db import connection

    from campaigns.exporters.left_out import CHECKS_VERSION, DIGEST_SQL, digest_function_query
    from campaigns.models import Organization

    organization = Organization.objects.get(slug="materiales-ibericos")
    statement = digest_function_query(lambda name: f"%({name})s")
    ways = {
        "statement": (statement, {"organization": organization.pk, "language": "en", "version": CHECKS_VERSION}),
        "function": (DIGEST_SQL, [organization.pk, "en", CHECKS_VERSION]),
    }
    times: dict[str, list[list[float]]] = {name: [] for name in ways}
    answers = set()
    for number in range(connections):
        for name in list(ways)[:: 1 if number % 2 == 0 else -1]:
            sql, params = ways[name]
            connection.close()
            connection.ensure_connection()  # the connection's start is not the query's time
            per_view = []
            with connection.cursor() as cursor:
                for _ in range(views):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    answers.add(tuple(cursor.fetchone()))
                    per_view.append(1000 * (time.perf_counter() - started))
            times[name].append(per_view)
    connection.close()
    assert len(answers) == 1, answers  # both ways give the same digest (and no kept findings)
    return {
        "median_ms_per_view": {
            name: [round(statistics.median(run[view] for run in runs), 3) for view in range(views)]
            for name, runs in times.items()
        },
        "median_ms_sum_of_views": {
            name: round(statistics.median(sum(run) for run in runs), 2) for name, runs in times.items()
        },
        "median_ms_first_view": {
            name: round(statistics.median(run[0] for run in runs), 2) for name, runs in times.items()
        },
        "median_ms_views_2_to_11": {
            name: round(statistics.median(sum(run[1:11]) for run in runs), 2) for name, runs in times.items()
        },
    }


def print_table(result: dict) -> None:
    per_view = result["median_ms_per_view"]
    print(f"\nmedian ms per view ({result['connections_per_way']} new connections per way)")
    print(f"{'view':>5} {'statement':>10} {'function':>10}")
    for view, (statement, function) in enumerate(zip(per_view["statement"], per_view["function"], strict=True), 1):
        print(f"{view:>5} {statement:>10.3f} {function:>10.3f}")
    for key in ("median_ms_first_view", "median_ms_views_2_to_11", "median_ms_sum_of_views"):
        print(f"{key}: statement {result[key]['statement']}, function {result[key]['function']}")


if __name__ == "__main__":
    main()
