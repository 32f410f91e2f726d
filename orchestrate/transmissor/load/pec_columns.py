"""The contract's columns as a município's PEC has them, and read so they load as they are."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from transmissor.contract.model import Table
from transmissor.warehouse.raw_tables import Columns, column_types, warehouse_type


def source_columns(source: psycopg.Connection, schema: str, table: Table) -> Columns:
    """(column, type) of the contract's columns, in the source table's order."""
    wanted = set(table.columns)
    return [c for c in column_types(source, f"{schema}.{table.name}") if c[0] in wanted]


# Read in every source transaction that copies floats: their text is then exact, the
# shortest form that reads back as the same double (PostgreSQL 12+) or 17 significant digits
# (older servers). A plain float8::numeric cast keeps only 15 digits (4.116666666666666 became
# 4.11666666666667).
EXACT_FLOATS = "set local extra_float_digits = 3"


def source_value(column: str, source_type: str) -> sql.Composable:
    """The column as the PEC should send it: floats as the numeric the loader stores, exactly
    (through their text, under EXACT_FLOATS)."""
    if warehouse_type(source_type) == "numeric" and "numeric" not in source_type:
        return sql.SQL("{}::text::numeric").format(sql.Identifier(column))
    return sql.Identifier(column)


def shapes_at(
    source: psycopg.Connection, schema: str
) -> Callable[[list[Table]], dict[str, Columns]]:
    """The PEC columns of raw tables to create, read at the PEC (raw_tables.ensure_raw_tables)."""

    def shapes(tables: list[Table]) -> dict[str, Columns]:
        with source.transaction():  # ends here, so each copy opens its own snapshot
            return {t.name: source_columns(source, schema, t) for t in tables}

    return shapes
