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

## Build the bundled data into out/ and serve it on http://127.0.0.1:$(PORT)/
run: setup
	$(BIN)/bdp build --data data --out out
	$(BIN)/bdp serve --out out --port $(PORT)

## Run the whole test suite (a headless Chromium is installed for the browser tests when missing).
## pytest's exit code (5 included: no test ran) is the exit code of this target.
test: setup
	bash .ci/install-browser
	$(BIN)/python -m pytest -q

## After adding or changing a text of the pages: extract the texts into the template, merge it into the
## pl and en catalogues (then translate the new msgstr in publisher/web/translations/pl/...), compile them.
TRANSLATIONS := publisher/web/translations
i18n: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-wrap --no-fuzzy-matching --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
