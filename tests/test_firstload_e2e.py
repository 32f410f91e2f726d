"""The COPY first load equals the Singer path on the same data: rows, types and state."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from psycopg import sql

from tests.project import ProjectCopy
from tests.test_transmission_e2e import assert_converged
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.load.first_load import fast_tables

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse_versions]

SINGER, COPY = "2927408", "3304557"  # Salvador (BA) and Rio de Janeiro (RJ), same source data


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("firstload"), pg_server)
    url = project.add_municipio(SINGER, citizens=300, seed=41)
    project.register(COPY, url)
    project.el(SINGER)
    yield project


def _state(project: ProjectCopy, ibge: str) -> dict:
    result = project.meltano(["state", "get", f"{ibge}:tap-pec-to-target-postgres"])
    assert result.ok, result.output[-1000:]
    return json.loads(result.output.strip().splitlines()[-1])


def _columns(project: ProjectCopy, table: str) -> list[tuple[str, str]]:
    with project.warehouse() as conn:
        return conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_pec' and table_name = %s order by ordinal_position",
            (table,),
        ).fetchall()


def difference(
    project: ProjectCopy, table: str, columns: list[str], a: str = SINGER, b: str = COPY
) -> int:
    """Rows of município `a` not in `b`'s, both ways, on the contract columns."""
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    relation = sql.Identifier("raw_pec", table)
    query = sql.SQL(
        "select count(*) from ("
        "(select {c} from {r} where co_municipio_ibge = %(a)s except all "
        " select {c} from {r} where co_municipio_ibge = %(b)s) union all "
        "(select {c} from {r} where co_municipio_ibge = %(b)s except all "
        " select {c} from {r} where co_municipio_ibge = %(a)s)) d"
    ).format(c=cols, r=relation)
    with project.warehouse() as conn:
        return conn.execute(query, {"a": a, "b": b}).fetchone()[0]


def test_first_load_by_copy_equals_the_singer_path(project: ProjectCopy) -> None:
    result = project.meltano(["invoke", "transmissor:first-load"], environment=COPY)
    assert result.ok, result.output[-2000:]
    assert "first load copied" in result.output
    contract = project.contract()
    # The copy handed its bookmarks to Meltano: the same as the Singer run left.
    singer_bookmarks = _state(project, SINGER)["singer_state"]["bookmarks"]
    copy_bookmarks = _state(project, COPY)["singer_state"]["bookmarks"]
    for table in fast_tables(contract):
        assert copy_bookmarks[table.stream_id] == singer_bookmarks[table.stream_id]
    # Same rows, column by column (values compared as values: 80 = 80.0).
    for table in fast_tables(contract):
        assert difference(project, table.name, list(table.columns)) == 0, table.name
    # The incremental path continues where the copy ended, then everything matches.
    project.el(COPY)
    for table in contract.tables:
        assert difference(project, table.name, list(table.columns)) == 0, table.name
    assert_converged(project, COPY)


def test_a_copy_into_a_new_warehouse_creates_the_loader_s_tables(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory, project: ProjectCopy
) -> None:
    fresh = ProjectCopy.create(tmp_path_factory.mktemp("fresh"), pg_server)
    fresh.register(COPY, project.sources[SINGER])
    result = fresh.meltano(["invoke", "transmissor:first-load"], environment=COPY)
    assert result.ok, result.output[-2000:]
    fresh.el(COPY)  # the loader accepts the tables the copy created
    for table in fast_tables(project.contract()):
        assert _columns(fresh, table.name) == _columns(project, table.name), table.name
    assert_converged(fresh, COPY)


def test_then_the_daily_job_is_incremental(project: ProjectCopy) -> None:
    sandbox.advance(project.sources[SINGER], days=1, seed=2)
    # Not the whole job: its preflight rightly refuses COPY, which reads SINGER's PEC.
    result = project.meltano(
        [
            "run",
            "transmissor:first-load",
            "transmissor:snapshot",
            "tap-pec",
            "target-postgres",
            "transmissor:reconcile",
        ],
        environment=COPY,
    )
    assert result.ok, result.output[-3000:]
    assert "every large table has a bookmark; nothing to copy" in result.output
    assert_converged(project, COPY)
