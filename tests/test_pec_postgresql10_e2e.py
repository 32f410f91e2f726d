"""A banco do município on PostgreSQL 10, end to end: what a real PEC's server runs.

PEC installations run old PostgreSQL (a PEC 5.5.28 was seen on 9.6); the rest of the suite
reads PECs on the test server (18, and 15). Here the PEC is a PostgreSQL 10 server, the oldest
that installs on this machine (the npm registry's build, tests.conftest.start_server), and
everything that runs on it runs as it would in a município: the sandbox creates the PEC, the
DBA's read-only role script is applied with psql, `municipio check` passes as that role, and
as that role the first load (`carga-inicial`), the daily job (pre-flight, snapshot, Singer,
reconciliation, dbt) and a reconciliation of every month leave the banco analítico (on the
session's server) equal to the PEC.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import start_server
from tests.pec_access import install_readonly_role, role_url
from tests.project import REFERENCE_DATE, ProjectCopy
from tests.test_transmission_e2e import assert_converged
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse_versions]

IBGE = "1501402"  # Belém (PA)
ROLE = "transmissor_leitura"  # the script's own role name
PASSWORD = f"leitura-{uuid.uuid4().hex[:12]}"  # made up per run: no literal secret
VERSION = "10"


@dataclass
class Pec10:
    server: LocalPostgres
    database: str
    role_output: str  # what psql printed while applying the role script

    @property
    def admin_url(self) -> str:
        """The PEC's superuser: for the municipality's own changes (sandbox advance)."""
        return self.server.url(self.database)


@pytest.fixture(scope="module")
def pec(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pec10]:
    """A PostgreSQL 10 server with a sandbox PEC and the read-only role, applied with psql."""
    root = tmp_path_factory.mktemp("pec10")
    server = start_server(root / "pg", VERSION)
    database = "esus"
    sandbox.create(server.url(database), IBGE, citizens=300, seed=17, reference_date=REFERENCE_DATE)
    done = install_readonly_role(server, database, ROLE, PASSWORD, root)
    yield Pec10(server, database, done.stdout + done.stderr)
    server.destroy()


@pytest.fixture(scope="module")
def project(
    pec: Pec10, pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    """The município registered as the DBA hands it over: the read-only role and its password."""
    project = ProjectCopy.create(tmp_path_factory.mktemp("pec10_project"), pg_server, deployed=True)
    project.register(IBGE, role_url(pec.server, pec.database, ROLE, PASSWORD))
    yield project


def _ok(project: ProjectCopy, args: list[str]) -> str:
    result = project.meltano(args, environment=IBGE)
    assert result.ok, result.output[-3000:]
    return result.output


def test_the_sandbox_and_the_role_script_run_on_postgresql_10(pec: Pec10, tmp_path: Path) -> None:
    with psycopg.connect(pec.admin_url) as conn:
        assert conn.execute("show server_version_num").fetchone()[0].startswith(VERSION)
        assert conn.execute("select count(*) from tb_fat_cidadao_pec").fetchone()[0] >= 300
    assert "WARNING" not in pec.role_output, pec.role_output  # every contract column granted
    # Re-runnable, as the script promises (a second run repairs drift).
    install_readonly_role(pec.server, pec.database, ROLE, PASSWORD, tmp_path)
    with psycopg.connect(role_url(pec.server, pec.database, ROLE, PASSWORD)) as conn:
        assert conn.execute("show default_transaction_read_only").fetchone()[0] == "on"


def test_municipio_check_passes_as_the_read_only_role(project: ProjectCopy) -> None:
    output = _ok(project, ["invoke", "transmissor", "municipio", "check", IBGE])
    assert "[  ok] server: PostgreSQL 10." in output
    assert "33/33 tables present, " in output and "[FAIL]" not in output
    assert "all 99 INSERT/UPDATE/DELETE attempts refused" in output
    assert "ready (compatible, read-only)" in output


def test_carga_inicial_copies_everything_from_postgresql_10(project: ProjectCopy) -> None:
    output = _ok(project, ["run", "carga-inicial"])
    assert "ready to transmit" in output and "first load copied" in output
    assert_converged(project, IBGE)


def test_the_daily_job_then_reads_postgresql_10(pec: Pec10, project: ProjectCopy) -> None:
    changes = sandbox.advance(pec.admin_url, days=2, seed=19)
    deleted = sum(c.deleted for c in changes.values())
    assert deleted, "advance deletes and re-inserts recent facts"
    output = _ok(project, ["run", "transmissao-diaria"])
    assert "every large table has a bookmark; nothing to copy" in output
    assert f"{deleted} rows marked deleted" in output  # the job's reconciliation, on 10
    assert_converged(project, IBGE)
    with project.warehouse() as conn:
        staged = conn.execute(
            "select count(*) from staging.stg_pec__fat_cidadao_pec where co_municipio_ibge = %s",
            (IBGE,),
        ).fetchone()[0]
    assert staged >= 300  # dbt built the município's rows


def test_reconciling_every_month_finds_an_old_deletion(pec: Pec10, project: ProjectCopy) -> None:
    table, key = "tb_fat_visita_domiciliar", "co_seq_fat_visita_domiciliar"
    with psycopg.connect(pec.admin_url, autocommit=True) as conn:
        oldest = conn.execute(f"select min({key}) from {table}").fetchone()[0]
        conn.execute(f"delete from {table} where {key} = %s", (oldest,))
    output = _ok(project, ["invoke", "transmissor", "reconcile", "--municipio", IBGE])
    assert "1 rows marked deleted, 0 missing" in output
    assert_converged(project, IBGE)
