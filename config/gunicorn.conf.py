"""gunicorn settings: ``gunicorn -c config/gunicorn.conf.py config.wsgi`` (docs/deploy.md).

Every value can be overridden from the environment (GUNICORN_* or gunicorn's own GUNICORN_CMD_ARGS).
Prometheus: the worker processes share PROMETHEUS_MULTIPROC_DIR, so /metrics on any of them reports all of them;
the folder is emptied when the master starts and a dead worker's live gauges are dropped.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

_root = Path(__file__).resolve().parent.parent
_var = Path(os.environ.get("VAR_DIR") or _root / "var")

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Recycle workers now and then so a slow leak cannot grow forever; the jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
# The proxy in front sets X-Forwarded-Proto; only trust it from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = (
    '{"remote": "%(h)s", "request": "%(r)s", "status": %(s)s, "bytes": "%(b)s", "duration_us": %(D)s, '
    '"referer": "%(f)s", "user_agent": "%(a)s"}'
)
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the heartbeat file; a disk-backed tmp can stall workers under I/O load

# Must be in the environment before any worker imports prometheus_client.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_var / "prometheus" / "web"))


def on_starting(server) -> None:
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(folder, ignore_errors=True)  # counters from a previous run would be added to this one's
    folder.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
