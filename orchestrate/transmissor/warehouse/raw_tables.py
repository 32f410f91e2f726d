"""The raw tables of the banco analítico (`raw_pec.*`): their DDL, locks, column types and keys.

target-postgres creates a raw table on its first load; the project's COPY steps and an edge
box's loader role need them before that, so this is the one place that creates them, the way
target-postgres would: the contract's columns with the types the loader gives them, then
`co_municipio_ibge` and the Singer metadata columns, keyed by (co_municipio_ibge, PEC key).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Table
from transmissor.warehouse.database import RAW_SCHEMA

# Singer metadata columns as target-postgres creates them (add_record_metadata: true).
METADATA_COLUMNS = (
    ("_sdc_extracted_at", "timestamp without time zone"),
    ("_sdc_received_at", "timestamp without time zone"),
    ("_sdc_batched_at", "timestamp without time zone"),
    ("_sdc_deleted_at", "timestamp without time zone"),
    ("_sdc_sequence", "bigint"),
    ("_sdc_table_version", "bigint"),
    ("_sdc_sync_started_at", "bigint"),
)
# The metadata columns a load fills in (the others stay null until reconciliation).
FILLED_METADATA = (
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_sequence",
    "_sdc_sync_started_at",
)

# Concurrent first loads of several municipalities would race on CREATE SCHEMA/TABLE IF NOT
# EXISTS, which PostgreSQL does not make atomic (a unique violation in pg_namespace/pg_type).
# Every DDL on the raw tables (tables, município indexes, an edge box's policies) takes it.
DDL_LOCK = 7_202_611_533

Columns = list[tuple[str, str]]  # (column, PostgreSQL type), in table order


def warehouse_type(source_type: str) -> str:
    """The column type target-postgres gives a PEC column of this type (JSON-schema mapping)."""
    base = source_type.split("(")[0].strip()
    if base in {"bigint", "integer", "smallint"}:
        return "bigint"
    if base in {"double precision", "real", "numeric"}:
        return "numeric"
    if base == "date":
        return "date"
    if base.startswith("timestamp"):
        return "timestamp without time zone"
    if base == "boolean":
        return "boolean"
    return "text"


def column_types(conn: psycopg.Connection, relation: str) -> Columns:
    """(column, type) of every column of `schema.table` (here or at a PEC), in table order."""
    return conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (relation,),
    ).fetchall()


def raw_table_exists(conn: psycopg.Connection, table: str) -> bool:
    found = conn.execute("select to_regclass(%s)", (f"{RAW_SCHEMA}.{table}",)).fetchone()
    return found is not None and found[0] is not None


def create_raw_table(conn: psycopg.Connection, table: Table, columns: Columns) -> None:
    """Create the raw table as target-postgres would, if no load has created it yet.

    `columns` are the PEC's (column, type): each gets the type the loader would give it.
    """
    definitions = [
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(warehouse_type(kind)))
        for name, kind in columns
    ]
    definitions.append(sql.SQL("{} text not null").format(sql.Identifier(MUNICIPIO_COLUMN)))
    definitions += [
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind))
        for name, kind in METADATA_COLUMNS
    ]
    # The município first: the key then also serves every per-município read, the loader's
    # upsert joins on both columns, and no separate município index has to be maintained.
    definitions.append(
        sql.SQL("constraint {} primary key ({})").format(
            sql.Identifier(f"{table.name}_pkey"),
            sql.SQL(", ").join(sql.Identifier(c) for c in (MUNICIPIO_COLUMN, *table.primary_key)),
        )
    )
    conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
    conn.execute(
        sql.SQL("create table if not exists {} ({})").format(
            sql.Identifier(RAW_SCHEMA, table.name), sql.SQL(", ").join(definitions)
        )
    )


def ensure_raw_tables(
    conn: psycopg.Connection,
    tables: Sequence[Table],
    shapes: Callable[[list[Table]], Mapping[str, Columns]],
) -> list[str]:
    """Create every missing raw table of `tables`, under the DDL lock; returns those created.

    `shapes` gives the PEC columns of the missing tables: read from the município's PEC (the
    COPY steps) or from the PEC schema reference (an edge box's grant, before any load). The
    daily case creates nothing and takes no lock, which also spares a loader role without
    CREATE the DDL.
    """
    missing = [t for t in tables if not raw_table_exists(conn, t.name)]
    if not missing:
        return []
    columns = shapes(missing)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        for table in missing:
            create_raw_table(conn, table, columns[table.name])
    return [f"{RAW_SCHEMA}.{t.name}" for t in missing]


def ensure_raw_indexes(conn: psycopg.Connection, tables: list[str]) -> None:
    """Index on `co_municipio_ibge` every raw table whose key does not start with it.

    Raw tables created by this project have the primary key (co_municipio_ibge, PEC key). Ones
    created by target-postgres, or by earlier versions, have (PEC key, co_municipio_ibge),
    which cannot serve a filter on the município alone; without this index every
    per-município read (reconciliation, staging, dbt tests) would scan all municipalities'
    rows.
    """
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        for table in tables:
            _create_raw_index(conn, table)


def _create_raw_index(conn: psycopg.Connection, table: str) -> None:
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
    # which an edge box's loader role (transmissor.edge.loader_role) does not have.
    if exists and not indexed:
        conn.execute(
            sql.SQL("create index if not exists {} on {} ({})").format(
                sql.Identifier(f"{table}_municipio_idx"),
                sql.Identifier(RAW_SCHEMA, table),
                sql.Identifier(MUNICIPIO_COLUMN),
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
