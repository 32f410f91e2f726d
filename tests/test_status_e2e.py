"""`transmissor status` after real runs on a brand-new warehouse, and dbt's source freshness.

A new banco analítico (no `transmissor` schema, Meltano's history empty), two municipalities,
each transmitted by a plain `meltano --environment=<IBGE> run transmissao-diaria`: nobody runs
`transmissor run`, `status` or `edge grant` before. Both transmissions are in the record and
`status` says OK. Then one município's facts stop arriving (its rows' `_sdc_batched_at` moved
back three days) while the other's dimensions have not changed for a month: `transmissor
freshness` (dbt's `source freshness` in each município's environment) says the first stale
and the second fresh, and `status` shows it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from psycopg import sql

from tests.project import PROJECT_ROOT, ProjectCopy
from transmissor.contract.render import checks_freshness
from transmissor.dev.localpg import LocalPostgres
from transmissor.warehouse.database import RAW_SCHEMA

pytestmark = pytest.mark.e2e

FRESH, STOPPED = "2611533", "1200401"  # Quixaba (PE), Rio Branco (AC)


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("status-e2e"), pg_server)
    project.add_municipio(FRESH, citizens=100, seed=41)
    project.add_municipio(STOPPED, citizens=100, seed=42)
    yield project


def transmissor(project: ProjectCopy, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "transmissor"), *args],
        cwd=project.root,
        env=project.process_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def status_json(project: ProjectCopy) -> tuple[int, dict]:
    done = transmissor(project, "status", "--format", "json")
    return done.returncode, json.loads(done.stdout)


def test_a_plain_meltano_run_on_a_new_warehouse_shows_ok(project: ProjectCopy) -> None:
    with project.warehouse() as conn:
        assert conn.execute("select to_regclass('transmissor.transmissoes')").fetchone()[0] is None
    for code in (FRESH, STOPPED):
        result = project.meltano(["run", "transmissao-diaria"], environment=code, timeout=900)
        assert result.ok, result.output[-3000:]
    # Recorded by the job itself, before any transmissor command looked.
    with project.warehouse() as conn:
        exists = conn.execute("select to_regclass('transmissor.transmissoes')").fetchone()[0]
        assert exists, "the daily job left no record of its transmissions"
        recorded = conn.execute(
            "select municipio, status, trigger, rows <> '{}'::jsonb "
            "from transmissor.transmissoes order by started_at"
        ).fetchall()
    assert recorded == [(FRESH, "success", "meltano", True), (STOPPED, "success", "meltano", True)]
    code, document = status_json(project)
    assert code == 0, document
    for m in document["municipios"]:
        assert m["state"] == "ok", m
        assert m["last_success"] and m["last_success"]["status"] == "success", m
        assert m["rows_today_total"] > 0, m
    table = transmissor(project, "status")
    assert table.returncode == 0, table.stdout + table.stderr
    assert "LATE" not in table.stdout and "never" not in table.stdout, table.stdout
    assert "2 ok" in table.stdout


def _shift(project: ProjectCopy, code: str, tables: list[str], interval: str) -> None:
    with project.warehouse() as conn:
        for table in tables:
            conn.execute(
                sql.SQL(
                    "update {} set _sdc_batched_at = _sdc_batched_at - %s::interval "
                    "where co_municipio_ibge = %s"
                ).format(sql.Identifier(RAW_SCHEMA, table)),
                (interval, code),
            )


def test_freshness_says_stale_for_the_municipio_whose_facts_stopped(project: ProjectCopy) -> None:
    contract = project.contract()
    facts = [t.name for t in contract.tables if checks_freshness(t)]
    rarely_changing = [t.name for t in contract.tables if not checks_freshness(t)]
    assert facts and rarely_changing
    _shift(project, STOPPED, facts, "3 days")
    _shift(project, FRESH, rarely_changing, "30 days")  # dimensions untouched for a month

    done = transmissor(project, "freshness", "--all")
    assert done.returncode == 1, done.stdout + done.stderr  # one município is stale
    assert f"{FRESH}: fresh" in done.stdout, done.stdout
    assert f"{STOPPED}: stale" in done.stdout, done.stdout
    with project.warehouse() as conn:
        recorded = dict(
            conn.execute(
                "select municipio || ' ' || status, count(*) from transmissor.source_freshness "
                "group by 1"
            ).fetchall()
        )
    # dbt watched every fact table of each and nothing else.
    assert recorded == {f"{FRESH} pass": len(facts), f"{STOPPED} error": len(facts)}

    code, document = status_json(project)
    assert code == 1 and document["alerts"] == [STOPPED], document["alerts"]
    states = {m["municipio"]: m["state"] for m in document["municipios"]}
    assert states == {FRESH: "ok", STOPPED: "stale"}
    stopped = next(m for m in document["municipios"] if m["municipio"] == STOPPED)
    assert set(stopped["freshness"]["behind"]) == set(facts)
    table = transmissor(project, "status").stdout
    line = next(line for line in table.splitlines() if line.startswith(STOPPED))
    assert "STALE" in line and "newest fact rows 3 days ago" in table, table
    page = transmissor(project, "status", "--format", "html").stdout
    assert 'data-facts="stale"' in page and 'data-facts="fresh"' in page
