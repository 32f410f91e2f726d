"""The reference of the standard PEC schema (`pec_schema.json`): every table, column and key.

The project's notes of the e-SUS APS PEC schema, machine-readable: 87 tables with their full
column lists, types, primary and foreign keys (how it was built: transmissor.dev.sandbox.reference).
Production reads it for the column types of raw tables it must create before any load (an edge
box's, see transmissor.edge.loader_role); the development sandbox builds its databases from it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

PEC_SCHEMA_PATH = Path(__file__).with_name("pec_schema.json")


@cache
def document() -> dict[str, Any]:
    """The committed reference as JSON: {"description": ..., "tables": {name: {...}}}."""
    return json.loads(PEC_SCHEMA_PATH.read_text(encoding="utf-8"))


def column_types() -> dict[str, dict[str, str]]:
    """table -> column -> type (as the PEC declares it, e.g. `varchar(10)`)."""
    return {
        name: {c["name"]: c["type"] for c in table["columns"]}
        for name, table in document()["tables"].items()
    }
