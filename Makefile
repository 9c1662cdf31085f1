# Two commands: `make run` serves fdi-risk on http://127.0.0.1:8000; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint typecheck install install-dev bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "fdi-risk needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/fdi-risk db upgrade
	$(BIN)/fdi-risk seed
	$(BIN)/fdi-risk keys bootstrap
	$(BIN)/fdi-risk serve --host 127.0.0.1 --port 8000

lint: install-dev
	$(BIN)/ruff check app tests migrations benchmarks examples

typecheck: install-dev
	$(BIN)/mypy app

test: lint typecheck
	$(BIN)/python -m pytest

# Not part of `make test`: figures depend on the machine; see docs/BENCHMARKS.md. The `bench` extra adds the
# peer engines the benchmarks compare with (zen-engine), which neither `make run` nor `make test` installs.
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	@touch $@ $(VENV)/.installed-dev $(VENV)/.installed

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache fdi-risk.db fdi-risk.db-wal fdi-risk.db-shm
