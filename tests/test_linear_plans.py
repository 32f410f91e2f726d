"""The set-based steps of a load stay linear in the município's size, whatever the statistics.

A new município's rows are unknown to the raw tables' statistics (they were analysed before
it arrived, or with other municipalities' rows only), so the planner estimates them at one row
and may loop over them. A loop is fine while each turn probes an index; a loop that scans a
whole table at each turn costs N² (seen on PostgreSQL 15: 10 s for the 18,511 rows of one
10,000-citizen município's `tb_dim_cidadao_pec_grupo`, hours for a large city). These tests
count the rows every plan node touched (tests.plans), not seconds: a quadratic plan fails them
at any size, on any machine. Each step runs twice: as the planner chooses under stale
statistics, and with hash and merge joins turned off, the plans bad estimates lead to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import pytest

from tests.plans import ExplainingConnection, Plan
from tests.project import PROJECT_ROOT, REFERENCE_DATE
from transmissor.contract.model import Contract, Table
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.load.first_load import copy_table, fast_tables
from transmissor.load.pec_columns import shapes_at
from transmissor.load.reconcile import reconcile
from transmissor.load.snapshot import snapshot_tables, sync_table
from transmissor.warehouse.database import DEFAULT_PLANNER_OPTIONS as PLANNER
from transmissor.warehouse.raw_tables import ensure_raw_tables

pytestmark = pytest.mark.warehouse_versions

KNOWN, NEW, FORCED = "2611533", "1200401", "3509502"  # analysed; two the statistics miss
CITIZENS = 400  # ~760 rows in tb_dim_cidadao_pec_grupo: a quadratic plan touches ~290,000
# A node run once per row of another may read a page or two each time: for a table that
# small the planner rightly prefers a scan to an index probe (the sandbox's dimensions of
# 20-50 rows). A node that reads more than that per loop grows with the table: quadratic.
RESCAN_ROWS = 100
# And in all, a linear plan touches each row moved a few times (copy, probe, write).
PER_ROW, ALLOWANCE = 8, 5_000
NESTED_LOOPS_ONLY = ("set enable_hashjoin = off", "set enable_mergejoin = off")


@dataclass
class Setup:
    source_url: str
    warehouse_url: str
    contract: Contract


@pytest.fixture(scope="module")
def setup(pg_server: LocalPostgres, new_database: Callable[[str], str]) -> Iterator[Setup]:
    """One sandbox PEC; a banco analítico that has loaded and analysed one município of it."""
    source_url = new_database("pec_plans")
    sandbox.create(source_url, KNOWN, citizens=CITIZENS, seed=5, reference_date=REFERENCE_DATE)
    setup = Setup(source_url, new_database("warehouse_plans"), Contract.load(PROJECT_ROOT))
    with _connections(setup.source_url, setup.warehouse_url) as (source, warehouse):
        ensure_raw_tables(warehouse, setup.contract.tables, shapes_at(source, "public"))
        for table in fast_tables(setup.contract):
            copy_table(table, "public", source, warehouse, KNOWN)
        for table in snapshot_tables(setup.contract):
            sync_table(table, "public", source, warehouse, KNOWN)
        warehouse.execute("analyze")
    yield setup


@contextmanager
def _connections(
    source_url: str, warehouse_url: str, settings: tuple[str, ...] = ()
) -> Iterator[tuple[psycopg.Connection, psycopg.Connection]]:
    """The PEC and the banco analítico; the warehouse session with `settings`."""
    with (
        psycopg.connect(source_url, autocommit=True) as source,
        # The project's sessions' planner settings (transmissor.warehouse.database).
        psycopg.connect(warehouse_url, autocommit=True, options=PLANNER) as warehouse,
    ):
        for setting in settings:
            warehouse.execute(setting)
        yield source, warehouse


def _rows(conn: psycopg.Connection, table: Table) -> int:
    return conn.execute(f"select count(*) from public.{table.name}").fetchone()[0]


def _quadratic(plans: list[Plan], rows: int) -> list[str]:
    """The plans that grow faster than the `rows` they move, described."""
    limit = PER_ROW * rows + ALLOWANCE
    return [
        f"{p.rows_touched:,} rows touched for {rows:,} rows (limit {limit:,}), "
        f"{p.most_rows_per_loop:,.0f} rows per loop (limit {RESCAN_ROWS}): "
        f"{p.statement[:90]}… plan: {p.describe()}"
        for p in plans
        if p.rows_touched > limit or p.most_rows_per_loop > RESCAN_ROWS
    ]


def _first_load_plans(
    setup: Setup, warehouse_url: str, ibge: str, settings: tuple[str, ...] = ()
) -> list[str]:
    """Load `ibge` from the sandbox (first load, then snapshot); the plans that were not linear."""
    problems = []
    with _connections(setup.source_url, warehouse_url, settings) as (source, warehouse):
        for table in [*fast_tables(setup.contract), *snapshot_tables(setup.contract)]:
            explained = ExplainingConnection(warehouse)
            step = copy_table if table.incremental else sync_table
            step(table, "public", source, explained, ibge)  # type: ignore[arg-type]
            problems += _quadratic(explained.plans, _rows(source, table))
    return problems


def test_a_new_warehouse_s_first_load_is_linear(
    setup: Setup, new_database: Callable[[str], str]
) -> None:
    """As `carga-inicial` on a new banco analítico: raw tables created, analysed while empty."""
    url = new_database("warehouse_new")
    with _connections(setup.source_url, url) as (source, warehouse):
        ensure_raw_tables(warehouse, setup.contract.tables, shapes_at(source, "public"))
        warehouse.execute("analyze")
    assert _first_load_plans(setup, url, KNOWN) == []


def test_a_new_municipio_s_first_load_is_linear_under_stale_statistics(setup: Setup) -> None:
    """The raw tables' statistics know one município only."""
    assert _first_load_plans(setup, setup.warehouse_url, NEW) == []


def test_a_first_load_is_linear_even_when_only_nested_loops_are_allowed(setup: Setup) -> None:
    assert _first_load_plans(setup, setup.warehouse_url, FORCED, NESTED_LOOPS_ONLY) == []


def test_the_daily_snapshot_and_reconciliation_are_linear(setup: Setup) -> None:
    """A few days later: changed, new and deleted rows, compared with the rows loaded."""
    sandbox.advance(setup.source_url, days=3, seed=8)
    problems = []
    with _connections(setup.source_url, setup.warehouse_url, NESTED_LOOPS_ONLY) as (
        source,
        warehouse,
    ):
        for table in snapshot_tables(setup.contract):
            explained = ExplainingConnection(warehouse)
            sync_table(table, "public", source, explained, KNOWN)  # type: ignore[arg-type]
            problems += _quadratic(explained.plans, 2 * _rows(source, table))
        explained = ExplainingConnection(warehouse)
        results = reconcile(setup.contract, source, explained, KNOWN)  # type: ignore[arg-type]
        biggest = max(_rows(source, table) for table in setup.contract.tables)
    assert sum(r.marked_deleted for r in results) > 0, "advance deletes reprocessed facts"
    problems += _quadratic(explained.plans, 2 * biggest)
    assert problems == []


def test_each_run_has_the_banco_analitico_server_its_id_names(
    pg_server: LocalPostgres, request: pytest.FixtureRequest
) -> None:
    """The `warehouse_versions` parametrisation really starts each server (tests/conftest.py)."""
    version = request.node.callspec.params["pg_server"]
    with psycopg.connect(pg_server.url()) as conn:
        assert conn.execute("show server_version_num").fetchone()[0].startswith(version)
