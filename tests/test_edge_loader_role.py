"""The loader role of an edge box writes only its own município's rows (row-level security).

One real PostgreSQL (the session's test server), a project copy with two sandbox
municipalities, A and B, and their loader roles granted as `transmissor edge grant` does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.project import ProjectCopy
from transmissor.contract.model import MUNICIPIO_COLUMN
from transmissor.dev.localpg import LocalPostgres
from transmissor.edge import loader_role
from transmissor.warehouse import access
from transmissor.warehouse.database import RAW_SCHEMA

A = "2611533"  # Quixaba (PE)
B = "1200401"  # Rio Branco (AC)
TABLE = "tb_fat_atendimento_individual"
KEY = "co_seq_fat_atd_ind"


@pytest.fixture(scope="module")
def granted(
    tmp_path_factory: pytest.TempPathFactory, pg_server: LocalPostgres
) -> Iterator[tuple[ProjectCopy, dict[str, str]]]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("loader"), pg_server)
    project.add_municipio(A, citizens=200, seed=3)
    project.add_municipio(B, citizens=200, seed=4)
    # Meltano creates its system database (schema meltano) on its first command.
    assert project.meltano(["state", "list"]).ok
    passwords = {A: secrets.token_urlsafe(16), B: secrets.token_urlsafe(16)}
    with project.warehouse() as conn:
        for code, password in passwords.items():
            loader_role.grant(conn, project.contract(), code, password, central_version="0.0.0")
        # One row of B, written by the central role (the owner, exempt from the policies).
        conn.execute(
            sql.SQL("insert into {} ({}, {}) values (-1, %s)").format(
                sql.Identifier(RAW_SCHEMA, TABLE),
                sql.Identifier(KEY),
                sql.Identifier(MUNICIPIO_COLUMN),
            ),
            (B,),
        )
    yield project, passwords


def _as_loader(project: ProjectCopy, code: str, password: str) -> psycopg.Connection:
    return psycopg.connect(
        host="127.0.0.1",
        port=project.server.port,
        dbname=project.warehouse_db,
        user=loader_role.role_name(code),
        password=password,
        autocommit=True,
    )


def _insert(conn: psycopg.Connection, key: int, code: str) -> None:
    conn.execute(
        sql.SQL("insert into {} ({}, {}) values (%s, %s)").format(
            sql.Identifier(RAW_SCHEMA, TABLE), sql.Identifier(KEY), sql.Identifier(MUNICIPIO_COLUMN)
        ),
        (key, code),
    )


@pytest.mark.e2e
def test_loader_of_a_cannot_write_rows_of_b(granted: tuple[ProjectCopy, dict[str, str]]) -> None:
    project, passwords = granted
    raw = sql.Identifier(RAW_SCHEMA, TABLE)
    with _as_loader(project, A, passwords[A]) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            _insert(conn, -2, B)
        # B's rows are invisible to A: an UPDATE or DELETE reaches none of them.
        changed = conn.execute(
            sql.SQL("update {} set _sdc_deleted_at = now() where {} = %s").format(
                raw, sql.Identifier(MUNICIPIO_COLUMN)
            ),
            (B,),
        )
        assert changed.rowcount == 0
        deleted = conn.execute(
            sql.SQL("delete from {} where {} = %s").format(raw, sql.Identifier(MUNICIPIO_COLUMN)),
            (B,),
        )
        assert deleted.rowcount == 0
        # Its own row: allowed; moving it to B: refused by WITH CHECK.
        _insert(conn, -3, A)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                sql.SQL("update {} set {} = %s where {} = -3").format(
                    raw, sql.Identifier(MUNICIPIO_COLUMN), sql.Identifier(KEY)
                ),
                (B,),
            )
        # Not B's Meltano state either, nor DDL on the raw tables.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "insert into meltano.state (state_id, partial_state, completed_state) "
                "values (%s, '{}', '{}')",
                (f"{B}:tap-pec-to-target-postgres",),
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("alter table {} add column x text").format(raw))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("create table {} (x int)").format(sql.Identifier(RAW_SCHEMA, "x")))
        conn.execute(sql.SQL("delete from {} where {} = -3").format(raw, sql.Identifier(KEY)))
    with project.warehouse() as conn:
        rows = conn.execute(
            sql.SQL("select {}, {}, _sdc_deleted_at from {} where {} < 0 order by 1").format(
                sql.Identifier(KEY), sql.Identifier(MUNICIPIO_COLUMN), raw, sql.Identifier(KEY)
            )
        ).fetchall()
    assert rows == [(-1, B, None)]
    # `transmissor access status` does not count the confined loaders as extra writers.
    with project.warehouse() as conn:
        writers = access.status(conn).writers
    assert not [w for w in writers if w[0].startswith(("loader_", "transmissor_loaders"))]


@pytest.mark.e2e
def test_meltano_loads_under_the_loader_role(
    granted: tuple[ProjectCopy, dict[str, str]], tmp_path: Path
) -> None:
    """target-postgres (reflect, temp table, upsert) and reconciliation run as loader_A."""
    project, passwords = granted
    role = loader_role.role_name(A)
    project.settings.update(
        {
            "WAREHOUSE_USER": role,
            "WAREHOUSE_PASSWORD": passwords[A],
            "MELTANO_DATABASE_URI": (
                f"postgresql+psycopg://{role}:{passwords[A]}@127.0.0.1:{project.server.port}/"
                f"{project.warehouse_db}?options=-csearch_path%3Dmeltano"
            ),
        }
    )
    project.write_env()
    try:
        result = project.meltano(
            ["run", "transmissor:first-load", "transmissor:snapshot", "tap-pec", "target-postgres"],
            environment=A,
        )
        assert result.ok, result.output[-4000:]
        result = project.meltano(["invoke", "transmissor", "reconcile"], environment=A)
        assert result.ok, result.output[-4000:]
    finally:
        project.settings.clear()
        project.write_env()
    with project.warehouse() as conn:
        municipios = conn.execute(
            sql.SQL("select distinct {} from {}").format(
                sql.Identifier(MUNICIPIO_COLUMN), sql.Identifier(RAW_SCHEMA, TABLE)
            )
        ).fetchall()
        state = conn.execute("select state_id from meltano.state").fetchall()
        runs = conn.execute(
            "select municipio, status from transmissor.transmissoes order by id"
        ).fetchall()
    assert set(municipios) == {(A,), (B,)}
    assert (f"{A}:tap-pec-to-target-postgres",) in state
    assert runs and runs[-1] == (A, "success")
