"""Reconciliation of deletions and reprocessing, window by window.

Incremental replication only sees rows at or past its bookmark, so a fact the PEC deletes (or
deletes and re-inserts under a new id when data is marked for reprocessing) would live on in
the banco analítico, and a row committed late with a key below the bookmark would never
arrive. Per table and per month of `co_dim_tempo` (one window for tables without it), this
compares the row count and a checksum of the primary keys at the source with the município's
live rows in the banco analítico. Only windows that differ are examined key by key:

- rows gone from the source get `_sdc_deleted_at` (nothing is physically deleted; staging
  drops them, and a mistaken mark is undone when the row is loaded again);
- rows at the source that the banco analítico lacks are re-synced: the table's bookmark is
  moved back to just before the lowest missing key, so the next transmissão re-reads them
  through the normal pipeline (full-table streams re-read everything every day anyway).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
from transmissor.meltano.state import get_state, set_state
from transmissor.municipios import environments
from transmissor.municipios.pec import connect_source
from transmissor.settings import Warehouse
from transmissor.warehouse.database import RAW_SCHEMA, connect
from transmissor.warehouse.raw_tables import ensure_raw_indexes, raw_table_exists

WINDOW_COLUMN = "co_dim_tempo"
WHOLE_TABLE = -1  # the window of a table without co_dim_tempo


@dataclass
class TableReconciliation:
    table: str
    windows: int = 0
    differing_windows: list[int] = field(default_factory=list)
    marked_deleted: int = 0
    missing_in_warehouse: list[int] = field(default_factory=list)

    @property
    def resync_from(self) -> int | None:
        """The bookmark to rewind to, for an incremental table with missing rows."""
        return min(self.missing_in_warehouse) - 1 if self.missing_in_warehouse else None


def _window_expression(table: Table) -> sql.Composable:
    if WINDOW_COLUMN in table.columns:
        # YYYYMMDD // 100 = YYYYMM: one window per month of the event date.
        return sql.SQL("({} / 100)").format(sql.Identifier(WINDOW_COLUMN))
    return sql.Literal(WHOLE_TABLE)


def _since_filter(table: Table, since: date | None) -> sql.Composable:
    if since is None or WINDOW_COLUMN not in table.columns:
        return sql.SQL("true")
    return sql.SQL("{} >= {}").format(
        sql.Identifier(WINDOW_COLUMN), sql.Literal(since.year * 10000 + since.month * 100)
    )


def _fingerprints(
    conn: psycopg.Connection,
    relation: sql.Composable,
    table: Table,
    where: sql.Composable,
    params: dict[str, object],
) -> dict[int, tuple[int, str]]:
    """window -> (row count, md5 of the ordered primary keys)."""
    key = sql.Identifier(table.primary_key[0])
    query = sql.SQL(
        "select {window} as w, count(*), md5(string_agg({key}::text, ',' order by {key})) "
        "from {relation} where {where} group by 1"
    ).format(window=_window_expression(table), key=key, relation=relation, where=where)
    return {row[0]: (row[1], row[2]) for row in conn.execute(query, params)}


def _keys(
    conn: psycopg.Connection,
    relation: sql.Composable,
    table: Table,
    where: sql.Composable,
    windows: Iterable[int],
    params: dict[str, object],
) -> set[int]:
    query = sql.SQL("select {key} from {relation} where {where} and {window} = any(%(windows)s)")
    query = query.format(
        key=sql.Identifier(table.primary_key[0]),
        relation=relation,
        where=where,
        window=_window_expression(table),
    )
    return {row[0] for row in conn.execute(query, {**params, "windows": list(windows)})}


def reconcile_table(
    table: Table,
    schema: str,
    source: psycopg.Connection,
    warehouse: psycopg.Connection,
    ibge: str,
    since: date | None = None,
) -> TableReconciliation:
    result = TableReconciliation(table.name)
    source_relation = sql.Identifier(schema, table.name)
    raw_relation = sql.Identifier(RAW_SCHEMA, table.name)
    since_filter = _since_filter(table, since)
    live = sql.SQL("{} = %(ibge)s and _sdc_deleted_at is null and {}").format(
        sql.Identifier(MUNICIPIO_COLUMN), since_filter
    )
    at_source = _fingerprints(source, source_relation, table, since_filter, {})
    in_warehouse = _fingerprints(warehouse, raw_relation, table, live, {"ibge": ibge})
    result.windows = len(at_source.keys() | in_warehouse.keys())
    result.differing_windows = sorted(
        w for w in at_source.keys() | in_warehouse.keys() if at_source.get(w) != in_warehouse.get(w)
    )
    if not result.differing_windows:
        return result
    source_keys = _keys(source, source_relation, table, since_filter, result.differing_windows, {})
    warehouse_keys = _keys(
        warehouse, raw_relation, table, live, result.differing_windows, {"ibge": ibge}
    )
    gone = sorted(warehouse_keys - source_keys)
    if gone:
        warehouse.execute(
            sql.SQL(
                "update {} set _sdc_deleted_at = now() at time zone 'utc' "
                "where {} = %s and {} = any(%s)"
            ).format(
                raw_relation, sql.Identifier(MUNICIPIO_COLUMN), sql.Identifier(table.primary_key[0])
            ),
            (ibge, gone),
        )
    result.marked_deleted = len(gone)
    result.missing_in_warehouse = sorted(source_keys - warehouse_keys)
    return result


def reconcile(
    contract: Contract,
    source: psycopg.Connection,
    warehouse: psycopg.Connection,
    ibge: str,
    since: date | None = None,
) -> list[TableReconciliation]:
    """Reconcile every loaded table of the município; one warehouse transaction for all."""
    results = []
    with warehouse.transaction():
        for table in contract.tables:
            if raw_table_exists(warehouse, table.name):
                results.append(
                    reconcile_table(table, contract.schema, source, warehouse, ibge, since)
                )
    return results


def rewound_state(
    state: dict, contract: Contract, results: list[TableReconciliation]
) -> tuple[dict, list[str]]:
    """The Meltano state with the bookmarks of tables with missing rows moved back."""
    bookmarks = state.setdefault("singer_state", {}).setdefault("bookmarks", {})
    rewound = []
    for result in results:
        table = contract.table(result.table)
        resync_from = result.resync_from
        if resync_from is None or not table.incremental:
            continue
        if table.replication_key != table.primary_key[0]:
            # A timestamp bookmark (tb_cidadao) cannot be derived from a key: re-read it all.
            bookmarks.pop(table.stream_id, None)
            rewound.append(table.name)
            continue
        bookmark = bookmarks.get(table.stream_id, {})
        current = bookmark.get("replication_key_value")
        if current is None or int(current) > resync_from:
            bookmarks[table.stream_id] = {
                "replication_key": table.replication_key,
                "replication_key_value": resync_from,
            }
            rewound.append(table.name)
    return state, rewound


def run_reconcile(
    root: Path, code: str | None, since: date | None, log: Callable[[str], None] = print
) -> None:
    """`transmissor reconcile`: mark the município's deletions, rewind bookmarks over gaps."""
    env = environments.load_registered(root, code)
    source = connect_source(env)  # through the município's SSH tunnel when it has one
    contract = Contract.load(root)
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_indexes(warehouse, [table.name for table in contract.tables])
        results = reconcile(contract, source, warehouse, env.ibge, since)
    for r in results:
        if r.differing_windows:
            log(
                f"{env.ibge} {r.table}: {len(r.differing_windows)} of {r.windows} windows differ; "
                f"{r.marked_deleted} rows marked deleted, "
                f"{len(r.missing_in_warehouse)} missing in the warehouse"
            )
    rewound = rewind_bookmarks(root, env.ibge, contract, results)
    marked = sum(r.marked_deleted for r in results)
    missing = sum(len(r.missing_in_warehouse) for r in results)
    scope = f"since {since:%Y-%m}" if since else "all months"
    log(
        f"município {env.ibge}: reconciled {len(results)} tables ({scope}); "
        f"{marked} rows marked deleted, {missing} missing"
        + (
            f"; bookmarks rewound for {', '.join(rewound)}: the next transmissão re-reads them"
            if rewound
            else ""
        )
    )


def rewind_bookmarks(
    root: Path, ibge: str, contract: Contract, results: list[TableReconciliation]
) -> list[str]:
    """Write the rewound bookmarks to Meltano's state; the tables whose bookmark moved."""
    if not any(r.missing_in_warehouse for r in results):
        return []
    state, rewound = rewound_state(get_state(root, ibge), contract, results)
    if rewound:
        set_state(root, ibge, state)
    return rewound
