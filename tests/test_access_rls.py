"""`transmissor access`: each município's role reads only its own mart rows; only the loader writes.

The warehouse here is owned by a plain loader role (LOGIN CREATEROLE, no superuser), as in a
deployment; the marts are stand-ins with the shape the real ones have (`co_municipio_ibge` on
every row), so the test holds whatever dbt builds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import errors, sql

from tests.conftest import start_server
from transmissor.cli import main
from transmissor.dev.localpg import LocalPostgres
from transmissor.dev.pg_binaries import DEFAULT_VERSION
from transmissor.warehouse import access

A, B = "2611533", "1200401"  # Quixaba (PE), Rio Branco (AC)


@dataclass
class Warehouse:
    server: LocalPostgres
    database: str
    loader: str
    password: str

    def url(self, user: str, password: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.server.port}/{self.database}"

    def as_loader(self) -> psycopg.Connection:
        return psycopg.connect(self.url(self.loader, self.password), autocommit=True)

    def as_superuser(self) -> psycopg.Connection:
        return psycopg.connect(self.server.url(self.database), autocommit=True)


MARTS = """
create schema raw_pec;
create table raw_pec.tb_fat_cidadao_pec (co_municipio_ibge text, co_seq int, no_cidadao text);
insert into raw_pec.tb_fat_cidadao_pec values
    ('2611533', 1, 'Maria de Quixaba'), ('1200401', 1, 'Joana de Rio Branco');
create schema marts;
create table marts.lista_gestantes (co_municipio_ibge text, pessoa text);
insert into marts.lista_gestantes values
    ('2611533', 'Maria de Quixaba'), ('2611533', 'Ana de Quixaba'),
    ('1200401', 'Joana de Rio Branco');
create table marts.indicadores (co_municipio_ibge varchar(7), indicador text, valor numeric);
insert into marts.indicadores values ('2611533', 'gestantes', 0.5), ('1200401', 'gestantes', 0.7);
create table marts.referencia_cbo (co_cbo text);
insert into marts.referencia_cbo values ('225142');
create view marts.vw_gestantes as select * from marts.lista_gestantes;
"""

# dbt's `table` materialisation: build beside, swap by renames, drop the old table.
DBT_REBUILD = """
create table marts.lista_gestantes__dbt_tmp as select * from marts.lista_gestantes;
insert into marts.lista_gestantes__dbt_tmp values ('1200401', 'Nova de Rio Branco');
alter table marts.lista_gestantes rename to lista_gestantes__dbt_backup;
alter table marts.lista_gestantes__dbt_tmp rename to lista_gestantes;
drop table marts.lista_gestantes__dbt_backup cascade;
create view marts.vw_gestantes as select * from marts.lista_gestantes;
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """A server of this module's own. The município roles (`municipios`, `municipio_<IBGE>`)
    are cluster-wide: made first by another module's superuser on a shared server, they could
    not be granted by the loader role here (since PostgreSQL 16 only a role with ADMIN on
    them may), and this module would pass or fail by the order the modules ran in."""
    own = start_server(tmp_path_factory.mktemp("access_pg"), DEFAULT_VERSION)
    yield own
    own.destroy()


@pytest.fixture(scope="module")
def warehouse(server: LocalPostgres) -> Iterator[Warehouse]:
    suffix = uuid.uuid4().hex[:8]
    database, loader, password = f"warehouse_{suffix}", f"loader_{suffix}", f"pw-{suffix}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("create role {} login createrole password {}").format(
                sql.Identifier(loader), sql.Literal(password)
            )
        )
        conn.execute(
            sql.SQL("create database {} owner {}").format(
                sql.Identifier(database), sql.Identifier(loader)
            )
        )
    wh = Warehouse(server, database, loader, password)
    with wh.as_loader() as conn:
        conn.execute(MARTS)
    yield wh


@pytest.fixture
def loader_env(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch, tmp_path) -> Warehouse:
    (tmp_path / "meltano.yml").write_text("include_paths: []\n")
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(tmp_path))
    for key, value in {
        "WAREHOUSE_HOST": "127.0.0.1",
        "WAREHOUSE_PORT": str(warehouse.server.port),
        "WAREHOUSE_USER": warehouse.loader,
        "WAREHOUSE_PASSWORD": warehouse.password,
        "WAREHOUSE_DATABASE": warehouse.database,
    }.items():
        monkeypatch.setenv(key, value)
    return warehouse


def _person(wh: Warehouse, *codes: str) -> tuple[str, str]:
    """A login role that belongs to the given municípios' roles."""
    name, password = f"pessoa_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with wh.as_superuser() as conn:
        conn.execute(
            sql.SQL("create role {} login password {}").format(
                sql.Identifier(name), sql.Literal(password)
            )
        )
        for code in codes:
            conn.execute(
                sql.SQL("grant {} to {}").format(
                    sql.Identifier(access.role_name(code)), sql.Identifier(name)
                )
            )
    return name, password


def _rows(conn: psycopg.Connection, table: str) -> set[str]:
    return {
        row[0]
        for row in conn.execute(sql.SQL("select co_municipio_ibge from {}").format(sql.SQL(table)))
    }


def test_each_municipio_reads_only_its_own_rows(
    loader_env: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", A, "--municipio", B]) == 0
    out = capsys.readouterr().out
    assert "2 marts table(s) readable by municipios under row-level security" in out
    assert "not shared: marts.referencia_cbo (no co_municipio_ibge column)" in out
    assert "not shared: marts.vw_gestantes" in out
    # Re-running changes nothing and fails on nothing.
    assert main(["access", "apply", "--municipio", A, "--municipio", B]) == 0

    ana, ana_pw = _person(wh, A)
    bruno, bruno_pw = _person(wh, B)
    regional, regional_pw = _person(wh, A, B)
    stranger, stranger_pw = _person(wh)
    with psycopg.connect(wh.url(ana, ana_pw), autocommit=True) as conn:
        assert _rows(conn, "marts.lista_gestantes") == {A}
        assert _rows(conn, "marts.indicadores") == {A}
        assert conn.execute("select count(*) from marts.lista_gestantes").fetchone()[0] == 2
        # Asking for the other município's rows explicitly returns nothing.
        assert not conn.execute(
            "select * from marts.lista_gestantes where co_municipio_ibge = %s", (B,)
        ).fetchall()
    with psycopg.connect(wh.url(bruno, bruno_pw), autocommit=True) as conn:
        assert _rows(conn, "marts.lista_gestantes") == {B}
        assert _rows(conn, "marts.indicadores") == {B}
    with psycopg.connect(wh.url(regional, regional_pw), autocommit=True) as conn:
        assert _rows(conn, "marts.lista_gestantes") == {A, B}
    with (
        psycopg.connect(wh.url(stranger, stranger_pw), autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute("select * from marts.lista_gestantes")


@pytest.mark.parametrize(
    "statement",
    [
        "insert into marts.lista_gestantes values ('2611533', 'x')",
        "update marts.lista_gestantes set pessoa = 'x'",
        "delete from marts.lista_gestantes",
        "truncate marts.indicadores",
        "create table marts.intruso (x int)",
        "insert into raw_pec.tb_fat_cidadao_pec values ('2611533', 9, 'x')",
        "update raw_pec.tb_fat_cidadao_pec set no_cidadao = 'x'",
        "delete from raw_pec.tb_fat_cidadao_pec",
        "select * from raw_pec.tb_fat_cidadao_pec",
        "select * from marts.referencia_cbo",
        "select * from marts.vw_gestantes",
        "create table public.intruso (x int)",
    ],
)
def test_a_municipio_role_writes_nothing_and_reads_no_raw_data(
    loader_env: Warehouse, statement: str
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", A]) == 0
    ana, ana_pw = _person(wh, A)
    with (
        psycopg.connect(wh.url(ana, ana_pw), autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute(statement)


def test_the_loader_is_the_only_writer(
    loader_env: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", A, "--municipio", B]) == 0
    with wh.as_loader() as conn:
        conn.execute("insert into marts.indicadores values ('2611533', 'teste', 1)")
        conn.execute("delete from marts.indicadores where indicador = 'teste'")
        state = access.status(conn)
    assert state.writers == []
    assert not state.leaks
    assert {"marts.lista_gestantes", "marts.indicadores"} <= set(state.protected)
    assert main(["access", "status"]) == 0
    assert "only the warehouse role writes" in capsys.readouterr().out
    # A stray grant is caught.
    with wh.as_superuser() as conn:
        conn.execute(f"grant insert on marts.indicadores to {access.role_name(A)}")
    try:
        assert main(["access", "status"]) == 1
        err = capsys.readouterr().err
        assert f"{access.role_name(A)} INSERT marts.indicadores" in err
    finally:
        with wh.as_superuser() as conn:
            conn.execute(f"revoke insert on marts.indicadores from {access.role_name(A)}")


def test_a_dbt_rebuild_fails_closed_until_access_is_applied_again(
    loader_env: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", A, "--municipio", B]) == 0
    ana, ana_pw = _person(wh, A)
    with wh.as_loader() as conn:
        conn.execute(DBT_REBUILD)
        state = access.status(conn)
    # The rebuilt table lost its policy and its grant: unreadable, never readable unfiltered.
    assert "marts.lista_gestantes" in state.unprotected
    assert not state.leaks
    with (
        psycopg.connect(wh.url(ana, ana_pw), autocommit=True) as conn,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        conn.execute("select * from marts.lista_gestantes")
    assert main(["access", "apply"]) == 0  # no --municipio: roles kept, tables protected again
    with psycopg.connect(wh.url(ana, ana_pw), autocommit=True) as conn:
        assert _rows(conn, "marts.lista_gestantes") == {A}


def test_a_view_granted_by_hand_is_reported_and_revoked(
    loader_env: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", A]) == 0
    with wh.as_loader() as conn:
        conn.execute(f"grant select on marts.vw_gestantes to {access.GROUP_ROLE}")
    assert main(["access", "status"]) == 1
    assert "may read marts.vw_gestantes without row-level security" in capsys.readouterr().err
    assert main(["access", "apply"]) == 0
    assert main(["access", "status"]) == 0


def test_an_unknown_code_is_refused_and_nothing_is_created(
    loader_env: Warehouse, capsys: pytest.CaptureFixture[str]
) -> None:
    wh = loader_env
    assert main(["access", "apply", "--municipio", "2611607"]) == 1
    assert "names no municipality" in capsys.readouterr().err
    with wh.as_loader() as conn:
        assert not conn.execute(
            "select 1 from pg_roles where rolname = 'municipio_2611607'"
        ).fetchone()


def test_the_policy_sql_for_a_dbt_post_hook() -> None:
    text = access.policy_sql("marts", "lista_gestantes")
    assert 'alter table "marts"."lista_gestantes" enable row level security;' in text
    assert 'create policy "municipio_rows"' in text
    assert 'grant select on "marts"."lista_gestantes" to "municipios";' in text
