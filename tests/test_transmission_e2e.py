"""End to end: real sandboxes, real `meltano run` of tap-postgres and target-postgres.

One project copy and two municipalities whose PEC ids collide (every sandbox numbers its rows
from 1) are shared by the tests of this module, which run in order: first load, a repeated
run, an incremental day, a deletion, and a loader killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator

import psutil
import psycopg
import pytest
from psycopg import sql

from tests.project import ProjectCopy, comparable_value, reused
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.meltano.run import meltano_executable

pytestmark = pytest.mark.e2e

A, B = "2611533", "1200401"  # Quixaba (PE) and Rio Branco (AC)


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("e2e"), pg_server, deployed=True)
    project.add_municipio(A, citizens=300, seed=11)
    project.add_municipio(B, citizens=200, seed=12)
    yield project


def _live_snapshot(
    project: ProjectCopy,
    ibge: str,
    table: str,
    key: str,
    conn: psycopg.Connection | None = None,
    source: psycopg.Connection | None = None,
) -> dict[int, str]:
    contract_columns = project.contract().table(table).columns
    types = project.source_types(ibge, table, source)
    # Cast back to the source types (comparable_value): the loader stores double precision as
    # numeric, which prints 80.0 where the source prints 80.
    query = sql.SQL(
        "select {key}, md5(row({cols})::text) from {table} "
        "where co_municipio_ibge = %s and _sdc_deleted_at is null"
    ).format(
        key=sql.Identifier(key),
        cols=sql.SQL(", ").join(comparable_value(c, types[c]) for c in contract_columns),
        table=sql.Identifier("raw_pec", table),
    )
    with reused(conn, project.warehouse) as warehouse:
        return dict(warehouse.execute(query, (ibge,)).fetchall())


def assert_converged(project: ProjectCopy, ibge: str) -> None:
    """Every table of the município equals its source: same keys, same values, no duplicates."""
    with project.source(ibge) as source, project.warehouse() as warehouse:
        for table in project.contract().tables:
            key = table.primary_key[0]
            at_source = project.source_snapshot(ibge, table.name, key, source)
            in_warehouse = _live_snapshot(project, ibge, table.name, key, warehouse, source)
            keys = project.warehouse_keys(ibge, table.name, key, live=False, conn=warehouse)
            assert len(keys) == len(set(keys)), f"{ibge} {table.name}: duplicated keys"
            assert in_warehouse.keys() == at_source.keys(), f"{ibge} {table.name}: keys differ"
            differing = [k for k, digest in at_source.items() if in_warehouse[k] != digest]
            assert not differing, (
                f"{ibge} {table.name}: {len(differing)} rows differ, e.g. {differing[:3]}"
            )


def _batched_at(project: ProjectCopy, ibge: str) -> dict[str, object]:
    marks = {}
    with project.warehouse() as conn:
        for table in project.contract().tables:
            marks[table.name] = conn.execute(
                sql.SQL("select max(_sdc_batched_at) from {} where co_municipio_ibge = %s").format(
                    sql.Identifier("raw_pec", table.name)
                ),
                (ibge,),
            ).fetchone()[0]
    return marks


def _moved_keys(project: ProjectCopy, ibge: str, table: str, key: str, since: object) -> set[int]:
    with project.warehouse() as conn:
        rows = conn.execute(
            sql.SQL(
                "select {} from {} where co_municipio_ibge = %s and _sdc_batched_at > %s"
            ).format(sql.Identifier(key), sql.Identifier("raw_pec", table)),
            (ibge, since),
        ).fetchall()
    return {row[0] for row in rows}


def test_first_load_equals_each_source_and_colliding_ids_stay_apart(project: ProjectCopy) -> None:
    project.el(A)
    project.el(B)
    assert_converged(project, A)
    assert_converged(project, B)
    # The same PEC id exists in both municipalities, as two different rows.
    with project.warehouse() as conn:
        shared = conn.execute(
            "select count(*) from raw_pec.tb_fat_cidadao_pec a "
            "join raw_pec.tb_fat_cidadao_pec b using (co_seq_fat_cidadao_pec) "
            "where a.co_municipio_ibge = %s and b.co_municipio_ibge = %s",
            (A, B),
        ).fetchone()[0]
        pk = conn.execute(
            "select pg_get_constraintdef(oid) from pg_constraint "
            "where conrelid = 'raw_pec.tb_fat_atendimento_individual'::regclass and contype = 'p'"
        ).fetchone()[0]
    assert shared > 100
    assert "co_municipio_ibge" in pk


def test_each_municipio_has_its_own_state(project: ProjectCopy) -> None:
    result = project.meltano(["state", "list"])
    assert f"{A}:tap-pec-to-target-postgres" in result.output
    assert f"{B}:tap-pec-to-target-postgres" in result.output


def test_running_the_same_day_twice_changes_nothing(project: ProjectCopy) -> None:
    before = {
        t.name: _live_snapshot(project, A, t.name, t.primary_key[0])
        for t in project.contract().tables
    }
    marks = _batched_at(project, A)
    project.el(A)
    assert_converged(project, A)
    after = {
        t.name: _live_snapshot(project, A, t.name, t.primary_key[0])
        for t in project.contract().tables
    }
    assert before == after
    # Incremental tables re-read only the boundary row (the tap's ">=" bookmark).
    for table in project.contract().tables:
        if table.incremental and table.replication_key == table.primary_key[0]:
            moved = _moved_keys(project, A, table.name, table.primary_key[0], marks[table.name])
            assert len(moved) <= 1, f"{table.name}: {len(moved)} rows re-sent"


def test_an_incremental_day_brings_exactly_the_new_and_changed_rows(project: ProjectCopy) -> None:
    contract = project.contract()
    before = {t.name: project.source_snapshot(A, t.name, t.primary_key[0]) for t in contract.tables}
    changes = sandbox.advance(project.sources[A], days=1, seed=5)
    assert sum(c.inserted for c in changes.values()) > 0
    marks = _batched_at(project, A)
    project.el(A)
    for table in contract.tables:
        key = table.primary_key[0]
        after = project.source_snapshot(A, table.name, key)
        new_or_changed = {k for k, digest in after.items() if before[table.name].get(k) != digest}
        moved = _moved_keys(project, A, table.name, key, marks[table.name])
        if table.incremental:
            # Exactly the new and changed rows, plus at most the boundary row re-read.
            assert new_or_changed <= moved, f"{table.name}: rows missed"
            assert len(moved - new_or_changed) <= 1, f"{table.name}: unchanged rows re-sent"
        else:
            # Re-read whole by `transmissor snapshot`, but only new and changed rows written.
            assert moved == new_or_changed, f"{table.name}: rows missed or rewritten unchanged"
    # Rows the PEC deleted are still live until reconciliation marks them.
    deleted = {t: c.deleted for t, c in changes.items() if c.deleted}
    assert deleted, "advance deletes and re-inserts recent facts"
    reconcile = project.meltano(["invoke", "transmissor:reconcile"], environment=A)
    assert reconcile.ok, reconcile.output[-2000:]
    assert_converged(project, A)
    assert_converged(project, B)


def _kill_target_when_loading(project: ProjectCopy, ibge: str) -> subprocess.CompletedProcess:
    env = {**project.process_env(), "TARGET_POSTGRES_BATCH_SIZE_ROWS": "500"}
    process = subprocess.Popen(
        [meltano_executable(), f"--environment={ibge}", "run", "tap-pec", "target-postgres"],
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed = False
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline and not killed:
        for child in psutil.Process(process.pid).children(recursive=True):
            try:
                cmdline = " ".join(child.cmdline())
            except psutil.NoSuchProcess:
                continue
            if "target-postgres" in cmdline and _rows_loaded_since_start(project, ibge):
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                break
        time.sleep(0.05)
    output, _ = process.communicate(timeout=120)
    assert killed, "the loader finished before it could be killed"
    return subprocess.CompletedProcess(process.args, process.returncode, output)


def _rows_loaded_since_start(project: ProjectCopy, ibge: str) -> bool:
    """Whether any batch of this (new) município has been committed yet."""
    exists = sql.SQL(" or ").join(
        sql.SQL("exists (select from {} where co_municipio_ibge = %(ibge)s)").format(
            sql.Identifier("raw_pec", table.name)
        )
        for table in project.contract().tables
    )
    with project.warehouse() as conn:
        row = conn.execute(sql.SQL("select ") + exists, {"ibge": ibge}).fetchone()
    return bool(row and row[0])


def test_a_loader_killed_mid_load_then_a_rerun_converges(project: ProjectCopy) -> None:
    ibge = "3509502"  # Campinas (SP): a fresh município, big enough to be caught mid-load
    project.add_municipio(ibge, citizens=1500, seed=13)
    killed = _kill_target_when_loading(project, ibge)
    assert killed.returncode != 0
    assert not _converged_quietly(project, ibge), "the kill came after the load had finished"
    # Whatever state was saved before the kill, the re-run must converge without duplicates.
    project.el(ibge)
    assert_converged(project, ibge)
    assert_converged(project, A)


def _converged_quietly(project: ProjectCopy, ibge: str) -> bool:
    try:
        assert_converged(project, ibge)
    except AssertionError:
        return False
    return True


def test_the_daily_job_loads_reconciles_and_transforms(project: ProjectCopy) -> None:
    sandbox.advance(project.sources[B], days=2, seed=9)
    result = project.meltano(["run", "transmissao-diaria"], environment=B)
    assert result.ok, result.output[-3000:]
    assert_converged(project, B)
    # dbt ran after the load: the staging views show exactly the live raw rows of B.
    with project.warehouse() as conn:
        for table in project.contract().tables:
            model = "stg_pec__" + table.name.removeprefix("tb_")
            staged = conn.execute(
                sql.SQL("select count(*) from {} where co_municipio_ibge = %s").format(
                    sql.Identifier("staging", model)
                ),
                (B,),
            ).fetchone()[0]
            live = len(project.warehouse_keys(B, table.name, table.primary_key[0]))
            assert staged == live, f"{model}: {staged} staged, {live} live raw rows"


def test_a_new_municipio_s_carga_inicial_then_its_daily_job(project: ProjectCopy) -> None:
    ibge = "2304400"  # Fortaleza (CE)
    source = project.add_municipio(ibge, citizens=200, seed=13)
    first = project.meltano(["run", "carga-inicial"], environment=ibge)
    assert first.ok, first.output[-3000:]
    assert "ready to transmit" in first.output and "first load copied" in first.output
    assert "tap-pec" not in first.output  # every table by COPY, no Singer block
    assert_converged(project, ibge)
    # The daily job continues from the bookmarks the first load handed to Meltano.
    sandbox.advance(source, days=1, seed=14)
    daily = project.meltano(["run", "transmissao-diaria"], environment=ibge)
    assert daily.ok, daily.output[-3000:]
    assert "every large table has a bookmark; nothing to copy" in daily.output
    assert_converged(project, ibge)
