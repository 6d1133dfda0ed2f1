# TaskFlow: `make run` serves the app on http://127.0.0.1:8000, `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help venv run migrate test lint format lock clean bench

help:
	@echo "make run     - set up .venv, migrate the embedded SQLite database, serve on $(HOST):$(PORT)"
	@echo "make test    - set up .venv and run the whole test suite"
	@echo "make bench   - run every benchmark (a few minutes) and update docs/performance.md"
	@echo "make lint    - ruff (lint + format check), bandit, pip-audit"
	@echo "make format  - ruff format + autofix"

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt -c requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

migrate: venv
	@mkdir -p var
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py runserver $(HOST):$(PORT)

# axe-core for the browser suite's accessibility checks (test-only; nothing is served).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test: venv node_modules/.package-lock.json
	$(PY) -m pytest

# On demand, never part of `make test`; longer runs: `$(PY) -m bench <name> --help`.
BENCH_ARGS ?= --write
bench: venv
	$(PY) -m bench all $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: venv
	$(VENV)/bin/pip freeze > requirements-dev.lock.new
	( printf '# Constraints: every package of the dev environment at the version CI tested.\n# Regenerate with `make lock` after changing requirements*.txt.\n'; cat requirements-dev.lock.new ) > requirements-dev.lock
	rm requirements-dev.lock.new

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
