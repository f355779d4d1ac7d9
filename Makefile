# Two entry points: `make run` (install everything, start the site on SQLite)
# and `make test` (install everything, lint, run the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := courseapp

.PHONY: run test install install-test assets lint clean

run: install assets
	BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask setup
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no tests; that is reported, not treated as a crash.
test: install-test assets lint
	$(BIN)/pytest $(PYTEST_ARGS) || { code=$$?; [ $$code -eq 5 ] && echo "no tests collected"; [ $$code -eq 5 ]; }

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
