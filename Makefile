# The two commands of the README: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_PROJECT_ROOT := $(CURDIR)

.PHONY: setup demo test test-fast lint bench db-start db-stop clean

$(BIN)/transmissor: pyproject.toml plugins/constraints/transmissor.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c plugins/constraints/transmissor.txt -e '.[dev]'
	touch $@

.meltano/.installed: $(BIN)/transmissor $(wildcard plugins/*.meltano.yml plugins/constraints/*.txt)
	$(BIN)/meltano install
	touch $@

## setup: virtual environment, pinned install, Meltano plugins (offline from PyPI).
setup: $(BIN)/transmissor .meltano/.installed

## demo: local PostgreSQL, three synthetic municipalities, two daily transmissões, a summary.
demo: setup
	$(BIN)/transmissor demo

## test: the whole test suite against real PostgreSQL servers, Meltano and dbt.
test: setup
	$(BIN)/pytest

## test-fast: everything but the end-to-end Meltano/dbt tests.
test-fast: setup
	$(BIN)/pytest -m "not e2e"

## lint: ruff, sqlfluff and the generated files' freshness.
lint: setup
	$(BIN)/ruff check orchestrate tests
	$(BIN)/ruff format --check orchestrate tests
	cd transform && ../$(BIN)/sqlfluff lint models macros
	$(BIN)/transmissor contract check

db-start: $(BIN)/transmissor
	$(BIN)/transmissor db start

db-stop: $(BIN)/transmissor
	$(BIN)/transmissor db stop

clean: db-stop
	rm -rf .local logs transform/target transform/logs
