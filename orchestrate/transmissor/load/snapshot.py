"""The full-table tables of a município, every day, by COPY: only what changed is written.

The PEC rewrites its state tables in place (`tb_fat_cidadao_pec`, `tb_fat_cidadao_territorio`,
`tb_dim_cidadao_pec_grupo`) and they carry no column that tells what changed, so they are
re-read whole every day: about three rows per citizen, more than all the day's facts. Through
Singer that costs a JSON message per row and a merge of every row (20 s a day for a
21,000-citizen município); here the table is COPYed from the banco do município into a
temporary table of the banco analítico (no JSON, constant memory), and one statement per
table inserts new rows and updates changed ones, and another marks the rows gone from the
source with `_sdc_deleted_at` (staging drops them). Unchanged rows are not touched.

Each table is one warehouse transaction over one source snapshot, so an interrupted run
leaves the previous day's rows and a re-run converges. Plain INSERT/UPDATE (not COPY into the
raw table) also works for an edge box's loader role under row-level security. With
pseudonymisation on, the contract's `pseudonymise:` columns (CPF and CNS) are replaced row by
row before they leave the process (transmissor.load.pseudonymise).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
from transmissor.load import pseudonymise
from transmissor.load.pec_columns import EXACT_FLOATS, shapes_at, source_columns, source_value
from transmissor.municipios import environments
from transmissor.municipios.pec import connect_source
from transmissor.settings import Warehouse
from transmissor.warehouse.database import RAW_SCHEMA, connect
from transmissor.warehouse.raw_tables import ensure_raw_indexes, ensure_raw_tables, warehouse_type


def snapshot_tables(contract: Contract) -> list[Table]:
    """The contract's full-table tables: moved by this module, not by the Singer path."""
    return [t for t in contract.tables if not t.incremental]


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    table: str
    rows: int  # at the source
    written: int  # new or changed
    deleted: int  # gone from the source, marked
    seconds: float


def sync_table(
    table: Table,
    schema: str,
    source: psycopg.Connection,
    warehouse: psycopg.Connection,
    ibge: str,
    key: bytes | None = None,
) -> SnapshotResult:
    """Make the município's rows of one raw table equal to the source table."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None)
    stamp, millis = now.isoformat(sep=" "), int(now.timestamp() * 1000)
    temp = sql.Identifier(f"snapshot_{table.name}")
    raw = sql.Identifier(RAW_SCHEMA, table.name)
    pk = sql.Identifier(table.primary_key[0])
    municipio = sql.Identifier(MUNICIPIO_COLUMN)
    with warehouse.transaction(), source.transaction():
        source.execute("set transaction isolation level repeatable read, read only")
        source.execute(EXACT_FLOATS)
        columns = source_columns(source, schema, table)
        names = [name for name, _ in columns]
        hidden = [n for n in names if key and n in table.pseudonymise]
        warehouse.execute(
            sql.SQL("create temporary table {} ({}) on commit drop").format(
                temp,
                sql.SQL(", ").join(
                    sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(warehouse_type(t)))
                    for n, t in columns
                ),
            )
        )
        select = sql.SQL("copy (select {} from {}) to stdout").format(
            sql.SQL(", ").join(source_value(n, t) for n, t in columns),
            sql.Identifier(schema, table.name),
        )
        copy_in = sql.SQL("copy {} ({}) from stdin").format(
            temp, sql.SQL(", ").join(sql.Identifier(n) for n in names)
        )
        with source.cursor().copy(select) as out, warehouse.cursor().copy(copy_in) as into:
            if hidden and key:
                positions = [names.index(n) for n in hidden]
                rows = pseudonymise.copy_rows(out, into, positions, key)
            else:
                rows = 0
                for block in out:
                    into.write(block)
                    rows += bytes(block).count(b"\n")
        # The statements below join the copy to the raw table, whose statistics may know
        # nothing of this município yet (its first load: planned as no rows). The planner then
        # takes a nested loop over the raw rows, and without an index each loop would scan
        # the whole copy: N² for N citizens (PostgreSQL 15: 10 s for 18,511 rows, hours for a
        # large city). With the copy's key indexed, any nested loop probes it instead.
        warehouse.execute(sql.SQL("alter table {} add primary key ({})").format(temp, pk))
        warehouse.execute(sql.SQL("analyze {}").format(temp))
        content = sql.SQL(", ").join(sql.Identifier(n) for n in names)
        changed = sql.SQL(
            "insert into {raw} ({cols}, {m}, _sdc_extracted_at, _sdc_received_at, "
            "_sdc_batched_at, _sdc_deleted_at, _sdc_sequence, _sdc_sync_started_at) "
            "select {s_cols}, %(ibge)s, %(stamp)s, %(stamp)s, %(stamp)s, null, %(millis)s, "
            "%(millis)s from {temp} s left join {raw} r on r.{pk} = s.{pk} and r.{m} = %(ibge)s "
            "where r.{pk} is null or r._sdc_deleted_at is not null "
            "or ({r_cols}) is distinct from ({s_cols}) "
            "on conflict ({pk}, {m}) do update set {updates}, _sdc_deleted_at = null, "
            "_sdc_extracted_at = excluded._sdc_extracted_at, "
            "_sdc_received_at = excluded._sdc_received_at, "
            "_sdc_batched_at = excluded._sdc_batched_at, _sdc_sequence = excluded._sdc_sequence, "
            "_sdc_sync_started_at = excluded._sdc_sync_started_at"
        ).format(
            raw=raw,
            cols=content,
            m=municipio,
            temp=temp,
            pk=pk,
            s_cols=sql.SQL(", ").join(sql.Identifier("s", n) for n in names),
            r_cols=sql.SQL(", ").join(sql.Identifier("r", n) for n in names),
            updates=sql.SQL(", ").join(
                sql.SQL("{0} = excluded.{0}").format(sql.Identifier(n)) for n in names
            ),
        )
        params = {"ibge": ibge, "stamp": stamp, "millis": millis}
        written = warehouse.execute(changed, params).rowcount
        deleted = warehouse.execute(
            sql.SQL(
                "update {raw} r set _sdc_deleted_at = %(stamp)s where r.{m} = %(ibge)s "
                "and r._sdc_deleted_at is null "
                "and not exists (select 1 from {temp} s where s.{pk} = r.{pk})"
            ).format(raw=raw, m=municipio, temp=temp, pk=pk),
            params,
        ).rowcount
    return SnapshotResult(table.name, rows, written, deleted, time.monotonic() - started)


def run_snapshot(root: Path, code: str | None, log: Callable[[str], None] = print) -> None:
    """`transmissor snapshot`: every full-table table of the município, by COPY."""
    env = environments.load_registered(root, code)
    key = pseudonymise.deployment_key(environments.label(env))  # before anything connects
    if env.ssh:
        log(f"município {env.ibge}: reached through SSH; full-table tables go through Meltano")
        return
    contract = Contract.load(root)
    tables = snapshot_tables(contract)
    results = []
    source = connect_source(env)
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_tables(warehouse, contract.tables, shapes_at(source, contract.schema))
        for table in tables:
            results.append(sync_table(table, contract.schema, source, warehouse, env.ibge, key))
        ensure_raw_indexes(warehouse, [t.name for t in tables])
    seconds = sum(r.seconds for r in results)
    changed = [f"{r.table} +{r.written}/-{r.deleted}" for r in results if r.written or r.deleted]
    log(
        f"município {env.ibge}: {len(results)} full-table tables, "
        f"{sum(r.rows for r in results)} rows compared in {seconds:.1f} s; "
        f"{sum(r.written for r in results)} written, {sum(r.deleted for r in results)} "
        f"marked deleted" + (f" ({', '.join(changed)})" if changed else "")
    )
