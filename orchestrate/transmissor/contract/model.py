"""The extraction contract (extract/contract.yml): the PEC tables and columns that leave.

The contract is the one hand-kept list of what leaves a banco do município; what is generated
from it is in `transmissor.contract.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's loader, ten times PyYAML's own: every step and check loads the contract
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - a PyYAML built without libyaml
    from yaml import SafeLoader

from transmissor.contract import pec_schema
from transmissor.errors import TransmissorError

CONTRACT_PATH = Path("extract/contract.yml")
# Added to every row and first in every raw key: PEC ids are local to each installation.
MUNICIPIO_COLUMN = "co_municipio_ibge"
# PEC column types a pseudonym can replace: text, whose raw column is text on every path.
TEXT_TYPES = ("varchar", "character", "char", "text", "bpchar")


@dataclass(frozen=True, slots=True)
class Table:
    """One replicated PEC table."""

    name: str
    replication: str
    primary_key: tuple[str, ...]
    columns: tuple[str, ...]
    purpose: str
    replication_key: str | None = None
    pseudonymise: tuple[str, ...] = ()

    @property
    def stream_id(self) -> str:
        return f"public-{self.name}"

    @property
    def incremental(self) -> bool:
        return self.replication == "incremental"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Table:
        table = cls(
            name=raw["name"],
            replication=raw["replication"],
            primary_key=tuple(raw["primary_key"]),
            columns=tuple(raw["columns"]),
            purpose=raw.get("purpose", ""),
            replication_key=raw.get("replication_key"),
            pseudonymise=tuple(raw.get("pseudonymise", ())),
        )
        table.validate()
        return table

    def validate(self) -> None:
        problems = []
        if self.replication not in {"incremental", "full_table"}:
            problems.append(
                f"replication must be incremental or full_table, not {self.replication}"
            )
        if self.incremental and self.replication_key not in self.columns:
            problems.append("an incremental table needs a replication_key among its columns")
        if not self.incremental and self.replication_key:
            problems.append("a full_table table takes no replication_key")
        problems += [
            f"primary key {k} is not a column" for k in self.primary_key if k not in self.columns
        ]
        if MUNICIPIO_COLUMN in self.columns:
            problems.append(f"{MUNICIPIO_COLUMN} is added by the extractor, not read from the PEC")
        problems += [
            f"pseudonymised {c} is not a column" for c in self.pseudonymise if c not in self.columns
        ]
        problems += [
            f"key column {c} cannot be pseudonymised"
            for c in self.pseudonymise
            if c in self.primary_key or c == self.replication_key
        ]
        types = pec_schema.column_types().get(self.name, {})
        problems += [
            f"pseudonymised {c} is {types[c]} in the PEC; a pseudonym (64 hex characters) "
            "replaces text only"
            for c in self.pseudonymise
            if c in types and not types[c].lower().startswith(TEXT_TYPES)
        ]
        if len(set(self.columns)) != len(self.columns):
            problems.append("a column is listed twice")
        if problems:
            msg = f"extract/contract.yml, table {self.name}: " + "; ".join(problems)
            raise TransmissorError(msg)


@dataclass(frozen=True, slots=True)
class Contract:
    """All replicated tables, in contract order."""

    schema: str
    tables: tuple[Table, ...]

    @classmethod
    def load(cls, root: Path) -> Contract:
        path = root / CONTRACT_PATH
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)
        return cls(schema=raw["schema"], tables=tuple(Table.from_dict(t) for t in raw["tables"]))

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        msg = f"table {name} is not in the extraction contract"
        raise KeyError(msg)
