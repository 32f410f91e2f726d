"""The read-only role script for the banco do município, and `transmissor municipio check`."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from tests.pec_access import (
    PROJECT_ROOT,
    install_readonly_role,
    new_role_name,
    pec_database,
    role_url,
)
from transmissor.cli import main
from transmissor.contract import readonly_role
from transmissor.contract.model import Contract
from transmissor.dev.localpg import SUPERUSER, LocalPostgres
from transmissor.municipios import environments

IBGE = "2611533"  # Quixaba (PE)
PASSWORD = f"leitura-{uuid.uuid4().hex[:12]}"  # made up per run: no literal secret


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root with the real contract and no município registered."""
    project = tmp_path / "project"
    (project / "extract").mkdir(parents=True)
    (project / "meltano.yml").write_text("include_paths: []\n")
    shutil.copy(PROJECT_ROOT / "extract" / "contract.yml", project / "extract" / "contract.yml")
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(project))
    monkeypatch.delenv(environments.password_variable(IBGE), raising=False)
    return project


def register(root: Path, server: LocalPostgres, database: str, user: str) -> None:
    environments.add(root, IBGE, "127.0.0.1", server.port, database, user)


# -- the script --------------------------------------------------------------------------------


def test_the_script_is_generated_from_the_contract() -> None:
    on_disk = (PROJECT_ROOT / readonly_role.SCRIPT_PATH).read_text(encoding="utf-8")
    assert on_disk == readonly_role.rendered(PROJECT_ROOT), (
        "run `transmissor municipio role-sql --write`"
    )
    for table in Contract.load(PROJECT_ROOT).tables:
        assert f"('{table.name}', '{','.join(table.columns)}')" in on_disk


def test_the_script_avoids_what_postgresql_96_lacks() -> None:
    script = (PROJECT_ROOT / readonly_role.SCRIPT_PATH).read_text(encoding="utf-8")
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("--"))
    upper = code.upper()
    for newer in (
        "CREATE ROLE IF NOT EXISTS",  # in no version at all
        "PG_READ_ALL_DATA",  # 14
        "CREATE PROCEDURE",  # 11
        "CREATE OR REPLACE PROCEDURE",
        "TO_REGCLASS",  # text argument only from 9.6 on; avoided anyway
        "SECURITY_INVOKER",  # 15
        "GRANT SELECT ON ALL TABLES",  # wider than the contract
    ):
        assert newer not in upper, newer
    assert not re.search(r"^\s*\\", code, re.MULTILINE), "psql meta-commands"
    assert "PASSWORD" not in upper, "no password in the script"


def test_role_names_are_checked() -> None:
    with pytest.raises(Exception, match="not a usable role name"):
        readonly_role.render(Contract.load(PROJECT_ROOT), "leitura; drop table x")


# -- the role on a real PEC --------------------------------------------------------------------


def test_the_role_reads_exactly_the_contract_and_writes_nothing(
    pg_server: LocalPostgres, tmp_path: Path
) -> None:
    database = pec_database(pg_server)
    role = new_role_name()
    install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    contract = Contract.load(PROJECT_ROOT)
    with psycopg.connect(role_url(pg_server, database, role, PASSWORD), autocommit=True) as conn:
        # Every contract column can be read.
        for table in contract.tables:
            conn.execute(
                sql.SQL("select {} from {} limit 1").format(
                    sql.SQL(", ").join(map(sql.Identifier, table.columns)),
                    sql.Identifier("public", table.name),
                )
            )
        # A column outside the contract cannot (tb_fat_cidadao_pec has more than it sends).
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("select * from public.tb_fat_cidadao_pec limit 1")
        # Nor can a table outside the contract.
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("select * from public.tb_dim_tempo limit 1")
        # Sessions start read-only; even in a read-write transaction nothing may be written.
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
        conn.execute("begin read write")
        for statement in (
            "insert into public.tb_dim_sexo (co_seq_dim_sexo) values (99)",
            "update public.tb_dim_sexo set co_seq_dim_sexo = co_seq_dim_sexo",
            "delete from public.tb_dim_sexo",
            "truncate public.tb_dim_sexo",
            "create table public.intruso (x int)",
            "create schema intruso",
        ):
            conn.execute("savepoint s")
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.execute("rollback to savepoint s")
        conn.execute("rollback")


def test_re_running_the_script_takes_back_extra_grants(
    pg_server: LocalPostgres, tmp_path: Path
) -> None:
    database = pec_database(pg_server)
    role = new_role_name()
    first = install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    assert "WARNING" not in first.stderr, first.stderr
    with psycopg.connect(pg_server.url(database), autocommit=True) as conn:
        conn.execute(f"grant insert, select on public.tb_dim_sexo, public.tb_dim_tempo to {role}")
        conn.execute(f"alter role {role} createdb")
    install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    with psycopg.connect(pg_server.url(database), autocommit=True) as conn:
        row = conn.execute(
            "select has_table_privilege(%(r)s, 'public.tb_dim_sexo', 'INSERT'), "
            "has_table_privilege(%(r)s, 'public.tb_dim_tempo', 'SELECT'), "
            "has_column_privilege(%(r)s, 'public.tb_dim_sexo', 'co_seq_dim_sexo', 'SELECT'), "
            "(select rolcreatedb from pg_roles where rolname = %(r)s)",
            {"r": role},
        ).fetchone()
    assert row == (False, False, True, False)


# -- transmissor municipio check ---------------------------------------------------------------


def test_check_passes_for_the_read_only_role(
    pg_server: LocalPostgres,
    root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = pec_database(pg_server)
    role = new_role_name()
    install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    register(root, pg_server, database, role)
    monkeypatch.setenv(environments.password_variable(IBGE), PASSWORD)
    assert main(["municipio", "check", IBGE]) == 0
    out = capsys.readouterr().out
    assert "município 2611533 (Quixaba/PE)" in out
    assert "TLS: not in use, sslmode prefer" in out  # the local sandbox has no TLS: a warning
    assert "[WARN] TLS" in out
    assert "33/33 tables present" in out
    assert "tb_dim_municipio.co_ibge has 2611533" in out
    assert re.search(r"all \d+ INSERT/UPDATE/DELETE attempts refused", out)
    assert "reads nothing beyond extract/contract.yml" in out
    assert "sessions start read-only" in out
    assert "ready (compatible, read-only)" in out


def test_check_fails_for_a_role_that_can_write(
    pg_server: LocalPostgres,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = pec_database(pg_server)
    register(root, pg_server, database, SUPERUSER)
    monkeypatch.setenv(environments.password_variable(IBGE), pg_server.password())
    assert main(["municipio", "check", IBGE]) == 1
    captured = capsys.readouterr()
    assert "[FAIL] role: transmissor has superuser" in captured.out
    assert "[FAIL] write attempts" in captured.out
    assert "município 2611533 (Quixaba/PE) is not ready" in captured.err
    assert str(readonly_role.SCRIPT_PATH) in captured.err
    # The attempts were rolled back: the PEC is unchanged.
    with psycopg.connect(pg_server.url(database)) as conn:
        assert conn.execute("select count(*) from tb_dim_sexo").fetchone()[0] > 0


def test_check_fails_for_a_role_with_one_extra_write_grant(
    pg_server: LocalPostgres,
    root: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = pec_database(pg_server)
    role = new_role_name()
    install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    with psycopg.connect(pg_server.url(database), autocommit=True) as conn:
        conn.execute(f"grant update on public.tb_dim_equipe to {role}")
    register(root, pg_server, database, role)
    monkeypatch.setenv(environments.password_variable(IBGE), PASSWORD)
    assert main(["municipio", "check", IBGE]) == 1
    out = capsys.readouterr().out
    assert f"[FAIL] writes: {role} may UPDATE on 1 object(s)" in out
    assert "[FAIL] write attempts: 1 of" in out
    assert "UPDATE tb_dim_equipe" in out


def test_a_remote_host_without_required_tls_fails(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transmissor.load import pec_check as check

    environments.add(root, IBGE, "pec.quixaba.example", 5432, "esus", "leitura", "prefer")
    env = check.registered_environment(root, IBGE)
    report = check.Report(env)

    class _Conn:
        class pgconn:  # noqa: N801 - mimics psycopg's attribute
            ssl_in_use = True

        def execute(self, *_: object) -> _Conn:
            return self

        def fetchone(self) -> tuple[str, str]:
            return ("TLSv1.3", "TLS_AES_256_GCM_SHA384")

    check._tls(_Conn(), report)  # type: ignore[arg-type]
    (finding,) = report.findings
    assert finding.level == check.FAIL
    assert "set `ssl_mode: require`" in finding.message
    assert "environments/2611533.meltano.yml" in finding.message
