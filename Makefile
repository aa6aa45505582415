# The two commands of README.md. Both set up .venv on a fresh machine first (python3 >= 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test setup i18n

$(BIN)/bdp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/bdp

setup: $(BIN)/bdp

## Build the bundled data into out/ and serve it with gunicorn on http://127.0.0.1:$(PORT)/
## (development: .venv/bin/bdp serve --out out --dev)
run: setup
	$(BIN)/bdp build --data data --out out
	$(BIN)/bdp serve --out out --port $(PORT)

## Lint (ruff), types (mypy), the layering (import-linter: docs/architecture.md), then the whole test
## suite on two processes (pytest-xdist, a module's tests in one process so that its module fixtures
## are built once; the longest modules first: tests/schedule.py; one Chromium per process, conftest.py).
## Installed from Debian when missing: a headless Chromium for the browser tests, Virtuoso for the
## second-store tests, nginx-light and apache2 for the static export's server configurations. pytest's
## temporary files go to a directory of this run (--basetemp), not the shared /tmp/pytest-of-USER that
## concurrent runs of other checkouts clean up under each other; removed when the tests pass, kept (and
## named) when they fail. Run time: bench/README.md.
## The first failing step's exit code (pytest's: 5 when no test ran) is this target's.
test: setup
	$(BIN)/ruff check publisher tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	bash .ci/install-browser
	bash .ci/install-virtuoso
	bash .ci/install-nginx
	bash .ci/install-apache
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/bdp-test.XXXXXX") && \
	$(BIN)/python -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder --basetemp="$$tmp/base"; status=$$?; \
	if [ $$status -eq 0 ]; then rm -rf "$$tmp"; else echo "pytest's temporary files: $$tmp"; fi; \
	exit $$status

## After adding or changing a text of the pages: extract the texts into the template, merge it into the
## pl and en catalogues (then translate the new msgstr in publisher/web/translations/pl/...), compile them.
TRANSLATIONS := publisher/web/translations
i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
