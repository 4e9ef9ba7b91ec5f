"""Import-job benchmark: a 500,000-row report uploaded to /api/imports/ under production gunicorn and imported by
a real Celery worker on the filesystem broker, as one job.

The pen-test's case: the same 52 MB report imported inside the request hit gunicorn's 30 s worker timeout and was
killed. Here the upload answers 202 at once and the worker imports the stored file while the bench polls the job.
It checks that nothing was lost (the job's rows, the ReportImport and the SearchTermDaily rows all equal the file's
rows), that the stored upload is gone afterwards, and that an upload declaring more than IMPORT_MAX_UPLOAD_MB is
refused 413 before its body is sent. Prints a table (rows/s, peak RSS of web and worker) and writes
bench/results/import_job.json.

    .venv/bin/python bench/import_job_bench.py [--rows 500000] [--web-workers 2]

SQLite and the filesystem broker in a temporary VAR_DIR (the embedded default); DJANGO_ENV=production settings.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.import_bench import generate  # noqa: E402 - the same report layout as the import bench
from bench.load.harness import free_port, wait_http  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "import_job.json"
BIN = Path(sys.executable).parent
HTTPS = {"X-Forwarded-Proto": "https"}  # as the proxy says it; gunicorn trusts it from 127.0.0.1


def production_env(var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CREDENTIALS_KEYS": f"bench:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESSLOG": "/dev/null",
        "API_THROTTLE_IMPORTS": "1000/hour",
    }


def setup(env: dict[str, str]) -> str:
    """Migrate the bench database and make an owner with an API token; returns the token and the organization."""
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        "from rest_framework.authtoken.models import Token\n"
        "from campaigns.models import Membership, Organization\n"
        "from django.contrib.auth import get_user_model\n"
        "user = get_user_model().objects.create_user('bench', password='x')\n"
        "org = Organization.objects.create(name='Bench', slug='bench')\n"
        "Membership.objects.create(user=user, organization=org, role='owner')\n"
        "print(Token.objects.create(user=user).key, org.pk)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()[-2] + " " + out.stdout.split()[-1]


def count_rows(env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup()\n"
        "from campaigns.models import ImportJob, ReportImport, SearchTermDaily\n"
        "print(json.dumps({'search_term_daily': SearchTermDaily.objects.count(),\n"
        "  'report_import_rows': sum(ReportImport.objects.values_list('rows', flat=True)),\n"
        "  'jobs': ImportJob.objects.count()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


class PeakSampler(threading.Thread):
    """The highest resident memory (VmHWM) of every process under a root, sampled until stopped; per pid."""

    def __init__(self, root: psutil.Process) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peaks: dict[int, int] = {}
        self.running = True

    def run(self) -> None:
        while self.running:
            self.sample()
            time.sleep(0.2)

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for process in processes:
            try:
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), int(line.split()[1]) * 1024)
            except OSError:
                pass

    def stop(self) -> dict[int, int]:
        self.running = False
        self.join()
        return dict(self.peaks)


def refused_unsent(url: str, declared: int) -> tuple[int, float]:
    """Send only the headers of an upload declaring ``declared`` bytes; the answer and how long it took."""
    host, port = url.removeprefix("http://").split(":")
    started = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall((f"POST /api/imports/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                      f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {declared}\r\n\r\n").encode())
        answer = sock.recv(4096).decode(errors="replace")
    return int(answer.split()[1]), time.perf_counter() - started


def mb(value: float) -> float:
    return round(value / 2**20, 1)


def main() -> None:
    import requests

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the job")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="import-job-bench-") as tmp:
        var_dir = Path(tmp) / "var"
        var_dir.mkdir()
        report = Path(tmp) / "search_terms.csv"
        generate(report, args.rows)
        size = report.stat().st_size
        env = production_env(var_dir)
        token, organization = setup(env).split()
        port = free_port()
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"], cwd=ROOT,
            env={**env, "WEB_CONCURRENCY": str(args.web_workers), "GUNICORN_BIND": f"127.0.0.1:{port}"},
            stdout=(Path(tmp) / "gunicorn.log").open("w"), stderr=subprocess.STDOUT)
        # One worker process: the import runs in it; a fresh child per task keeps the matching task that the
        # import queues after it out of the import's peak memory.
        worker = subprocess.Popen(
            [str(BIN / "celery"), "-A", "config", "worker", "-Q", "default", "--concurrency", "1",
             "--max-tasks-per-child", "1", "--loglevel", "WARNING"], cwd=ROOT, env=env,
            stdout=(Path(tmp) / "worker.log").open("w"), stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_http(f"{url}/healthz", web)
            web_sampler, worker_sampler = PeakSampler(psutil.Process(web.pid)), PeakSampler(psutil.Process(worker.pid))
            web_sampler.start()
            worker_sampler.start()
            headers = {**HTTPS, "Authorization": f"Token {token}"}
            started = time.perf_counter()
            with report.open("rb") as handle:
                response = requests.post(f"{url}/api/imports/", headers=headers, timeout=120,
                                         data={"organization": organization},
                                         files={"file": ("search_terms.csv", handle, "text/csv")})
            upload_seconds = time.perf_counter() - started
            if response.status_code != 202:
                raise SystemExit(f"upload answered {response.status_code}: {response.text[:500]}")
            job_url = url + urlsplit(response.json()["url"]).path  # it says https://, as the proxy would serve it
            progress_seen = []
            deadline = time.monotonic() + args.timeout
            while True:
                job = requests.get(job_url, headers=headers, timeout=30).json()
                if not progress_seen or progress_seen[-1] != job["progress_percent"]:
                    progress_seen.append(job["progress_percent"])
                if job["finished"] or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            total_seconds = time.perf_counter() - started
            web_peaks, worker_peaks = web_sampler.stop(), worker_sampler.stop()
            status, seconds = refused_unsent(url, 300 * 2**20)
        finally:
            worker.send_signal(signal.SIGQUIT)  # cold shutdown: the matching task queued after the import is not ours
            web.send_signal(signal.SIGTERM)
            worker.wait(60)
            web.wait(60)
        counts = count_rows(env)
        left = sorted(str(path.relative_to(var_dir)) for path in (var_dir / "uploads").rglob("*") if path.is_file())
    web_workers = {pid: peak for pid, peak in web_peaks.items() if pid != web.pid}
    worker_children = {pid: peak for pid, peak in worker_peaks.items() if pid != worker.pid}
    result = {
        "benchmark": "import_job", "rows": args.rows, "file_mb": mb(size),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_after": [round(value, 2) for value in os.getloadavg()]},
        "setup": {"settings": "DJANGO_ENV=production", "web": f"gunicorn (config/gunicorn.conf.py), "
                  f"{args.web_workers} sync workers, 30 s timeout", "worker": "celery prefork, concurrency 1",
                  "database": "SQLite", "broker": "filesystem"},
        "job": {key: job[key] for key in ("status", "rows_read", "progress_percent", "attempts", "detail")},
        "progress_seen": progress_seen,
        "upload_seconds": round(upload_seconds, 2), "total_seconds": round(total_seconds, 2),
        "rows_per_s": round(job["rows_read"] / total_seconds) if job["status"] == "succeeded" else None,
        "counts": counts,
        "nothing_lost": counts["search_term_daily"] == counts["report_import_rows"] == args.rows == job["rows_read"],
        "uploads_left_on_disk": left,
        "peak_rss_mb": {"web_worker_max": mb(max(web_workers.values(), default=0)),
                        "web_master": mb(web_peaks.get(web.pid, 0)),
                        "celery_child_max": mb(max(worker_children.values(), default=0)),
                        "celery_main": mb(worker_peaks.get(worker.pid, 0))},
        "oversized_refusal": {"declared_mb": 300, "status": status, "seconds": round(seconds, 3),
                              "note": "headers only: the 413 comes before any body byte is sent"},
    }
    print(f"\nImport job: {args.rows:,}-row search-terms report, {mb(size)} MB, through /api/imports/\n")
    print(f"{'status':10} {'rows':>9} {'upload s':>9} {'total s':>8} {'rows/s':>8} {'web RSS MB':>11} "
          f"{'worker RSS MB':>14} {'lost':>5}")
    peaks = result["peak_rss_mb"]
    print(f"{job['status']:10} {job['rows_read']:>9,} {upload_seconds:>9.1f} {total_seconds:>8.1f} "
          f"{result['rows_per_s'] or 0:>8,} {peaks['web_worker_max']:>11} {peaks['celery_child_max']:>14} "
          f"{'no' if result['nothing_lost'] else 'YES':>5}")
    print(f"\nprogress seen: {progress_seen}; uploads left on disk: {left or 'none'}; "
          f"300 MB declared upload: {status} in {seconds * 1000:.0f} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
