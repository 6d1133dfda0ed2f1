# TaskFlow: `make run` serves the app on http://127.0.0.1:8000, `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help venv venv-runtime run migrate test lint format lock clean bench fuzz
.PHONY: test-postgres migrations-check cluster cluster-stop cluster-status container-check

help:
	@echo "make run     - set up .venv (runtime packages only), migrate the embedded SQLite database, serve on $(HOST):$(PORT)"
	@echo "make test    - add the test/lint tools to .venv and run the whole test suite (needs node/npm)"
	@echo "make test-postgres - the suite against a throwaway PostgreSQL server"
	@echo "make migrations-check - makemigrations --check for SQL and MongoDB settings"
	@echo "make cluster / cluster-stop - redis, PostgreSQL, 3 gunicorns, 2 job workers, nginx on 127.0.0.1:8080"
	@echo "make fuzz    - explore the API with random seeds and every schemathesis check (FUZZ_RUNS x)"
	@echo "make bench   - run every benchmark (a few minutes) and update docs/performance.md"
	@echo "make lint    - ruff (lint + format check), bandit, pip-audit, hadolint, actionlint, zizmor"
	@echo "make container-check - build both images with podman, run and probe them (minutes; not in make test)"
	@echo "make format  - ruff format + autofix"

# Two stamps in the one .venv: `make run` installs only what running needs
# (requirements.txt); `make test` / `make lint` add the test, lint and benchmark tools
# (requirements-dev.txt). Both install against the same lock file.
$(VENV)/.runtime-installed: requirements.txt requirements-dev.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt -c requirements-dev.lock
	touch $@

$(VENV)/.installed: $(VENV)/.runtime-installed requirements-dev.txt requirements-dev.lock
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt -c requirements-dev.lock
	touch $@

venv-runtime: $(VENV)/.runtime-installed

venv: $(VENV)/.installed

migrate: venv-runtime
	@mkdir -p var
	$(PY) manage.py migrate --noinput

run: migrate
	PATH="$(abspath $(VENV))/bin:$$PATH" HOST=$(HOST) $(VENV)/bin/honcho -f Procfile.dev start -p $(PORT)

# axe-core for the browser suite's accessibility checks (test-only; nothing is served).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

# TEST_MONGO_URL=mongodb://... runs the suite on MongoDB (it must reach Django's
# settings as DATABASE_URL before they load, hence here and not in a conftest).
test: venv node_modules/.package-lock.json
	$(if $(TEST_MONGO_URL),DATABASE_URL='$(TEST_MONGO_URL)') $(PY) -m pytest

# The suite again on a real PostgreSQL server (scripts/with-postgres: initdb in a temp
# dir, free port, removed afterwards), with Redis as the shared cache
# (scripts/with-redis), as production runs it and as the CI workflow's postgres job does. The browser and cluster suites already ran in
# `make test` (the cluster always uses PostgreSQL).
test-postgres: venv
	$(PY) scripts/with-postgres scripts/with-redis $(PY) -m pytest -m "not browser and not integration"

# Random exploration of the API (never part of `make test`, whose fuzz run is
# derandomized): FUZZ_RUNS runs, each with a fresh seed (printed; FUZZ_SEED=<n> replays
# one), FUZZ_EXAMPLES per operation and the stateful phase; stops at the first failure.
FUZZ_RUNS ?= 20
FUZZ_EXAMPLES ?= 60
fuzz: venv
	@mkdir -p var
	@for run in $$(seq 1 $(FUZZ_RUNS)); do \
	  echo "== fuzz run $$run/$(FUZZ_RUNS)"; \
	  FUZZ_SEED=$${FUZZ_SEED:-random} FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q -p no:randomly \
	    -p no:logging -s tests/reliability/test_api_fuzz_schemathesis.py > var/fuzz-run.log 2>&1 \
	    || { grep -v '^20[0-9-]*T' var/fuzz-run.log | tail -150; exit 1; }; \
	  grep -E '^\[figures\]|passed' var/fuzz-run.log; \
	done

migrations-check: venv-runtime
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=taskflow.settings_mongo_migrations $(PY) manage.py makemigrations --check --dry-run

# The production topology on 127.0.0.1 without Docker (state and logs in .cluster/).
cluster: venv
	PYTHON=$(PY) scripts/cluster start

cluster-stop:
	PYTHON=$(PY) scripts/cluster stop

cluster-status:
	PYTHON=$(PY) scripts/cluster status

# Build the Dockerfile's images with podman and run them (on demand, never part of
# `make test`; minutes). Base images: pulled, or stand-ins built from Debian packages
# where no registry is reachable (scripts/container-base-images; needs root there).
container-check:
	scripts/container-base-images
	scripts/container-check

# On demand, never part of `make test`; longer runs: `$(PY) -m bench <name> --help`.
BENCH_ARGS ?= --write
bench: venv
	$(PY) -m bench all $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	# bandit: the app may have no medium/high finding, tooling (bench/, devservers/) no high one.
	$(VENV)/bin/bandit -q -r accounts tasks taskflow notifications manage.py -x '*/migrations/*,*/mongo_migrations/*' --severity-level medium
	$(VENV)/bin/bandit -q -r bench devservers --severity-level high
	# pip-audit: fails on a vulnerable pin; says NOT AUDITED when it cannot check (STRICT_AUDIT=1 fails then).
	$(PY) scripts/pip_audit_check.py
	# The image and the CI workflow: hadolint, actionlint, zizmor (offline: no GitHub API here).
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/actionlint .github/workflows/*.yml
	$(VENV)/bin/zizmor --offline --quiet .github/workflows/

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lock: venv
	$(VENV)/bin/pip freeze > requirements-dev.lock.new
	( printf '# Constraints: every package of the dev environment at the version CI tested.\n# Regenerate with `make lock` after changing requirements*.txt.\n'; cat requirements-dev.lock.new ) > requirements-dev.lock
	rm requirements-dev.lock.new

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
