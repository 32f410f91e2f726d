"""Reconciliation of deletions: rows the PEC deleted are marked deleted in the banco analítico.

Incremental replication only sees rows at or past its bookmark, so a fact the PEC deletes (or
deletes and re-inserts under a new id when data is marked for reprocessing) would live on in
the banco analítico. This compares, table by table, the primary keys at the source with the
live keys of that município in the banco analítico and sets `_sdc_deleted_at` on the rows
that no longer exist at the source; staging models drop them. Nothing is physically deleted,
so a mistaken mark is undone by the next load of that row (the target rewrites
`_sdc_deleted_at` with the row).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from transmissor.contract import MUNICIPIO_COLUMN, Contract
from transmissor.errors import TransmissorError
from transmissor.warehouse import RAW_SCHEMA


@dataclass(frozen=True, slots=True)
class TableReconciliation:
    table: str
    source_rows: int
    warehouse_rows: int
    marked_deleted: int
    missing_in_warehouse: int


def _keys(conn: psycopg.Connection, query: sql.Composable, params: tuple = ()) -> set:
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        return {row[0] for row in cursor}


def reconcile(
    contract: Contract, source: psycopg.Connection, warehouse: psycopg.Connection, ibge: str
) -> list[TableReconciliation]:
    """Mark rows deleted at the source; one transaction on the warehouse for all tables."""
    results = []
    with warehouse.transaction():
        for table in contract.tables:
            if len(table.primary_key) != 1:
                msg = f"{table.name}: reconciliation supports single-column PEC keys only"
                raise TransmissorError(msg)
            key = sql.Identifier(table.primary_key[0])
            raw = sql.Identifier(RAW_SCHEMA, table.name)
            exists = warehouse.execute(
                "select to_regclass(%s)", (f"{RAW_SCHEMA}.{table.name}",)
            ).fetchone()
            if exists is None or exists[0] is None:
                continue  # never loaded yet: nothing to reconcile
            at_source = _keys(
                source,
                sql.SQL("select {} from {}").format(
                    key, sql.Identifier(contract.schema, table.name)
                ),
            )
            in_warehouse = _keys(
                warehouse,
                sql.SQL("select {} from {} where {} = %s and _sdc_deleted_at is null").format(
                    key, raw, sql.Identifier(MUNICIPIO_COLUMN)
                ),
                (ibge,),
            )
            gone = sorted(in_warehouse - at_source)
            if gone:
                warehouse.execute(
                    sql.SQL(
                        "update {} set _sdc_deleted_at = now() at time zone 'utc' "
                        "where {} = %s and {} = any(%s)"
                    ).format(raw, sql.Identifier(MUNICIPIO_COLUMN), key),
                    (ibge, gone),
                )
            results.append(
                TableReconciliation(
                    table=table.name,
                    source_rows=len(at_source),
                    warehouse_rows=len(in_warehouse) - len(gone),
                    marked_deleted=len(gone),
                    missing_in_warehouse=len(at_source - in_warehouse),
                )
            )
    return results
