# wol — the two commands: `make run` and `make test`. Everything else is a helper for those.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wol

.PHONY: run test test-postgres lint i18n-extract i18n-check translations bench bench-load system-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[prod,test]"
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d wol/translations

run: $(VENV)/.installed translations
	$(BIN)/flask db upgrade
	$(BIN)/flask wol demo --if-empty
	@echo "Mail leaves every minute while this runs (as 'flask wol tick' from cron would do it);"
	@echo "read it at http://127.0.0.1:5000/dev/mail"
	@( while true; do $(BIN)/flask wol tick >> instance/tick.log 2>&1; sleep 60; done ) & \
	ticker=$$!; trap 'kill $$ticker 2>/dev/null' EXIT; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000 --debug

system-deps:
	@scripts/ensure-system-deps chromium node libical

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check wol tests

# Fails when a Dutch entry is missing or fuzzy, or the catalog is behind the code.
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o wol/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel -q update -i wol/translations/messages.pot -d wol/translations --no-fuzzy-matching --ignore-obsolete

i18n-check: $(VENV)/.installed
	@tmp=$$(mktemp -d); \
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -o $$tmp/messages.pot --no-location . && \
	$(BIN)/python scripts/check-catalog wol/translations $$tmp/messages.pot; status=$$?; \
	rm -rf $$tmp; exit $$status

test: $(VENV)/.installed translations system-deps
	$(MAKE) --no-print-directory i18n-check
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on a throw-away PostgreSQL cluster (CI runs this too).
test-postgres: $(VENV)/.installed translations system-deps
	scripts/with-postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed translations
	$(BIN)/pip install --quiet -e ".[bench]"
	$(BIN)/python bench/run.py

# wol under gunicorn and wrk with 10,000 people and 2,000 circles, on SQLite and on PostgreSQL.
bench-load: $(VENV)/.installed translations
	@scripts/ensure-system-deps wrk
	$(BIN)/python bench/load.py $(BENCH_ARGS)
	scripts/with-postgres $(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/wol.sqlite .pytest_cache
