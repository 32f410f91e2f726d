"""A município's dbt build (`transmissor dbt-build`), skipped when nothing it reads changed.

The daily job rebuilds a município's intermediate and marts rows after every extract-load. On
a day with nothing new (a re-run, a retry of the fleet, a PEC that recorded nothing) that is
20 s of dbt for an identical result. This step fingerprints what the build reads and runs dbt
only when the fingerprint differs from the one of the município's last successful build:

- the município's rows in every raw table (count and a hash of each row's content, without
  the loader's per-batch `_sdc_*` timestamps, which change on every upsert of the same row;
  `_sdc_deleted_at`, set by reconciliation, is part of it);
- the reference date (today in the município's time zone: the marts' windows move daily);
- the dbt project's files (models, macros, tests, dbt_project.yml) and the dbt arguments.

Without MUNICIPIO_IBGE (a fleet-wide build) or with TRANSMISSOR_DBT_ALWAYS=true, dbt always
runs. Fingerprinting reads the município's raw rows once: about 0.1 s per 100,000 rows.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN
from transmissor.municipios import environments
from transmissor.municipios.ibge import CODE_PATTERN
from transmissor.settings import Warehouse
from transmissor.warehouse import dbt_ready
from transmissor.warehouse.access import apply_and_report
from transmissor.warehouse.database import RAW_SCHEMA, connect
from transmissor.warehouse.dbt import run_dbt

BUILDS_DDL = f"""
create schema if not exists transmissor;
create table if not exists transmissor.dbt_builds (
    municipio text primary key check (municipio ~ '^{CODE_PATTERN}$'),
    fingerprint text not null,
    built_at timestamptz not null default now()
);
"""
# Loader columns that change whenever target-postgres upserts a row, even an unchanged one.
VOLATILE = {
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_sequence",
    "_sdc_sync_started_at",
    "_sdc_table_version",
}
PROJECT_FILES = (
    "dbt_project.yml",
    "selectors.yml",
    "models",
    "macros",
    "tests",
    "seeds",
    "snapshots",
)


def build(root: Path, dbt_args: list[str], ready: bool = False, access: bool = False) -> int:
    """dbt with `dbt_args`, skipped when nothing it reads changed; dbt's exit code.

    ready: first what `transmissor dbt-ready` does (statistics, the deploy of a new
    warehouse); access: after a successful (or skipped) build, the marts' row-level security.
    The daily job's build (`dbt-postgres:build_municipio`) uses both: the steps around dbt in
    one process, one Meltano and Python start-up instead of three.
    """
    if ready:
        dbt_ready.prepare(root)
    code = _build(root, dbt_args)
    if code == 0 and access:
        # In a município's build, its own role: every other município's build makes its own,
        # and a fleet of thousands is not re-read (nor re-granted) by each of them.
        ibge = os.environ.get("MUNICIPIO_IBGE", "").strip()
        codes = [ibge] if ibge else [env.ibge for env in environments.registered(root)]
        apply_and_report(codes)
    return code


def _build(root: Path, dbt_args: list[str]) -> int:
    ibge = os.environ.get("MUNICIPIO_IBGE", "").strip()
    always = os.environ.get("TRANSMISSOR_DBT_ALWAYS", "").lower() in ("1", "true", "yes")
    if not ibge or always:
        return run_dbt(root, dbt_args)
    with connect(Warehouse.from_env()) as conn:
        conn.execute(BUILDS_DDL)
        current = fingerprint(conn, root, ibge, dbt_args)
        last = conn.execute(
            "select fingerprint, built_at from transmissor.dbt_builds where municipio = %s",
            (ibge,),
        ).fetchone()
        if last and last[0] == current:
            print(
                f"município {ibge}: no raw row, model or reference date changed since its dbt "
                f"build of {last[1]:%Y-%m-%d %H:%M:%S %Z}; dbt not run "
                "(TRANSMISSOR_DBT_ALWAYS=true forces it)"
            )
            return 0
        # Forget the last build first: a failed or interrupted build must not be skipped next.
        conn.execute("delete from transmissor.dbt_builds where municipio = %s", (ibge,))
    code = run_dbt(root, dbt_args)
    if code == 0:
        with connect(Warehouse.from_env()) as conn:
            conn.execute(
                "insert into transmissor.dbt_builds (municipio, fingerprint) values (%s, %s) "
                "on conflict (municipio) do update set fingerprint = excluded.fingerprint, "
                "built_at = now()",
                (ibge, current),
            )
    return code


def fingerprint(conn: psycopg.Connection, root: Path, ibge: str, dbt_args: list[str]) -> str:
    digest = hashlib.sha256()
    zone = ZoneInfo(os.environ.get("MUNICIPIO_FUSO_HORARIO") or "America/Sao_Paulo")
    digest.update(f"{ibge}|{datetime.now(zone).date().isoformat()}|{dbt_args}".encode())
    digest.update(project_digest(root / "transform").encode())
    for table, summary in raw_summary(conn, ibge):
        digest.update(f"|{table}:{summary}".encode())
    return digest.hexdigest()


def project_digest(project_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in PROJECT_FILES:
        path = project_dir / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(str(file.relative_to(project_dir)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def raw_summary(conn: psycopg.Connection, ibge: str) -> list[tuple[str, str]]:
    """(table, "count:hash") of the município's rows in every raw table."""
    columns: dict[str, list[str]] = {}
    for table, column in conn.execute(
        "select c.table_name, c.column_name from information_schema.columns c "
        "join information_schema.tables t using (table_schema, table_name) "
        "where c.table_schema = %s and t.table_type = 'BASE TABLE' "
        "order by c.table_name, c.ordinal_position",
        (RAW_SCHEMA,),
    ):
        columns.setdefault(table, []).append(column)
    summaries = []
    for table, names in columns.items():
        if MUNICIPIO_COLUMN not in names:
            continue
        content = sql.SQL(", ").join(sql.Identifier(c) for c in names if c not in VOLATILE)
        count, total = conn.execute(
            sql.SQL(
                "select count(*), coalesce(sum(hashtextextended(row({})::text, 0)), 0) "
                "from {} where {} = %s"
            ).format(content, sql.Identifier(RAW_SCHEMA, table), sql.Identifier(MUNICIPIO_COLUMN)),
            (ibge,),
        ).fetchone()
        summaries.append((table, f"{count}:{total}"))
    return summaries
