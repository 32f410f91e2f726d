"""The extraction contract (extract/contract.yml) and what is generated from it.

The contract is the one hand-kept list of what leaves a banco do município. From it come the
`tap-pec` extractor (its catalog with selection and replication metadata, and the per-table
stream maps that add `co_municipio_ibge` to every row and to its primary key) and the dbt
sources of the raw tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from transmissor.errors import TransmissorError

MUNICIPIO_COLUMN = "co_municipio_ibge"
GENERATED_HEADER = (
    "# GENERATED from extract/contract.yml by `transmissor contract render`: do not edit.\n"
)
EXTRACTOR_PATH = Path("extract/tap-pec.meltano.yml")
STREAM_MAPS_PATH = Path("extract/stream-maps.json")
# Every table through Singer (an SSH município, which `transmissor snapshot` cannot reach).
ALL_STREAM_MAPS_PATH = Path("extract/stream-maps-all.json")
ALL_TABLES_VARIABLE = "TRANSMISSOR_SINGER_ALL_TABLES"
SOURCES_PATH = Path("transform/models/staging/pec/_pec__sources.yml")


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
        path = root / "extract" / "contract.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(schema=raw["schema"], tables=tuple(Table.from_dict(t) for t in raw["tables"]))

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        msg = f"table {name} is not in the extraction contract"
        raise KeyError(msg)


def render_stream_maps(contract: Contract, every_table: bool = False) -> dict[str, Any]:
    """Per-table stream maps: `co_municipio_ibge` on every row and first in every key.

    One entry per table because a glob map cannot carry per-table key properties. They reach
    the tap as a second config file (see extract/tap-pec), not through meltano.yml, where
    Meltano's settings service spends seconds per run expanding them.
    """
    return {
        "stream_maps": {
            table.stream_id: {
                MUNICIPIO_COLUMN: f"str(config['{MUNICIPIO_COLUMN}'])",
                "__key_properties__": [MUNICIPIO_COLUMN, *table.primary_key],
            }
            for table in contract.tables
            # The SDK rejects a map whose key properties a deselected stream does not have.
            if every_table or table.incremental
        }
    }


def render_extractor(contract: Contract) -> dict[str, Any]:
    """The `tap-pec` plugin: tap-postgres reading the contract's tables and columns.

    Selection and replication metadata live in the committed catalog (transmissor.catalog).
    """
    from transmissor.contract.singer_catalog import CATALOG_PATH

    return {
        "plugins": {
            "extractors": [
                {
                    "name": "tap-pec",
                    "inherit_from": "tap-postgres",
                    # The wrapper, relative to the shared venv's bin/ folder.
                    "executable": "../../../../../extract/tap-pec",
                    "config": {
                        "filter_schemas": [contract.schema],
                        "stream_map_config": {MUNICIPIO_COLUMN: "${MUNICIPIO_IBGE}"},
                    },
                    "catalog": str(CATALOG_PATH),
                    # Only the incremental tables go through Singer; the full-table ones are
                    # COPYed by `transmissor snapshot` (an SSH município's environment widens
                    # this to every table, since the snapshot cannot reach its PEC).
                    "select_filter": [t.stream_id for t in contract.tables if t.incremental],
                }
            ]
        }
    }


def render_sources(contract: Contract) -> dict[str, Any]:
    """dbt sources for the raw tables, with keys tested and per-municipality freshness.

    Freshness is checked on every table (dimensions too: they are re-read whole daily). Run in
    a município's Meltano environment (MUNICIPIO_IBGE set), the freshness `filter` keeps that
    município's rows only; without it, every row counts. An MUNICIPIO_IBGE that is not a
    7-digit code matches no row, so freshness fails loudly instead of checking the wrong rows.
    The key tests are scoped the same way by transform/dbt_project.yml (`+where`).
    """
    municipio = "env_var('MUNICIPIO_IBGE', '') | trim"
    freshness_filter = (
        f"{{% set ibge = {municipio} %}}"
        "{% if not ibge %}true"
        f"{{% elif ibge.isdigit() and ibge | length == 7 %}}{MUNICIPIO_COLUMN} = '{{{{ ibge }}}}'"
        f"{{% else %}}{MUNICIPIO_COLUMN} = 'MUNICIPIO_IBGE is not a 7-digit IBGE code'"
        "{% endif %}"
    )
    tables = []
    for table in contract.tables:
        key = [MUNICIPIO_COLUMN, *table.primary_key]
        tables.append(
            {
                "name": table.name,
                "description": f"{table.purpose} Replication: {table.replication}.",
                # Complete and unique in one test (transform/macros/tests/test_primary_key.sql).
                "data_tests": [{"primary_key": {"arguments": {"columns": key}}}],
                "columns": [
                    {
                        "name": MUNICIPIO_COLUMN,
                        "description": "IBGE code (7 digits) of the município the row came from.",
                    },
                    *(
                        {
                            "name": column,
                            "description": "PEC primary key (local to each município's PEC).",
                        }
                        for column in table.primary_key
                    ),
                ],
            }
        )
    return {
        "version": 2,
        "sources": [
            {
                "name": "pec",
                "description": "Raw PEC tables of every município, as loaded by Meltano.",
                "schema": "raw_pec",
                "config": {
                    "loaded_at_field": "_sdc_batched_at",
                    "freshness": {
                        # Daily loads: a day and a bit before warning, two before failing.
                        "warn_after": {"count": 26, "period": "hour"},
                        "error_after": {"count": 50, "period": "hour"},
                        "filter": freshness_filter,
                    },
                },
                "tables": tables,
            }
        ],
    }


def _dump(document: dict[str, Any]) -> str:
    return GENERATED_HEADER + yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=100
    )


def rendered_files(root: Path) -> dict[Path, str]:
    from transmissor.contract import readonly_role
    from transmissor.contract import singer_catalog as catalog

    contract = Contract.load(root)
    return {
        catalog.CATALOG_PATH: catalog.text(catalog.render(contract, catalog.committed(root))),
        readonly_role.SCRIPT_PATH: readonly_role.render(contract, readonly_role.DEFAULT_ROLE),
        EXTRACTOR_PATH: _dump(render_extractor(contract)),
        STREAM_MAPS_PATH: json.dumps(render_stream_maps(contract), indent=2) + "\n",
        ALL_STREAM_MAPS_PATH: json.dumps(render_stream_maps(contract, True), indent=2) + "\n",
        SOURCES_PATH: _dump(render_sources(contract)),
    }


def render(root: Path, check: bool = False) -> list[Path]:
    """Write the generated files; with check, only list those that are out of date."""
    stale = []
    for relative, text in rendered_files(root).items():
        path = root / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    return stale
