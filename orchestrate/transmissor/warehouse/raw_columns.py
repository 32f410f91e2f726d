"""Which contract columns each município's rows of a raw table were loaded with.

When the extraction contract gains columns (the quality indicators needed blood pressure in the
FAI, the problem's situation, gender identity…), the rows already in the banco analítico do not
have them, and an incremental table is only read forward from its bookmark: without more, the
new columns would be filled for new rows only. So, before anything loads:

- the contract columns a raw table lacks are added to it (`add_missing_columns`), and every
  município with rows in it at that moment is recorded as loaded with the columns it had
  (`transmissor.colunas_carregadas`);
- each município's next transmissão finds its tables recorded without some contract column
  (`tables_to_reload`) and reads them whole again, by COPY (`transmissor first-load`, which
  replaces the município's rows) or, for a município reached through SSH, by Singer from the
  start (its bookmark is dropped), and records the full set (`record_loaded`).

Full-table tables need none of this: the daily snapshot compares every contract column and
rewrites the rows whose new column differs. A município with no record was loaded before this
record existed and before any column was added since: its rows have every column of its table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Table
from transmissor.errors import TransmissorError
from transmissor.warehouse import transmissions
from transmissor.warehouse.database import RAW_SCHEMA
from transmissor.warehouse.raw_tables import (
    DDL_LOCK,
    Columns,
    column_types,
    raw_table_exists,
    warehouse_type,
)

SCHEMA = transmissions.SCHEMA
TABLE = f"{SCHEMA}.colunas_carregadas"
DDL = f"""
create schema if not exists {SCHEMA};
create table if not exists {TABLE} (
    municipio text not null,
    tabela text not null,
    colunas text[] not null,
    atualizado_em timestamptz not null default now(),
    primary key (municipio, tabela)
);
comment on table {TABLE} is
    'The contract columns each município''s rows of a raw table were loaded with.';
"""


def ensure_table(conn: psycopg.Connection) -> None:
    """The record, created by the role that owns the project's tables."""
    if not _exists(conn):
        conn.execute(DDL)


def _exists(conn: psycopg.Connection) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (TABLE,)).fetchone()[0]


def municipios_in(conn: psycopg.Connection, table: str) -> list[str]:
    """The municípios with rows in a raw table, by skipping along its município-leading key
    (one index probe per município, not a scan of every row)."""
    return [
        row[0]
        for row in conn.execute(
            sql.SQL(
                """
                with recursive municipios (codigo) as (
                    select min({m}) from {t}
                    union all
                    select (select min({m}) from {t} where {m} > municipios.codigo)
                    from municipios where municipios.codigo is not null
                )
                select codigo from municipios where codigo is not null
                """
            ).format(m=sql.Identifier(MUNICIPIO_COLUMN), t=sql.Identifier(RAW_SCHEMA, table))
        )
    ]


def _lacking(conn: psycopg.Connection, table: Table) -> tuple[list[str], list[str]]:
    """(contract columns the raw table has, contract columns it lacks)."""
    have = {name for name, _ in column_types(conn, f"{RAW_SCHEMA}.{table.name}")}
    return [c for c in table.columns if c in have], [c for c in table.columns if c not in have]


def add_missing_columns(
    conn: psycopg.Connection,
    tables: Sequence[Table],
    shapes: Callable[[list[Table]], Mapping[str, Columns]],
) -> dict[str, list[str]]:
    """Add to the existing raw tables the contract columns they lack; returns them by table.

    Every município already in such a table is recorded first as loaded with the columns it
    had (a record it has is kept). `shapes` gives the PEC types of the columns (the PEC schema
    reference). The daily case, nothing to add, reads the catalog only and takes no lock.
    """
    lacking = [t for t in tables if raw_table_exists(conn, t.name) and _lacking(conn, t)[1]]
    if not lacking:
        return {}
    types = {table: dict(columns) for table, columns in shapes(lacking).items()}
    added: dict[str, list[str]] = {}
    try:
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
            ensure_table(conn)
            for table in lacking:
                loaded, missing = _lacking(conn, table)  # again, under the lock
                if not missing:
                    continue
                for municipio in municipios_in(conn, table.name):
                    conn.execute(
                        f"insert into {TABLE} (municipio, tabela, colunas) values (%s, %s, %s) "
                        "on conflict (municipio, tabela) do nothing",
                        (municipio, table.name, loaded),
                    )
                for column in missing:
                    conn.execute(
                        sql.SQL("alter table {} add column if not exists {} {}").format(
                            sql.Identifier(RAW_SCHEMA, table.name),
                            sql.Identifier(column),
                            sql.SQL(warehouse_type(types[table.name][column])),
                        )
                    )
                added[table.name] = missing
    except psycopg.errors.InsufficientPrivilege as error:
        names = ", ".join(f"{RAW_SCHEMA}.{t.name}" for t in lacking)
        msg = (
            f"the banco analítico's raw tables lack columns of the extraction contract ({names}) "
            "and this role may not add them: run `transmissor edge grant --ibge <IBGE> "
            "--keep-password` centrally (the tables' owner adds them), then transmit again"
        )
        raise TransmissorError(msg) from error
    return added


def tables_to_reload(conn: psycopg.Connection, tables: Sequence[Table], ibge: str) -> list[Table]:
    """The tables whose rows of this município were loaded without some contract column."""
    if not _exists(conn):
        return []
    recorded = dict(
        conn.execute(
            f"select tabela, colunas from {TABLE} where municipio = %s", (ibge,)
        ).fetchall()
    )
    return [t for t in tables if t.name in recorded and not set(t.columns) <= set(recorded[t.name])]


def record_loaded(conn: psycopg.Connection, ibge: str, tables: Sequence[Table]) -> None:
    """This município's rows of `tables` now have every contract column."""
    if not tables:
        return
    ensure_table(conn)
    for table in tables:
        conn.execute(
            f"insert into {TABLE} (municipio, tabela, colunas) values (%s, %s, %s) "
            "on conflict (municipio, tabela) do update "
            "set colunas = excluded.colunas, atualizado_em = now()",
            (ibge, table.name, list(table.columns)),
        )
