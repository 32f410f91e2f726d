"""The reference of the standard PEC schema (`pec_schema.json`): every table, column and key.

The project's notes of the e-SUS APS PEC schema, machine-readable: 87 tables with their full
column lists, types, primary and foreign keys (how it was built: transmissor.dev.sandbox.reference).
Production reads it for the column types of raw tables and columns it must create before a
load reads the PEC (an edge box's tables, see transmissor.edge.loader_role; columns a contract
change adds, see transmissor.warehouse.raw_columns); the development sandbox builds its
databases from it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transmissor.errors import TransmissorError

if TYPE_CHECKING:
    from transmissor.contract.model import Table

PEC_SCHEMA_PATH = Path(__file__).with_name("pec_schema.json")


@cache
def document() -> dict[str, Any]:
    """The committed reference as JSON: {"description": ..., "tables": {name: {...}}}."""
    return json.loads(PEC_SCHEMA_PATH.read_text(encoding="utf-8"))


@cache  # read for every table of the contract, whenever the contract is loaded
def column_types() -> dict[str, dict[str, str]]:
    """table -> column -> type (as the PEC declares it, e.g. `varchar(10)`)."""
    return {
        name: {c["name"]: c["type"] for c in table["columns"]}
        for name, table in document()["tables"].items()
    }


def shapes(tables: list[Table]) -> dict[str, list[tuple[str, str]]]:
    """The PEC (column, type) of the contract columns of `tables`, from the reference."""
    types = column_types()
    found = {}
    for table in tables:
        known = types.get(table.name, {})
        missing = [c for c in table.columns if c not in known]
        if missing:
            msg = (
                f"the PEC schema notes lack {table.name}.{', '.join(missing)}; create the raw "
                "table with a central load (`transmissor first-load`) first"
            )
            raise TransmissorError(msg)
        found[table.name] = [(c, known[c]) for c in table.columns]
    return found
