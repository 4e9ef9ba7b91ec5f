# The two commands: `make run` and `make test`. Both create .venv and install everything when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run test ping lint bench-import

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# the browser tests drive Debian's chromium (no browser downloads); gettext compiles the translations
	command -v chromium >/dev/null && command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium gettext)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU wheel. Unpinned, a dependency would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	# the project itself, editable, with its dependencies and the dev extra (pyproject.toml): no sys.path edits
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python obp==0.5.7
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	bash scripts/run.sh

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

ping: $(STAMP)
	$(BIN)/python manage.py celery_ping

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ml campaigns config

bench-import: $(STAMP)
	$(BIN)/python bench/import_bench.py
