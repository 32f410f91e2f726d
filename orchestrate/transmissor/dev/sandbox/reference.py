"""The machine-readable PEC schema reference (`pec_schema.json`) and the parser that builds it.

Source: Appendix B of PEC_SCHEMA.md (column lists from a Django inspectdb of a real PEC) plus
`tb_fat_rel_op_gestante` from section 2.2. Tables that Appendix B references through `FK→x` but
does not describe get a minimal generic shape and are marked `auxiliary`, so every foreign key
can be declared. Child → header links of the real PEC stay plain bigint (no FK).

Regenerate with:  python -m transmissor.dev.sandbox.reference /path/to/PEC_SCHEMA.md
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transmissor.contract import pec_schema

SCHEMA_JSON = pec_schema.PEC_SCHEMA_PATH

_TABLE_HEADING = re.compile(r"^### (tb_\w+) \((\d+) columns\)\s*$")
_COLUMN = re.compile(r"`(\w+)`\s+([^,]+?)\s*(?:,|$)")
_TYPE = re.compile(
    r"^(bigint|integer|smallint|date|timestamp|double precision|varchar\(\d+\))"
    r"(\s+\*\*PK\*\*)?(\s+NOT NULL)?$"
)
_FK = re.compile(r"^FK→(tb_\w+|self)(\s+NOT NULL)?$")

# Section 2.2 names these columns of the operational-report table; types inferred.
REL_OP_GESTANTE = {
    "name": "tb_fat_rel_op_gestante",
    "columns": [
        ("co_seq_fat_rel_op_gestante", "bigint", True, None),
        ("co_fat_cidadao_pec", "bigint", False, "tb_fat_cidadao_pec"),
        ("dt_inicio_gestacao", "date", False, None),
        ("dt_fai_dum", "date", False, None),
        ("nu_idade_gestacional", "integer", False, None),
    ],
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool
    references: str | None  # referenced table (its primary key), or None


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


def generic_label(table: str) -> str:
    """Description column of an auxiliary table: ds_<x> for dims, no_<x> otherwise."""
    if table.startswith("tb_dim_"):
        return "ds_" + table[len("tb_dim_") :]
    return "no_" + table[len("tb_") :]


def _parse_column(text: str, table: str) -> tuple[str, str, bool, bool, str | None]:
    name, rest = text
    rest = rest.strip()
    fk = _FK.match(rest)
    if fk:
        target = table if fk.group(1) == "self" else fk.group(1)
        return name, "bigint", bool(fk.group(2)), False, target
    typed = _TYPE.match(rest)
    if not typed:
        raise ValueError(f"{table}.{name}: cannot parse column type {rest!r}")
    return name, typed.group(1), bool(typed.group(3)), bool(typed.group(2)), None


def parse_markdown(text: str) -> dict:
    """Parse Appendix B of PEC_SCHEMA.md into the JSON document stored as pec_schema.json."""
    appendix = text.split("## Appendix B", 1)
    if len(appendix) != 2:
        raise ValueError("PEC_SCHEMA.md has no '## Appendix B' section")
    lines = appendix[1].splitlines()
    tables: dict[str, dict] = {}
    for index, line in enumerate(lines):
        heading = _TABLE_HEADING.match(line)
        if not heading:
            continue
        name, expected = heading.group(1), int(heading.group(2))
        body = next(item for item in lines[index + 1 :] if item.strip())
        columns, pk = [], None
        for raw in _COLUMN.findall(body):
            col, typ, not_null, is_pk, ref = _parse_column(raw, name)
            if is_pk:
                pk = col
            columns.append(
                {"name": col, "type": typ, "not_null": not_null or is_pk, "references": ref}
            )
        if len(columns) != expected:
            raise ValueError(f"{name}: heading says {expected} columns, parsed {len(columns)}")
        if pk is None:
            raise ValueError(f"{name}: no **PK** column")
        tables[name] = {
            "primary_key": pk,
            "auxiliary": False,
            "source": "PEC_SCHEMA.md Appendix B",
            "columns": columns,
        }

    rel = REL_OP_GESTANTE
    tables[rel["name"]] = {
        "primary_key": rel["columns"][0][0],
        "auxiliary": False,
        "source": "PEC_SCHEMA.md section 2.2 (types inferred)",
        "columns": [
            {"name": n, "type": t, "not_null": pk, "references": r}
            for n, t, pk, r in rel["columns"]
        ],
    }

    referenced = sorted(
        {c["references"] for t in tables.values() for c in t["columns"] if c["references"]}
        - tables.keys()
    )
    for name in referenced:
        tables[name] = {
            "primary_key": generic_pk(name),
            "auxiliary": True,
            "source": "auxiliary: referenced by an FK, absent from Appendix B (generic shape)",
            "columns": [
                {"name": generic_pk(name), "type": "bigint", "not_null": True, "references": None},
                {
                    "name": "nu_identificador",
                    "type": "varchar(100)",
                    "not_null": False,
                    "references": None,
                },
                {
                    "name": generic_label(name),
                    "type": "varchar(500)",
                    "not_null": False,
                    "references": None,
                },
            ],
        }
    return {
        "description": "PEC DW/operational tables the sandbox creates (see reference.py)",
        "tables": dict(sorted(tables.items())),
    }


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
                Column(c["name"], c["type"], c["not_null"], c["references"])
                for c in spec["columns"]
            ),
        )
        for name, spec in pec_schema.document()["tables"].items()
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m transmissor.dev.sandbox.reference PEC_SCHEMA.md", file=sys.stderr)
        return 2
    document = parse_markdown(Path(args[0]).read_text(encoding="utf-8"))
    SCHEMA_JSON.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print(f"wrote {SCHEMA_JSON} ({len(document['tables'])} tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
