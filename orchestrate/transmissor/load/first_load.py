"""A município's first load at COPY speed, handed over to Meltano's incremental state.

Singer moves rows one JSON message at a time: right for the few hundred rows of a day, slow
for the years of records of a first load. For each incremental fact table that has no
bookmark yet (or on a requested full refresh), this streams the contract's columns with
PostgreSQL's COPY from the banco do município straight into the raw table of the banco
analítico (no JSON, constant memory), adding the same `co_municipio_ibge` and Singer metadata
columns the loader adds, inside one warehouse transaction per table that first removes the
município's rows of that table, so a repeated or interrupted copy converges. The highest key
copied becomes the table's bookmark in Meltano's state, so the next `tap-pec target-postgres`
run continues exactly where the copy ended (re-reading only that boundary row).

Source-side SQL stays within PostgreSQL 9.6 (the oldest PEC seen).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
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
_FILLED_METADATA = (
    "_sdc_extracted_at",
    "_sdc_received_at",
    "_sdc_batched_at",
    "_sdc_sequence",
    "_sdc_sync_started_at",
)


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


def source_value(column: str, source_type: str) -> sql.Composable:
    # Floats travel as the loader stores them (numeric), not in float8's text form.
    if warehouse_type(source_type) == "numeric" and "numeric" not in source_type:
        return sql.SQL("{}::numeric").format(sql.Identifier(column))
    return sql.Identifier(column)


def fast_tables(contract: Contract) -> list[Table]:
    """Tables the COPY path can load: incremental, with a one-column primary key."""
    return [t for t in contract.tables if t.incremental and len(t.primary_key) == 1]


@dataclass(frozen=True, slots=True)
class CopiedTable:
    table: str
    rows: int
    max_key: int | datetime | None  # the highest replication key value copied
    seconds: float


def column_types(conn: psycopg.Connection, relation: str) -> list[tuple[str, str]]:
    """(column, type) of every column of `schema.table`, in the table's order."""
    return conn.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (relation,),
    ).fetchall()


def source_columns(source: psycopg.Connection, schema: str, table: Table) -> list[tuple[str, str]]:
    """(column, type) of the contract's columns, in the source table's order."""
    wanted = set(table.columns)
    return [c for c in column_types(source, f"{schema}.{table.name}") if c[0] in wanted]


def ensure_raw_table(
    warehouse: psycopg.Connection, table: Table, columns: list[tuple[str, str]]
) -> None:
    """Create the raw table as target-postgres would, if no load has created it yet."""
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
    warehouse.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
    warehouse.execute(
        sql.SQL("create table if not exists {} ({})").format(
            sql.Identifier(RAW_SCHEMA, table.name), sql.SQL(", ").join(definitions)
        )
    )


# Concurrent first loads of several municipalities would race on CREATE SCHEMA/TABLE IF NOT
# EXISTS, which PostgreSQL does not make atomic (a unique violation in pg_namespace/pg_type).
DDL_LOCK = 7_202_611_533


def ensure_raw_tables(
    source: psycopg.Connection, warehouse: psycopg.Connection, contract: Contract
) -> None:
    """Create every missing raw table of the contract, one município at a time.

    The loader would create them too, but several municipalities loading a new warehouse at
    once would race on the same CREATE TABLE.
    """
    missing = [t for t in contract.tables if not _raw_table_exists(warehouse, t)]
    if not missing:  # the daily case; also spares a loader role without CREATE the DDL
        return
    with source.transaction():  # ends here, so each copy opens its own snapshot
        shapes = {t.name: source_columns(source, contract.schema, t) for t in missing}
    with warehouse.transaction():
        warehouse.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        for table in missing:
            ensure_raw_table(warehouse, table, shapes[table.name])


def _raw_table_exists(warehouse: psycopg.Connection, table: Table) -> bool:
    found = warehouse.execute("select to_regclass(%s)", (f"{RAW_SCHEMA}.{table.name}",))
    return found.fetchone()[0] is not None


def copy_table(
    table: Table,
    schema: str,
    source: psycopg.Connection,
    warehouse: psycopg.Connection,
    ibge: str,
) -> CopiedTable:
    """Replace the município's rows of one raw table by a COPY of the source table."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None)
    millis = int(now.timestamp() * 1000)
    stamp = now.isoformat(sep=" ")
    key = sql.Identifier(table.replication_key)
    # One snapshot for the copy and its high-water mark.
    with source.transaction():
        source.execute("set transaction isolation level repeatable read, read only")
        # A timestamptz cast to the raw column's timestamp must read as UTC, as the tap's does.
        source.execute("set local time zone 'UTC'")
        columns = source_columns(source, schema, table)
        row = source.execute(
            sql.SQL("select max({}) from {}").format(key, sql.Identifier(schema, table.name))
        ).fetchone()
        max_key = row[0] if row else None
        target_columns = [*(n for n, _ in columns), MUNICIPIO_COLUMN, *_FILLED_METADATA]
        raw = sql.Identifier(RAW_SCHEMA, table.name)
        names = sql.SQL(", ").join(sql.Identifier(c) for c in target_columns)
        # Binary COPY: the warehouse skips parsing text (a third of the load's time), but each
        # value must arrive in exactly the raw column's type, so the source casts to it.
        types = dict(column_types(warehouse, f"{RAW_SCHEMA}.{table.name}"))
        given: list[sql.Composable] = [sql.Identifier(n) for n, _ in columns]
        given += [sql.Literal(v) for v in (ibge, stamp, stamp, stamp, millis, millis)]
        values = [
            sql.SQL("{}::{}").format(value, sql.SQL(types[name]))
            for value, name in zip(given, target_columns, strict=True)
        ]
        select = sql.SQL("select {} from {}").format(
            sql.SQL(", ").join(values), sql.Identifier(schema, table.name)
        )
        with warehouse.transaction():
            # PostgreSQL refuses COPY FROM into a table under row-level security (an edge
            # box's loader role): COPY into a temporary table, then one INSERT under the policy.
            confined = warehouse.execute(
                "select row_security_active(%s::regclass)", (f"{RAW_SCHEMA}.{table.name}",)
            ).fetchone()[0]
            into_table: sql.Composable = raw
            if confined:
                into_table = sql.Identifier(f"firstload_{table.name}")
                warehouse.execute(
                    sql.SQL(
                        "create temporary table {} on commit drop as select {} from {} limit 0"
                    ).format(into_table, names, raw)
                )
            warehouse.execute(
                sql.SQL("delete from {} where {} = %s").format(
                    raw, sql.Identifier(MUNICIPIO_COLUMN)
                ),
                (ibge,),
            )
            reader, writer = source.cursor(), warehouse.cursor()
            with (
                reader.copy(sql.SQL("copy ({}) to stdout (format binary)").format(select)) as out,
                writer.copy(
                    sql.SQL("copy {} ({}) from stdin (format binary)").format(into_table, names)
                ) as into,
            ):
                for block in out:
                    into.write(block)
            rows = writer.rowcount
            if confined:
                warehouse.execute(
                    sql.SQL("insert into {} ({}) select {} from {}").format(
                        raw, names, names, into_table
                    )
                )
    return CopiedTable(table.name, rows, max_key, time.monotonic() - started)


def handed_over_state(state: dict, contract: Contract, copied: list[CopiedTable]) -> dict:
    """Meltano state with each copied table's bookmark at the highest key copied."""
    bookmarks = state.setdefault("singer_state", {}).setdefault("bookmarks", {})
    for result in copied:
        if result.max_key is None:
            continue
        table = contract.table(result.table)
        bookmarks[table.stream_id] = {
            "replication_key": table.replication_key,
            "replication_key_value": _bookmark_value(result.max_key),
        }
    return state


def _bookmark_value(value: int | datetime) -> int | str:
    """As the Singer SDK writes it: timestamps (UTC, PGTZ=UTC) in ISO form with +00:00."""
    if isinstance(value, datetime):
        naive = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
        return naive.isoformat(timespec="microseconds") + "+00:00"
    return value


def tables_to_copy(contract: Contract, state: dict, full_refresh: bool) -> list[Table]:
    """Fast-path tables without a bookmark (all of them on a full refresh)."""
    bookmarks = state.get("singer_state", {}).get("bookmarks", {})
    return [
        t
        for t in fast_tables(contract)
        if full_refresh or bookmarks.get(t.stream_id, {}).get("replication_key_value") is None
    ]
