"""A município reached through an SSH bastion, end to end (tests/ssh_lab.py: Debian's sshd as
the bastion, key-only; a PEC with TLS that only the bastion reaches).

Registered with `transmissor municipio add --ssh-host/--ssh-user`, its key in .env: the daily
job's extract-load (pre-flight and reconciliation through the project's own tunnel, every
table by Singer through tap-postgres's) converges row by row, with pseudonymisation on and the
columns tests/pseudonyms.py marks; a day of reprocessing later, reconciliation marks the
deletions and re-syncs a gap through the tunnel, and the next runs converge again. A wrong
key, a missing key, a bastion that refuses the connection and one that refuses to forward each
stop the daily job, `transmissor run` and `transmissor reconcile` with a clear error naming
the município, nothing written and no Meltano state.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.project import PROJECT_ROOT, REFERENCE_DATE, ProjectCopy
from tests.pseudonyms import (
    FICHA,
    LATE_FICHA,
    MARKED_COLUMN,
    PERSON,
    assert_converged,
    clear_values,
    expected,
    leaks,
    mark_columns,
    person_pseudonyms,
    plant_late_ficha,
    plant_person,
    turn_on,
)
from tests.ssh_lab import BASTION_USER, PEC_PORT, SSH_PORT, Key, Lab, create_database, lab
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.municipios import environments
from transmissor.warehouse.database import RAW_SCHEMA

pytestmark = pytest.mark.e2e

TUNNELLED = "2611606"  # Recife (PE)
# One município per failure, registered like TUNNELLED but for what breaks.
WRONG_KEY = "3550308"  # São Paulo (SP): a key the bastion does not authorise
NO_KEY = "3304557"  # Rio de Janeiro (RJ): PEC_SSH_PRIVATE_KEY_3304557 unset
REFUSING = "5300108"  # Brasília (DF): nothing listens on the bastion's port
NO_FORWARD = "4106902"  # Curitiba (PR): a key the bastion authorises for no forward to the PEC
READONLY = "transmissor_leitura"
BIN = Path(sys.executable).parent


@dataclass
class Tunnelled:
    lab: Lab
    project: ProjectCopy
    url: str  # the PEC, as the tests reach it (their own forward)
    registered: str  # what `municipio add` printed


def _transmissor(project: ProjectCopy, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "transmissor"), *args],
        cwd=project.root,
        env={**project.process_env(), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _readonly_role(url: str) -> str:
    """The municipal DBA's script for the read-only role; returns its password."""
    password = secrets.token_urlsafe(16)
    script = (PROJECT_ROOT / "extract/sql/pec_readonly_role.sql").read_text(encoding="utf-8")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)
        conn.execute(
            sql.SQL("alter role {} password {}").format(sql.Identifier(READONLY), password)
        )
    return password


def _register(project: ProjectCopy, the_lab: Lab, ibge: str, ssh_port: int = SSH_PORT) -> str:
    done = _transmissor(
        project, "municipio", "add", "--ibge", ibge, "--host", the_lab.pec_address,
        "--port", str(PEC_PORT), "--database", "esus", "--user", READONLY,
        "--ssh-host", the_lab.bastion_address, "--ssh-port", str(ssh_port),
        "--ssh-user", BASTION_USER,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def tunnelled(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tunnelled]:
    base = tmp_path_factory.mktemp("ssh")
    with lab(base / "lab") as the_lab:
        url = create_database(the_lab, "esus")
        sandbox.create(url, TUNNELLED, citizens=150, seed=51, reference_date=REFERENCE_DATE)
        plant_person(url)
        password = _readonly_role(url)
        key = Key.generate(base, "municipio")
        the_lab.bastion.authorize(key)
        project = ProjectCopy.create(base, pg_server, deployed=True)
        mark_columns(project.root)
        turn_on(project)
        registered = _register(project, the_lab, TUNNELLED)
        project.sources[TUNNELLED] = url
        project.settings.update(
            {
                environments.password_variable(TUNNELLED): password,
                environments.ssh_key_variable(TUNNELLED): key.private,
            }
        )
        project.write_env()
        yield Tunnelled(the_lab, project, url, registered)


def _run(project: ProjectCopy) -> str:
    """The daily job's extract-load through `transmissor run` (what the fleet and Airflow run;
    its dbt step reads no PEC); returns the município's Meltano log."""
    done = _transmissor(project, "run", "--municipio", TUNNELLED, "--step", "extract-load")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (log,) = sorted((project.root / "logs/run").glob(f"*/{TUNNELLED}.attempt1.log"))[-1:]
    return log.read_text(encoding="utf-8")


def _assert_converged(tunnelled: Tunnelled) -> None:
    project = tunnelled.project
    assert assert_converged(project, TUNNELLED, tunnelled.url) > 1000
    with project.warehouse() as conn:
        assert leaks(conn, TUNNELLED, clear_values(tunnelled.url, project.contract())) == []


def test_the_pec_is_reachable_only_through_the_bastion_and_by_key(tunnelled: Tunnelled) -> None:
    the_lab = tunnelled.lab
    with pytest.raises(psycopg.OperationalError, match=r"unreachable|No route"):
        psycopg.connect(
            host=the_lab.pec_address, port=PEC_PORT, dbname="esus", user=READONLY,
            password="x", connect_timeout=3,
        )  # fmt: skip
    password_login = subprocess.run(
        ["ssh", "-p", str(SSH_PORT), "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
         "-o", "PreferredAuthentications=password,keyboard-interactive",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         f"{BASTION_USER}@{the_lab.bastion_address}", "true"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert password_login.returncode != 0
    assert "Permission denied (publickey)" in password_login.stderr
    assert environments.ssh_key_variable(TUNNELLED) in tunnelled.registered
    env_file = (tunnelled.project.root / f"environments/{TUNNELLED}.meltano.yml").read_text()
    assert f"host: {the_lab.bastion_address}" in env_file and "ssl_mode: require" in env_file
    assert "PRIVATE KEY" not in env_file  # the key stays in .env


def test_the_daily_job_and_reconcile_run_through_the_tunnel_and_converge(
    tunnelled: Tunnelled,
) -> None:
    project, url = tunnelled.project, tunnelled.url
    first = _run(project)
    assert "through the SSH bastion" in first and "ready to transmit" in first  # pre-flight
    assert "the first load goes through Meltano" in first
    assert f"município {TUNNELLED}: reconciled" in first
    _assert_converged(tunnelled)

    # A day of reprocessing (rows deleted and re-inserted under new keys), a registration
    # only Singer carries, and a gap: two old rows lost from the banco analítico.
    changes = sandbox.advance(url, days=2, seed=7)
    deleted = sum(c.deleted for c in changes.values())
    assert deleted
    plant_late_ficha(url)
    table, key = "tb_fat_visita_domiciliar", "co_seq_fat_visita_domiciliar"
    with project.warehouse() as conn:
        # Two rows of the last month: within the months the daily reconciliation compares.
        recent = int(f"{date.today() - timedelta(days=31):%Y%m%d}")
        lost = [
            row[0]
            for row in conn.execute(
                sql.SQL(
                    "select {k} from {t} where co_municipio_ibge = %s and co_dim_tempo >= %s "
                    "order by {k} limit 2"
                ).format(k=sql.Identifier(key), t=sql.Identifier(RAW_SCHEMA, table)),
                (TUNNELLED, recent),
            )
        ]
        assert len(lost) == 2
        conn.execute(
            sql.SQL("delete from {} where co_municipio_ibge = %s and {} = any(%s)").format(
                sql.Identifier(RAW_SCHEMA, table), sql.Identifier(key)
            ),
            (TUNNELLED, lost),
        )
    second = _run(project)
    assert f"{deleted} rows marked deleted, 2 missing" in second
    assert f"bookmarks rewound for {table}" in second
    third = _run(project)
    assert "0 rows marked deleted, 0 missing" in third
    _assert_converged(tunnelled)
    alone = _transmissor(project, "reconcile", "--municipio", TUNNELLED)
    assert alone.returncode == 0 and "0 rows marked deleted, 0 missing" in alone.stdout
    with project.warehouse() as conn:
        person = person_pseudonyms(conn, TUNNELLED)
    # The same pseudonyms as every other path gives the same person.
    assert expected(PERSON["nu_cpf_cidadao"]) in person["nu_cpf_cidadao"]
    assert expected(PERSON["nu_cns"]) in person["nu_cns"]
    assert {expected(FICHA), expected(LATE_FICHA)} <= person[MARKED_COLUMN]


# -- failures: clear, named, nothing written ----------------------------------------------


@pytest.fixture(scope="module")
def failing(tunnelled: Tunnelled) -> Tunnelled:
    project, the_lab = tunnelled.project, tunnelled.lab
    wrong, narrow = Key.generate(the_lab.base, "wrong"), Key.generate(the_lab.base, "narrow")
    # Authorised, but only to forward somewhere other than the PEC.
    the_lab.bastion.authorize(narrow, 'permitopen="127.0.0.1:9"')
    password = project.settings[environments.password_variable(TUNNELLED)]
    for ibge, key in ((WRONG_KEY, wrong), (NO_KEY, None), (REFUSING, wrong), (NO_FORWARD, narrow)):
        _register(project, the_lab, ibge, SSH_PORT + 1 if ibge == REFUSING else SSH_PORT)
        project.settings[environments.password_variable(ibge)] = password
        if key is not None:
            project.settings[environments.ssh_key_variable(ibge)] = key.private
    project.write_env()
    return tunnelled


def _fails_everywhere(project: ProjectCopy, ibge: str, message: str, status: str) -> str:
    """The daily job, `transmissor run` and `transmissor reconcile`: each refuses with
    `message` naming the município (the fleet's status: `status`, config-error when a retry
    cannot help); returns the daily job's error line."""
    name = environments.label(ibge)
    job = project.meltano(["run", "transmissao-diaria"], environment=ibge, timeout=300)
    assert not job.ok
    errors = [x for x in job.output.splitlines() if "transmissor: error:" in x]
    assert errors, f"the daily job did not stop at its first task:\n{job.output[-3000:]}"
    line = errors[0]
    assert name in line and message in line, job.output[-3000:]
    fleet = _transmissor(project, "run", "--municipio", ibge, "--retries", "0")
    assert fleet.returncode == 1 and message in fleet.stdout, fleet.stdout + fleet.stderr
    assert f"{ibge} {name.split(' (')[1].split('/')[0]}" in fleet.stdout
    assert f" {status} " in fleet.stdout, fleet.stdout
    reconcile = _transmissor(project, "reconcile", "--municipio", ibge)
    assert reconcile.returncode == 1, reconcile.stdout + reconcile.stderr
    assert name in reconcile.stderr and message in reconcile.stderr, reconcile.stderr
    project.assert_nothing_of(ibge)
    return line.split("transmissor: error: ", 1)[1]


def test_a_wrong_key_is_refused_naming_the_municipio(failing: Tunnelled) -> None:
    where = f"bastion {failing.lab.bastion_address}:{SSH_PORT}"
    line = _fails_everywhere(
        failing.project, WRONG_KEY, f"the SSH {where} refused the key", "config-error"
    )
    assert environments.ssh_key_variable(WRONG_KEY) in line


def test_a_missing_key_is_refused_naming_the_municipio(failing: Tunnelled) -> None:
    project = failing.project
    refusal = f"{environments.label(NO_KEY)}: {environments.ssh_key_variable(NO_KEY)} is not set"
    job = project.meltano(["run", "transmissao-diaria"], environment=NO_KEY, timeout=300)
    assert not job.ok and refusal in job.output, job.output[-3000:]
    fleet = _transmissor(project, "run", "--municipio", NO_KEY)
    assert fleet.returncode == 1 and refusal in fleet.stdout, fleet.stdout + fleet.stderr
    reconcile = _transmissor(project, "reconcile", "--municipio", NO_KEY)
    assert reconcile.returncode == 1 and refusal in reconcile.stderr, reconcile.stderr
    project.assert_nothing_of(NO_KEY)


def test_a_bastion_that_refuses_the_connection_is_named(failing: Tunnelled) -> None:
    where = f"bastion {failing.lab.bastion_address}:{SSH_PORT + 1}"
    line = _fails_everywhere(
        failing.project, REFUSING, f"cannot open an SSH session with the {where}", "failed"
    )
    assert "(Connection refused)" in line


def test_a_bastion_that_refuses_to_forward_is_named(failing: Tunnelled) -> None:
    line = _fails_everywhere(
        failing.project, NO_FORWARD, "refused to forward to the PEC", "config-error"
    )
    assert "administratively prohibited" in line.lower()
