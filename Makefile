# Two entry points: `make run` (install everything, start the site on SQLite)
# and `make test` (install everything, lint, run the whole test suite).
# `make bench` runs the benchmarks (minutes; see bench/README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := courseapp

.PHONY: run test bench install install-test assets lint clean wrk

run: install assets
	BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask setup
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no tests; that is reported, not treated as a crash.
# Test files run in parallel, one worker per core (pytest-xdist), each file on one worker
# so that a file's shared server or database is set up once. Files are taken in the
# order tests/conftest.py gives them (the slowest first), not by their number of tests.
PYTEST_WORKERS ?= auto
test: install-test assets lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] && echo "no tests collected"; [ $$code -eq 5 ]; }

bench: install assets wrk
	$(BIN)/python -m bench $(BENCH_ARGS)

# The load generator, from Debian's packages.
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

assets: node_modules/.package-lock.json
	npm run --silent build

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules static/dist
