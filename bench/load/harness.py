"""What the load benches share: a fresh PostgreSQL database, the production settings, a web server, and locust run
headless as its own process (locust's gevent patching crashes next to the bingads and google-ads imports).

Nothing here imports locust; the benches set the environment, then import Django to migrate and seed.
"""

from __future__ import annotations

import base64
import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
# Locust's percentile columns, as it writes them in <prefix>_stats.csv.
PERCENTILES = {"p50": "50%", "p95": "95%", "p99": "99%"}


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: the machine's other work competes with the bench for its cores."""
    return [round(value, 2) for value in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database: str) -> dict[str, str]:
    """The deployment's settings (DJANGO_ENV=production) on a database of this bench, var/ in a temporary folder."""
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DATABASE_URL": f"{PG_ADMIN_URL}/{database}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CREDENTIALS_KEYS": f"bench:{key}",
        "METRICS_TOKEN": secrets.token_urlsafe(32),
        "VAR_DIR": tempfile.mkdtemp(prefix=f"{database}-var-"),
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESSLOG": "/dev/null",  # an access line per request would be a large part of the work measured
    }
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    return env


def create_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(env: dict[str, str]) -> None:
    """This process becomes a client of the bench database: migrate and collect static files."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)


def wait_http(url: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, whatever the status
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def warm(url: str, headers: dict[str, str], requests: int = 40, threads: int = 10) -> None:
    """A few concurrent requests before measuring, so that every worker has imported and connected."""
    from concurrent.futures import ThreadPoolExecutor

    def get(_: int) -> None:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(get, range(requests)))


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    url: str
    workers: int

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_gunicorn(env: dict[str, str], workers: int, log: Path, tree: Path = ROOT) -> Server:
    """gunicorn serving the code of ``tree`` (this checkout, or another commit's extracted tree)."""
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
    ]
    if (tree / "config" / "gunicorn.conf.py").exists():
        command += ["--config", "config/gunicorn.conf.py"]
    process = subprocess.Popen(
        command,
        cwd=tree,
        env={**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return _started(Server("gunicorn", process, f"http://127.0.0.1:{port}", workers))


def start_runserver(env: dict[str, str], log: Path) -> Server:
    """Django's development server, as `make run` serves the embedded default (one process, a thread a request)."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return _started(Server("runserver", process, f"http://127.0.0.1:{port}", 1))


def _started(server: Server) -> Server:
    try:
        wait_http(f"{server.url}/healthz", server.process)
    except BaseException:
        server.stop()
        raise
    return server


def run_locust(
    locustfile: Path,
    host: str,
    users: int,
    seconds: int,
    prefix: Path,
    env: dict[str, str],
    user_classes: list[str],
    spawn_rate: float | None = None,
    steady: bool = False,
) -> dict[str, dict]:
    """Locust headless against ``host``; per request name: count, failures, requests/s and p50/p95/p99 in ms.
    ``steady``: the statistics restart once every user has spawned (and signed in), so they leave out the ramp."""
    command = [
        str(BIN / "locust"),
        "-f",
        str(locustfile),
        "--headless",
        "--host",
        host,
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate or users),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
        *(["--reset-stats"] if steady else []),
        *user_classes,
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=False, timeout=seconds + 120)
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            stats[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(float(row["Requests/s"]), 1),
                "mean_ms": round(float(row["Average Response Time"]), 1),
                **{name: _number(row[column]) for name, column in PERCENTILES.items()},
            }
    return stats


def _number(text: str) -> float | None:
    return None if text in ("", "N/A") else float(text)


def print_table(title: str, stats: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(f"{'endpoint':<44} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for name, row in stats.items():
        print(
            f"{name:<44} {row['requests']:>9} {row['failures']:>7} {row['rps']:>7} {row['p50'] or 0:>7.0f} "
            f"{row['p95'] or 0:>7.0f} {row['p99'] or 0:>7.0f}"
        )
