"""The machine-readable PEC schema reference, `pec_schema.json`, the sandbox's schema.

The file is the committed reference itself. It was imported once from Appendix B of the
project's PEC schema notes (the column lists of a Django inspectdb of a real PEC, plus
`tb_fat_rel_op_gestante` from their section 2.2), and tables those lists reference through a
foreign key without describing them got a generic shape (`co_seq_<x>`, `nu_identificador`, a
description) and `auxiliary: true`. Since then it is edited by hand: every table says where it
comes from (`source`), and every column added to a table of the import names its own source
(the PEC 5.5.28 names the quality indicators read). Child → header links of the real PEC stay
plain bigint (no FK). `tests/test_sandbox_reference.py` checks that the file is consistent and
holds every column the extraction contract reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from transmissor.contract import pec_schema

SCHEMA_JSON = pec_schema.PEC_SCHEMA_PATH
TYPES = ("bigint", "integer", "smallint", "numeric", "date", "timestamp", "double precision")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool
    references: str | None  # referenced table (its primary key), or None
    source: str | None = None  # set on columns added after the import


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    primary_key: str
    columns: tuple[Column, ...]
    auxiliary: bool
    source: str

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def generic_pk(table: str) -> str:
    """PK of an auxiliary table: co_seq_dim_<x> for tb_dim_<x>, co_seq_<x> for tb_<x>."""
    if table.startswith("tb_dim_"):
        return "co_seq_dim_" + table[len("tb_dim_") :]
    return "co_seq_" + table[len("tb_") :]


@cache
def load() -> dict[str, Table]:
    """The committed schema reference, by table name."""
    return {
        name: Table(
            name=name,
            primary_key=spec["primary_key"],
            auxiliary=spec["auxiliary"],
            source=spec["source"],
            columns=tuple(
                Column(c["name"], c["type"], c["not_null"], c["references"], c.get("source"))
                for c in spec["columns"]
            ),
        )
        for name, spec in pec_schema.document()["tables"].items()
    }
