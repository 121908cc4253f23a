# dyadwatch: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo test lint bench clean browser

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/dyadwatch ingest examples --db dyadwatch.duckdb
	$(BIN)/dyadwatch events --db dyadwatch.duckdb --format table

lint: setup
	$(BIN)/ruff check src tests benchmarks tools

# The browser tests drive Debian's chromium (never a Playwright browser download).
browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y --no-install-recommends chromium)

test: setup lint browser
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) dyadwatch.duckdb build dist src/*.egg-info
