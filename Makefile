# The two commands of README.md. Both set up .venv on a fresh machine first (python3 >= 3.11).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test setup

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

## Run the whole test suite (a headless Chromium for the browser tests, Debian's nginx-light and apache2
## for the static export's server configurations, installed when missing).
## pytest's exit code (5 included: no test ran) is the exit code of this target.
test: setup
	bash .ci/install-browser
	bash .ci/install-nginx
	bash .ci/install-apache
	$(BIN)/python -m pytest -q
