"""Import-job benchmark: a 500,000-row report uploaded under production gunicorn, through the API (/api/imports/)
and through the web page (/imports/), and imported by a real Celery worker on the filesystem broker, as one job.

The pen-test's case: the same 52 MB report imported inside the request hit gunicorn's 30 s worker timeout and was
killed. Here the upload answers 202 at once and the worker imports the stored file while the bench polls the job.
The web path does what a browser does: GET the sign-in page for its CSRF cookie, POST the form, POST the report as
multipart with the CSRF token, then poll the progress fragment the page's htmx polls (/import-jobs/ID/) until the job
has finished. Each path runs on its own fresh database, server and worker. It checks that nothing was lost (the
job's rows, the ReportImport and the SearchTermDaily rows all equal the file's rows), that the stored upload is
gone afterwards, and that an upload declaring more than IMPORT_MAX_UPLOAD_MB is refused 413 before its body is sent.
Prints a table per path (rows/s, peak RSS of web and worker) and writes bench/results/import_job.json.

    .venv/bin/python bench/import_job_bench.py [--rows 500000] [--web-workers 2] [--paths api,web]

SQLite and the filesystem broker in a temporary VAR_DIR (the embedded default); DJANGO_ENV=production settings.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
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

from bench.import_bench import generate  # the same report layout as the import bench
from bench.load.harness import free_port, wait_http

ROOT = Path(__file__).resolve().parents[1]

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
        "METRICS_TOKEN": secrets.token_urlsafe(32),
    }


USERNAME, PASSWORD = "bench", "bench-import-password-7"


def setup(env: dict[str, str], *, pages: bool) -> str:
    """Migrate the bench database and make an owner with an API token; returns the token and the organization.
    ``pages``: collect the static files too, which production's pages need (hashed names from the manifest)."""
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('migrate', verbosity=0)\n"
        + ("call_command('collectstatic', interactive=False, verbosity=0)\n" if pages else "")
        + "from knox.models import AuthToken\n"
        "from campaigns.models import Membership, Organization\n"
        "from django.contrib.auth import get_user_model\n"
        f"user = get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})\n"
        "org = Organization.objects.create(name='Bench', slug='bench')\n"
        "Membership.objects.create(user=user, organization=org, role='owner')\n"
        "print(AuthToken.objects.create(user=user)[1], org.pk)\n"
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
        sock.sendall(
            (
                f"POST /api/imports/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
                f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {declared}\r\n\r\n"
            ).encode()
        )
        answer = sock.recv(4096).decode(errors="replace")
    return int(answer.split()[1]), time.perf_counter() - started


def mb(value: float) -> float:
    return round(value / 2**20, 1)


def upload_through_api(url: str, token: str, organization: str, report: Path) -> tuple[str, callable]:
    """POST the report to /api/imports/; the job's URL and a function that reads (finished, status, percent, rows)."""
    import requests

    headers = {**HTTPS, "Authorization": f"Token {token}"}
    with report.open("rb") as handle:
        response = requests.post(
            f"{url}/api/imports/",
            headers=headers,
            timeout=120,
            data={"organization": organization},
            files={"file": ("search_terms.csv", handle, "text/csv")},
        )
    if response.status_code != 202:
        raise SystemExit(f"upload answered {response.status_code}: {response.text[:500]}")
    job_url = url + urlsplit(response.json()["url"]).path  # it says https://, as the proxy would serve it

    def read() -> tuple[bool, str, int, int]:
        job = requests.get(job_url, headers=headers, timeout=30).json()
        return job["finished"], job["status"], job["progress_percent"], job["rows_read"]

    return job_url, read


class Browser:
    """A requests session that behaves like a browser behind the HTTPS proxy: the proxy's header, the page's origin
    for CSRF, and the session and CSRF cookies (Secure in production) sent back although the bench speaks http."""

    def __init__(self, url: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()
        self.session.headers.update({**HTTPS, "Origin": "https://" + url.removeprefix("http://")})

    def request(self, method: str, path: str, **kwargs: object):
        response = self.session.request(method, self.url + path, allow_redirects=False, timeout=120, **kwargs)
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def csrf(self) -> str:
        return self.session.cookies["csrftoken"]


def upload_through_web(url: str, report: Path) -> tuple[str, callable]:
    """Sign in with the form, POST the report to /imports/ as the page's form does, find the job's progress fragment
    on the page it redirects to; the fragment's URL and a function that reads it as htmx does."""
    browser = Browser(url)
    login_page = browser.request("GET", "/accounts/login/")
    if "csrftoken" not in browser.session.cookies:
        raise SystemExit(
            f"the sign-in page answered {login_page.status_code} {dict(login_page.headers)} without a CSRF cookie"
        )
    signed_in = browser.request(
        "POST",
        "/accounts/login/",
        data={"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": browser.csrf()},
    )
    if signed_in.status_code != 302:
        raise SystemExit(f"sign-in answered {signed_in.status_code}: {signed_in.text[:500]}")
    with report.open("rb") as handle:
        response = browser.request(
            "POST",
            "/imports/",
            data={"csrfmiddlewaretoken": browser.csrf(), "decimal": ""},
            files={"file": ("search_terms.csv", handle, "text/csv")},
        )
    if response.status_code != 302:
        raise SystemExit(f"upload answered {response.status_code}: {response.text[:500]}")
    page = browser.request("GET", urlsplit(response.headers["Location"]).path).text
    fragment = re.search(r'hx-get="(/import-jobs/\d+/)"', page)
    if fragment is None:
        raise SystemExit("the imports page shows no job in progress")

    def read() -> tuple[bool, str, int, int]:
        answer = browser.request("GET", fragment.group(1), headers={"HX-Request": "true"})
        html = answer.text
        status = re.search(r'data-status="(\w+)"', html).group(1)
        percent = int(re.search(r'<progress max="100" value="(\d+)"', html).group(1))
        rows = int(re.search(r"(\d+) rows read", html.replace("\u00a0", "").replace(",", "")).group(1))
        finished = answer.headers.get("HX-Refresh") == "true"  # the page reloads itself when the job has finished
        return finished, status, percent, rows

    return fragment.group(1), read


def run_path(path: str, report: Path, args: argparse.Namespace, tmp: Path) -> dict:
    """One import through ``path`` (api or web) on a fresh database, gunicorn and Celery worker."""
    var_dir = tmp / f"var-{path}"
    var_dir.mkdir()
    env = production_env(var_dir)
    token, organization = setup(env, pages=path == "web").split()
    port = free_port()
    web = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "config/gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "WEB_CONCURRENCY": str(args.web_workers), "GUNICORN_BIND": f"127.0.0.1:{port}"},
        stdout=(tmp / f"gunicorn-{path}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    # One worker process: the import runs in it; a fresh child per task keeps the matching task that the
    # import queues after it out of the import's peak memory.
    worker = subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "default",
            "--concurrency",
            "1",
            "--max-tasks-per-child",
            "1",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=(tmp / f"worker-{path}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    refusal = None
    try:
        wait_http(f"{url}/healthz", web)
        web_sampler, worker_sampler = PeakSampler(psutil.Process(web.pid)), PeakSampler(psutil.Process(worker.pid))
        web_sampler.start()
        worker_sampler.start()
        started = time.perf_counter()
        if path == "api":
            polled, read = upload_through_api(url, token, organization, report)
        else:
            polled, read = upload_through_web(url, report)
        upload_seconds = time.perf_counter() - started
        progress_seen = []
        deadline = time.monotonic() + args.timeout
        while True:
            finished, status, percent, rows_read = read()
            if not progress_seen or progress_seen[-1] != percent:
                progress_seen.append(percent)
            if finished or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        total_seconds = time.perf_counter() - started
        web_peaks, worker_peaks = web_sampler.stop(), worker_sampler.stop()
        if path == "api":
            refusal = refused_unsent(url, 300 * 2**20)
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
        "polled": polled,
        "status": status,
        "rows_read": rows_read,
        "progress_seen": progress_seen,
        "upload_seconds": round(upload_seconds, 2),
        "total_seconds": round(total_seconds, 2),
        "rows_per_s": round(rows_read / total_seconds) if status == "succeeded" else None,
        "counts": counts,
        "nothing_lost": counts["search_term_daily"] == counts["report_import_rows"] == args.rows == rows_read
        and counts["jobs"] == 1,
        "uploads_left_on_disk": left,
        "peak_rss_mb": {
            "web_worker_max": mb(max(web_workers.values(), default=0)),
            "web_master": mb(web_peaks.get(web.pid, 0)),
            "celery_child_max": mb(max(worker_children.values(), default=0)),
            "celery_main": mb(worker_peaks.get(worker.pid, 0)),
        },
    }
    if refusal is not None:
        result["oversized_refusal"] = {
            "declared_mb": 300,
            "status": refusal[0],
            "seconds": round(refusal[1], 3),
            "note": "headers only: the 413 comes before any body byte is sent",
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--paths", default="api,web", help="comma-separated: api, web")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for each job")
    args = parser.parse_args()
    paths = args.paths.split(",")
    with tempfile.TemporaryDirectory(prefix="import-job-bench-") as tmp:
        report = Path(tmp) / "search_terms.csv"
        generate(report, args.rows)
        size = report.stat().st_size
        runs = {path: run_path(path, report, args, Path(tmp)) for path in paths}
    result = {
        "benchmark": "import_job",
        "rows": args.rows,
        "file_mb": mb(size),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_after": [round(value, 2) for value in os.getloadavg()],
        },
        "setup": {
            "settings": "DJANGO_ENV=production",
            "web": f"gunicorn (config/gunicorn.conf.py), {args.web_workers} sync workers, 30 s timeout",
            "worker": "celery prefork, concurrency 1",
            "database": "SQLite",
            "broker": "filesystem",
            "paths": {
                "api": "POST /api/imports/ with a knox token, poll /api/import-jobs/ID/",
                "web": "sign in with the form, POST /imports/ (multipart, CSRF), poll the progress "
                "fragment /import-jobs/ID/ as htmx does",
            },
        },
        "paths": runs,
    }
    print(f"\nImport job: {args.rows:,}-row search-terms report, {mb(size)} MB\n")
    print(
        f"{'path':5} {'status':10} {'rows':>9} {'upload s':>9} {'total s':>8} {'rows/s':>8} {'web RSS MB':>11} "
        f"{'worker RSS MB':>14} {'lost':>5}"
    )
    for path, run in runs.items():
        peaks = run["peak_rss_mb"]
        print(
            f"{path:5} {run['status']:10} {run['rows_read']:>9,} {run['upload_seconds']:>9.1f} "
            f"{run['total_seconds']:>8.1f} {run['rows_per_s'] or 0:>8,} {peaks['web_worker_max']:>11} "
            f"{peaks['celery_child_max']:>14} {'no' if run['nothing_lost'] else 'YES':>5}"
        )
    for path, run in runs.items():
        left = run["uploads_left_on_disk"] or "none"
        print(f"{path}: progress seen {run['progress_seen']}; uploads left on disk: {left}")
    if "oversized_refusal" in runs.get("api", {}):
        refusal = runs["api"]["oversized_refusal"]
        print(f"300 MB declared upload: {refusal['status']} in {refusal['seconds'] * 1000:.0f} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
