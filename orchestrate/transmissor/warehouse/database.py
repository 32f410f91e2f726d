"""The banco analítico: make sure the database and the project's schemas exist."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN
from transmissor.errors import TransmissorError
from transmissor.settings import Warehouse

RAW_SCHEMA = "raw_pec"
# Meltano's system database (state, run history) lives in this schema of the warehouse, so an
# edge box or a second runner resumes from the same state.
MELTANO_SCHEMA = "meltano"


# Nearly every read of the project's sessions is one município's rows, found through the keys
# that start with co_municipio_ibge, and those rows sit together on disk (each município's
# loads write them). With PostgreSQL's default random_page_cost (4, a spinning disk's) the
# planner assumes the opposite: with 20 municipalities of equal size it scanned whole raw tables
# (3 s) instead of the município's pages (0.2 s), and dbt's build took 27 s instead of 18 s.
# Set per session (ours and dbt's, via PGOPTIONS), never for the database. A connection pooler
# that refuses startup options (PgBouncer without `ignore_startup_parameters = options`) needs
# TRANSMISSOR_PLANNER_OPTIONS set empty.
PLANNER_VARIABLE = "TRANSMISSOR_PLANNER_OPTIONS"
DEFAULT_PLANNER_OPTIONS = "-c random_page_cost=1.5"


def planner_options() -> str:
    return os.environ.get(PLANNER_VARIABLE, DEFAULT_PLANNER_OPTIONS).strip()


def connect(warehouse: Warehouse, database: str | None = None) -> psycopg.Connection:
    try:
        extra = {"sslrootcert": warehouse.sslrootcert} if warehouse.sslrootcert else {}
        if options := planner_options():
            extra["options"] = options
        return psycopg.connect(
            warehouse.url(database),
            autocommit=True,
            connect_timeout=10,
            sslmode=warehouse.sslmode,
            **extra,
        )
    except psycopg.OperationalError as error:
        msg = (
            f"cannot reach the banco analítico at {warehouse.host}:{warehouse.port} as "
            f"{warehouse.user}: {str(error).strip().splitlines()[-1]}. Check WAREHOUSE_HOST, "
            "WAREHOUSE_PORT, WAREHOUSE_USER and WAREHOUSE_PASSWORD (or run `transmissor db start`)"
        )
        raise TransmissorError(msg) from error


def ensure_ready(warehouse: Warehouse) -> None:
    """Create the database (when we may) and the schemas the project writes to."""
    with connect(warehouse, "postgres") as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (warehouse.database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(warehouse.database)))
    with connect(warehouse) as conn:
        for schema in (MELTANO_SCHEMA, RAW_SCHEMA):
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))


def ensure_raw_indexes(conn: psycopg.Connection, tables: list[str]) -> None:
    """Index on `co_municipio_ibge` every raw table whose key does not start with it.

    Raw tables created by this project have the primary key (co_municipio_ibge, PEC key). Ones
    created by target-postgres, or by earlier versions, have (PEC key, co_municipio_ibge),
    which cannot serve a filter on the município alone; without this index every
    per-município read (reconciliation, staging, dbt tests) would scan all municipalities'
    rows.
    """
    from transmissor.load.first_load import DDL_LOCK

    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        _create_raw_indexes(conn, tables)


def _create_raw_indexes(conn: psycopg.Connection, tables: list[str]) -> None:
    for table in tables:
        exists, indexed = conn.execute(
            """
            select to_regclass(%(table)s) is not null,
                   to_regclass(%(index)s) is not null or exists (
                       select from pg_index i
                       join pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
                       where i.indrelid = to_regclass(%(table)s) and a.attname = %(column)s)
            """,
            {
                "table": f"{RAW_SCHEMA}.{table}",
                "index": f"{RAW_SCHEMA}.{table}_municipio_idx",
                "column": MUNICIPIO_COLUMN,
            },
        ).fetchone()
        # Looked up first: CREATE INDEX IF NOT EXISTS still demands ownership of the table,
        # which an edge box's loader role (transmissor.loader_role) does not have.
        if exists and not indexed:
            conn.execute(
                sql.SQL("create index if not exists {} on {} (co_municipio_ibge)").format(
                    sql.Identifier(f"{table}_municipio_idx"), sql.Identifier(RAW_SCHEMA, table)
                )
            )


# A raw table whose rows changed by more than this share since its last ANALYZE is analysed
# before dbt reads it; autovacuum would get there, but only after the build has planned.
STALE_SHARE = 0.2


def analyze_stale_raw_tables(conn: psycopg.Connection) -> list[str]:
    """ANALYZE raw tables never analysed, or changed a lot since (a first load, a big day).

    Freshly COPY-loaded tables have no statistics, and the planner then picks nested loops over
    hundreds of thousands of rows (seen: 210 s instead of 5 s for one intermediate model).
    ANALYZE samples a bounded number of rows, so its cost does not grow with the table.
    """
    stale = conn.execute(
        """
        select relname from pg_stat_user_tables
        where schemaname = %s
          and (coalesce(last_analyze, last_autoanalyze) is null
               or n_mod_since_analyze > %s * greatest(n_live_tup, 1000))
        order by relname
        """,
        (RAW_SCHEMA, STALE_SHARE),
    ).fetchall()
    tables = [name for (name,) in stale]
    for table in tables:
        conn.execute(sql.SQL("analyze {}").format(sql.Identifier(RAW_SCHEMA, table)))
    return tables
