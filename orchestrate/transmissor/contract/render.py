"""What is generated from the extraction contract, and `transmissor contract render`/`check`.

From the contract come the `tap-pec` extractor (its catalog with selection and replication
metadata, and the per-table stream maps that add `co_municipio_ibge` to every row and to its
primary key), the read-only role's SQL script, the dbt sources of the raw tables and the dbt
macro `ibge_code_pattern()`, the IBGE code rule of `transmissor.municipios.ibge` as dbt sees
it. A test and `make lint` fail when a generated file is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from transmissor.contract import readonly_role, singer_catalog
from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import CODE_PATTERN

GENERATED_HEADER = (
    "# GENERATED from extract/contract.yml by `transmissor contract render`: do not edit.\n"
)
EXTRACTOR_PATH = Path("extract/tap-pec.meltano.yml")
STREAM_MAPS_PATH = Path("extract/stream-maps.json")
# Every table through Singer (an SSH município, which `transmissor snapshot` cannot reach).
ALL_STREAM_MAPS_PATH = Path("extract/stream-maps-all.json")
SOURCES_PATH = Path("transform/models/staging/pec/_pec__sources.yml")
IBGE_MACRO_PATH = Path("transform/macros/municipio/ibge_code_pattern.sql")
BASE_EXTRACTOR = "tap-postgres"
BASE_EXTRACTOR_PATH = Path("plugins/extractors.meltano.yml")
# The tap-postgres wrapper (stream maps, pseudonymisation), relative to the project root.
WRAPPER = "extract/tap-pec"


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


def base_extractor(root: Path) -> dict[str, Any]:
    """tap-postgres as plugins/extractors.meltano.yml defines it (installed there, pinned)."""
    document = yaml.safe_load((root / BASE_EXTRACTOR_PATH).read_text(encoding="utf-8")) or {}
    for plugin in document.get("plugins", {}).get("extractors", []):
        if plugin.get("name") == BASE_EXTRACTOR:
            return plugin
    msg = f"{BASE_EXTRACTOR_PATH} defines no extractor {BASE_EXTRACTOR}"
    raise TransmissorError(msg)


def render_extractor(contract: Contract, base: dict[str, Any]) -> dict[str, Any]:
    """The `tap-pec` plugin: tap-postgres (`base`) reading the contract's tables and columns.

    Its executable is the wrapper extract/tap-pec, which runs tap-postgres from the base's
    virtual environment. Meltano resolves a plugin's executable in the plugin's own venv when
    the plugin has a pip_url (an `inherit_from: tap-postgres` would have tap-postgres's), and
    from the project root when it has none: so tap-pec carries the base's interface (namespace,
    capabilities, settings, env) instead of inheriting it, and has no pip_url of its own.
    Selection and replication metadata live in the committed catalog (singer_catalog).
    """
    return {
        "plugins": {
            "extractors": [
                {
                    "name": "tap-pec",
                    "namespace": base["namespace"],
                    "executable": WRAPPER,
                    "capabilities": base.get("capabilities", []),
                    "env": base.get("env", {}),
                    "settings": base.get("settings", []),
                    "config": {
                        "filter_schemas": [contract.schema],
                        "stream_map_config": {MUNICIPIO_COLUMN: "${MUNICIPIO_IBGE}"},
                    },
                    "catalog": str(singer_catalog.CATALOG_PATH),
                    # Only the incremental tables go through Singer; the full-table ones are
                    # COPYed by `transmissor snapshot` (an SSH município's environment widens
                    # this to every table, since the snapshot cannot reach its PEC).
                    "select_filter": [t.stream_id for t in contract.tables if t.incremental],
                }
            ]
        }
    }


# PEC tables named for facts (`tb_fat_*`), appended daily by the extract-load: `_sdc_batched_at`
# says when the município's last rows of each arrived.
FACT_PREFIX = "tb_fat_"


def checks_freshness(table: Table) -> bool:
    """Whether dbt's source freshness watches the table: the incremental fact tables.

    Dimensions and state tables (full_table: the snapshot writes only the rows that changed, so
    a dimension untouched for months is as current as it gets) and the citizens' register
    (`tb_cidadao`, rows added only for new people) rarely change: their age says nothing.
    """
    return table.incremental and table.name.startswith(FACT_PREFIX)


# Replaced, when dbt executes, by the condition on the município being run (the dbt macro
# municipio_atual, transform/macros/municipio/).
MUNICIPIO_PLACEHOLDER = "__municipio_atual__"


def render_sources(contract: Contract) -> dict[str, Any]:
    """dbt sources for the raw tables, with keys tested and per-municipality freshness.

    Freshness is checked on the fact tables (`checks_freshness`); every other table has
    `freshness: null`, so a dimension that rarely changes is never stale. The freshness
    `filter` is the placeholder that transform/macros/municipio/postgres__collect_freshness.sql
    turns, when dbt executes, into the rows of the município being run (MUNICIPIO_IBGE set) or
    every row; a source's YAML is rendered when dbt parses, and a município read there would make
    each município's first build parse the project again. The key tests are scoped the same
    way by transform/dbt_project.yml (`+where`).
    """
    freshness_filter = MUNICIPIO_PLACEHOLDER
    tables = []
    for table in contract.tables:
        key = [MUNICIPIO_COLUMN, *table.primary_key]
        tables.append(
            {
                "name": table.name,
                "description": f"{table.purpose} Replication: {table.replication}.",
                **({} if checks_freshness(table) else {"config": {"freshness": None}}),
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


def _dump(document: dict[str, Any], note: str = "") -> str:
    return (
        GENERATED_HEADER
        + note
        + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    )


def render_ibge_macro() -> str:
    """The dbt macro `ibge_code_pattern()`: CODE_PATTERN, for dbt's own checks of the code."""
    return f"""\
{{#- GENERATED from transmissor.municipios.ibge.CODE_PATTERN by `transmissor contract render`:
    do not edit. The form of an IBGE municipality code, a regular expression without anchors
    (modules.re.fullmatch(ibge_code_pattern(), code)). -#}}
{{% macro ibge_code_pattern() -%}}
    {{%- do return('{CODE_PATTERN}') -%}}
{{%- endmacro %}}
"""


def rendered_files(root: Path) -> dict[Path, str]:
    contract = Contract.load(root)
    catalog = singer_catalog.render(contract, singer_catalog.committed(root))
    return {
        singer_catalog.CATALOG_PATH: singer_catalog.text(catalog),
        readonly_role.SCRIPT_PATH: readonly_role.render(contract, readonly_role.DEFAULT_ROLE),
        EXTRACTOR_PATH: _dump(
            render_extractor(contract, base_extractor(root)),
            f"# The interface of {BASE_EXTRACTOR} comes from {BASE_EXTRACTOR_PATH}.\n",
        ),
        STREAM_MAPS_PATH: json.dumps(render_stream_maps(contract), indent=2) + "\n",
        ALL_STREAM_MAPS_PATH: json.dumps(render_stream_maps(contract, True), indent=2) + "\n",
        SOURCES_PATH: _dump(render_sources(contract)),
        IBGE_MACRO_PATH: render_ibge_macro(),
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
