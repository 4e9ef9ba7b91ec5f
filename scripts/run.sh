#!/usr/bin/env bash
# `make run`: the whole product on the embedded defaults — web on 127.0.0.1:8000, a Celery worker and
# celery beat, SQLite and the filesystem broker under var/. Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p var/log

$BIN/python manage.py migrate --noinput -v 0
$BIN/python manage.py seed_demo
# Today's budget plan for the demo (the organization is in dry-run mode: shown on /budgets/, applied on approval).
$BIN/python manage.py rebalance --org materiales-ibericos

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web, worker and beat..."
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/celery -A config worker -Q default,llm --concurrency 2 --loglevel INFO >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule >var/log/beat.log 2>&1 &
pids+=($!)
$BIN/python manage.py runserver 127.0.0.1:8000 --noreload &
pids+=($!)

cat <<MSG

  Ad optimizer is running: http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)
  Demo sign-in: demo / demo-materiales   (also editora / visor, same password)
  Worker and beat logs: var/log/worker.log, var/log/beat.log
  Check a task round-trip through the worker from another terminal: make ping
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
