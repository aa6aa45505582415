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
## The three checks run beside the install scripts and pytest, niced, their output kept in a file and
## printed at the end: the suite waits on servers and pages part of the time, and the checks (mypy ~5 s
## without its cache, .mypy_cache) fill it instead of delaying the suite's start.
## Installed from Debian when missing: a headless Chromium for the browser tests, Virtuoso for the
## second-store tests, nginx-light and apache2 for the static export's server configurations. pytest's
## temporary files go to a directory of this run (--basetemp), not the shared /tmp/pytest-of-USER that
## concurrent runs of other checkouts clean up under each other; removed when the tests pass, kept (and
## named) when they fail. That directory is on /dev/shm (memory) when it has 4 GiB free and TMPDIR is not
## set: the suite writes ~0.4 GB in ~21,000 files (builds, stores, exports), and on a shared disk their
## writes, syncs and removal were waits of the run (TMPDIR stays: apache2's workers, run as nobody, read
## the export test's copy from a folder of tempfile's, which must not be inside this run's 0700 one).
## Run time: bench/README.md.
## The first failing step's exit code is this target's: the checks' (ruff, then mypy, then lint-imports)
## before the install scripts', before pytest's (5 when no test ran).
test: setup
	base=$${TMPDIR:-/tmp}; \
	if [ -z "$${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && \
	    [ "$$(df -Pm /dev/shm | awk 'NR == 2 {print $$4}')" -ge 4096 ]; then base=/dev/shm; fi; \
	tmp=$$(mktemp -d "$$base/bdp-test.XXXXXX") || exit $$?; \
	nice -n 10 sh -c '$(BIN)/ruff check publisher tests bench && $(BIN)/mypy && $(BIN)/lint-imports' \
	    >"$$tmp/checks.log" 2>&1 & checks=$$!; \
	bash .ci/install-browser && bash .ci/install-virtuoso && bash .ci/install-nginx && bash .ci/install-apache && \
	$(BIN)/python -m pytest -q -n 2 --dist loadscope --no-loadscope-reorder --basetemp="$$tmp/base"; status=$$?; \
	wait $$checks; checked=$$?; \
	echo "--- ruff, mypy, lint-imports:"; cat "$$tmp/checks.log"; \
	if [ $$checked -ne 0 ]; then status=$$checked; fi; \
	if [ $$status -eq 0 ]; then rm -rf "$$tmp"; else echo "temporary files of this run: $$tmp"; fi; \
	exit $$status

## After adding or changing a text of the pages: extract the texts into the template, merge it into the
## pl and en catalogues (then translate the new msgstr in publisher/web/translations/pl/...), compile them.
TRANSLATIONS := publisher/web/translations
i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
