"""Fast bulk loading: rows formatted in Python as COPY text and streamed in large chunks.

A `TableWriter` knows the full column list of a PEC table; callers pass only the columns they
vary, in a fixed order, and every other column gets its PEC default (1 = "Não informado" for
dimension FKs, 30001231 for dates in tb_dim_tempo, 0 for st_* flags, NULL otherwise). Rows are
preformatted with one `%` template per table, which keeps 100+ column tables cheap.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence

import psycopg

from transmissor.dev.sandbox.reference import Table

NULL = r"\N"
SENTINEL_TEMPO = 30001231
CHUNK_ROWS = 20000


def default_value(table: Table, column: str) -> str:
    """What PEC stores in a column the generator does not set."""
    spec = next(c for c in table.columns if c.name == column)
    if spec.references == "tb_dim_tempo":
        return str(SENTINEL_TEMPO)
    if spec.references and spec.references.startswith("tb_dim_"):
        return "1"
    if spec.not_null and spec.references:
        return "1"
    if column.startswith("st_") and spec.type == "integer":
        return "0"
    return NULL


class TableWriter:
    """Formats rows for one table; `flush` sends them with COPY."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        constants: dict[str, object] | None = None,
    ) -> None:
        names = table.column_names
        unknown = (set(columns) | set(constants or {})) - set(names)
        if unknown:
            raise ValueError(f"{table.name}: unknown columns {sorted(unknown)}")
        self.table = table
        self.columns = list(columns)
        self.count = 0
        self.rows: list[str] = []
        slots = {name: "%s" for name in columns}
        parts = []
        for name in names:
            if name in slots:
                parts.append("%s")
            elif constants and name in constants:
                parts.append(str(constants[name]).replace("%", "%%"))
            else:
                parts.append(default_value(table, name).replace("%", "%%"))
        # Template columns follow the table order, so reorder the caller's values.
        order = [self.columns.index(name) for name in names if name in slots]
        # None: the caller's order is the table's; else one C-level reorder per row
        self._reorder = None if order == list(range(len(order))) else operator.itemgetter(*order)
        self.template = "\t".join(parts) + "\n"

    def add(self, values: Sequence[object]) -> None:
        reorder = self._reorder
        row = tuple(values) if reorder is None else reorder(values)
        self.rows.append(self.template % row)
        self.count += 1

    def flush(self, conn: psycopg.Connection) -> None:
        if not self.rows:
            return
        copy_rows(conn, self.table.name, self.rows)
        self.rows = []


def copy_rows(conn: psycopg.Connection, table: str, rows: Iterable[str]) -> None:
    """COPY preformatted text rows (all columns, table order) into a table."""
    with conn.cursor() as cur, cur.copy(f"COPY public.{table} FROM STDIN") as copy:
        buffer: list[str] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= CHUNK_ROWS:
                copy.write("".join(buffer))
                buffer = []
        if buffer:
            copy.write("".join(buffer))
