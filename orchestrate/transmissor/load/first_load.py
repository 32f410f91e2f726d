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

With pseudonymisation on, the contract's `pseudonymise:` columns are replaced by their keyed
HMAC in this process, before they reach the banco analítico, as on every other path.

The same step brings a município's tables up to a contract that gained columns
(transmissor.warehouse.raw_columns): a table whose rows were loaded without them loses its
bookmark and is read whole again, by COPY, or by Singer for a município reached through SSH.

Source-side SQL stays within PostgreSQL 9.6 (the oldest PEC seen).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from transmissor.contract import pec_schema
from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
from transmissor.load import pseudonymise
from transmissor.load.pec_columns import EXACT_FLOATS, shapes_at, source_columns, source_value
from transmissor.meltano.state import get_state, set_state
from transmissor.municipios import environments
from transmissor.municipios.pec import connect_source
from transmissor.settings import Warehouse
from transmissor.warehouse import raw_columns
from transmissor.warehouse.database import RAW_SCHEMA, connect
from transmissor.warehouse.raw_tables import (
    FILLED_METADATA,
    analyze_stale_raw_tables,
    column_types,
    ensure_raw_indexes,
    ensure_raw_tables,
)


def fast_tables(contract: Contract) -> list[Table]:
    """Tables the COPY path can load: incremental, with a one-column primary key."""
    return [t for t in contract.tables if t.incremental and len(t.primary_key) == 1]


@dataclass(frozen=True, slots=True)
class CopiedTable:
    table: str
    rows: int
    max_key: int | datetime | None  # the highest replication key value copied
    seconds: float


def copy_table(
    table: Table,
    schema: str,
    source: psycopg.Connection,
    warehouse: psycopg.Connection,
    ibge: str,
    key: bytes | None = None,
) -> CopiedTable:
    """Replace the município's rows of one raw table by a COPY of the source table.

    With a pseudonymisation key, a table with `pseudonymise:` columns is copied as text, row
    by row, each of them replaced by its pseudonym on the way (transmissor.load.pseudonymise);
    the others keep the binary COPY."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None)
    millis = int(now.timestamp() * 1000)
    stamp = now.isoformat(sep=" ")
    bookmark = sql.Identifier(table.replication_key)
    # One snapshot for the copy and its high-water mark.
    with source.transaction():
        source.execute("set transaction isolation level repeatable read, read only")
        # A timestamptz cast to the raw column's timestamp must read as UTC, as the tap's does.
        source.execute("set local time zone 'UTC'")
        source.execute(EXACT_FLOATS)
        columns = source_columns(source, schema, table)
        row = source.execute(
            sql.SQL("select max({}) from {}").format(bookmark, sql.Identifier(schema, table.name))
        ).fetchone()
        max_key = row[0] if row else None
        target_columns = [*(n for n, _ in columns), MUNICIPIO_COLUMN, *FILLED_METADATA]
        hidden = [i for i, n in enumerate(target_columns) if key and n in table.pseudonymise]
        # Binary COPY: the warehouse skips parsing text (a third of the load's time), but each
        # value must arrive in exactly the raw column's type, so the source casts to it. Rows
        # with identifiers to replace go through this process as text instead.
        form = sql.SQL("text" if hidden else "binary")
        raw = sql.Identifier(RAW_SCHEMA, table.name)
        names = sql.SQL(", ").join(sql.Identifier(c) for c in target_columns)
        types = dict(column_types(warehouse, f"{RAW_SCHEMA}.{table.name}"))
        given: list[sql.Composable] = [source_value(n, t) for n, t in columns]
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
                reader.copy(sql.SQL("copy ({}) to stdout (format {})").format(select, form)) as out,
                writer.copy(
                    sql.SQL("copy {} ({}) from stdin (format {})").format(into_table, names, form)
                ) as into,
            ):
                if hidden and key:
                    pseudonymise.copy_rows(out, into, hidden, key)
                else:
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


def without_bookmarks(state: dict, tables: list[Table]) -> dict:
    """Meltano state without the bookmarks of `tables`: they are read again from the start."""
    bookmarks = state.get("singer_state", {}).get("bookmarks", {})
    for table in tables:
        bookmarks.pop(table.stream_id, None)
    return state


def run_first_load(
    root: Path, code: str | None, full_refresh: bool = False, log: Callable[[str], None] = print
) -> None:
    """`transmissor first-load`: the município's tables without a bookmark, by COPY, then
    their bookmarks handed over to Meltano's state (all of them on a full refresh). Tables
    whose rows were loaded with fewer columns than the contract's lose their bookmark first."""
    env = environments.load_registered(root, code)
    key = pseudonymise.deployment_key(environments.label(env))  # before anything connects
    contract = Contract.load(root)
    state = get_state(root, env.ibge)
    with connect(Warehouse.from_env()) as warehouse:
        for table, columns in raw_columns.add_missing_columns(
            warehouse, contract.tables, pec_schema.shapes
        ).items():
            log(f"{RAW_SCHEMA}.{table}: added the contract's new columns {', '.join(columns)}")
        reload = raw_columns.tables_to_reload(warehouse, fast_tables(contract), env.ibge)
    if reload:
        names = ", ".join(t.name for t in reload)
        log(f"município {env.ibge}: {names} loaded without the contract's new columns; read again")
        state = without_bookmarks(state, reload)
    tables = tables_to_copy(contract, state, full_refresh)
    if not tables:
        log(f"município {env.ibge}: every large table has a bookmark; nothing to copy")
        return
    if env.ssh:
        if reload:  # the tap re-reads them from the start, upserting every row
            set_state(root, env.ibge, state)
            with connect(Warehouse.from_env()) as warehouse:
                raw_columns.record_loaded(warehouse, env.ibge, reload)
        log(f"município {env.ibge}: reached through SSH; the first load goes through Meltano")
        return
    source = connect_source(env)
    copied = []
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_tables(warehouse, contract.tables, shapes_at(source, contract.schema))
        for table in tables:
            result = copy_table(table, contract.schema, source, warehouse, env.ibge, key)
            copied.append(result)
            rate = result.rows / result.seconds if result.seconds else 0
            log(
                f"{env.ibge} {table.name}: {result.rows} rows copied "
                f"in {result.seconds:.1f} s ({rate:,.0f} rows/s)"
            )
        ensure_raw_indexes(warehouse, [t.name for t in tables])
        analyze_stale_raw_tables(warehouse)  # dbt plans on these tables next
        raw_columns.record_loaded(warehouse, env.ibge, tables)
    set_state(root, env.ibge, handed_over_state(state, contract, copied))
    total = sum(r.rows for r in copied)
    log(
        f"município {env.ibge}: first load copied {total} rows in {len(copied)} tables; "
        "Meltano continues from their last keys"
    )
