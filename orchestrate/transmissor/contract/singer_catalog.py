"""tap-pec's Singer catalog, kept in git (extract/tap-pec.catalog.json) instead of discovered.

Every PEC has the same schema, so discovering it at each município's first run only costs time:
tap-postgres reflects the 87 tables of `public` (5-7 s), and Meltano then applies ~180
selection rules to that catalog on every run (~2 s). The committed catalog holds the contract's
tables and columns only, already selected and with their replication metadata, so Meltano
copies it as is (its `select_filter` still narrows it to the incremental streams).

The JSON types come from a real discovery (`transmissor contract catalog --pec-url URL`);
`transmissor contract render` keeps the catalog in step with the contract and fails, naming the
column, when the contract reads a column the catalog has no type for. A PEC whose columns
differ from the contract's is caught by the pre-flight, before any run.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from transmissor.contract.model import Contract
from transmissor.errors import TransmissorError
from transmissor.meltano.logs import error_summary

CATALOG_PATH = Path("extract/tap-pec.catalog.json")
TAP = Path(".meltano/extractors/tap-postgres/venv/bin/tap-postgres")


def render(contract: Contract, typed: dict[str, Any]) -> dict[str, Any]:
    """The catalog of the contract's streams, with the JSON types of `typed` (a catalog)."""
    streams = {stream["tap_stream_id"]: stream for stream in typed.get("streams", [])}
    rendered = []
    for table in sorted(contract.tables, key=lambda t: t.stream_id):
        found = streams.get(table.stream_id, {}).get("schema", {}).get("properties", {})
        missing = [c for c in table.columns if c not in found]
        if missing:
            msg = (
                f"{table.name}: no JSON type for {', '.join(missing)} in {CATALOG_PATH}; "
                "run `transmissor contract catalog --pec-url URL` against a PEC that has them"
            )
            raise TransmissorError(msg)
        # maxLength dropped: the loader makes every string `text`, and a PEC upgrade that
        # widens a varchar must not contradict the catalog.
        properties = {
            column: {k: v for k, v in found[column].items() if k != "maxLength"}
            for column in table.columns
        }
        method = "INCREMENTAL" if table.incremental else "FULL_TABLE"
        stream_metadata: dict[str, Any] = {
            "inclusion": "available",
            "selected": True,
            "replication-method": method,
            "table-key-properties": list(table.primary_key),
            "schema-name": contract.schema,
            "is-view": False,
        }
        if table.incremental:
            stream_metadata["replication-key"] = table.replication_key
        automatic = {*table.primary_key, table.replication_key}
        rendered.append(
            {
                "tap_stream_id": table.stream_id,
                "stream": table.stream_id,
                "table_name": table.name,
                "key_properties": list(table.primary_key),
                "replication_method": method,
                **({"replication_key": table.replication_key} if table.incremental else {}),
                "is_view": False,
                "schema": {"type": "object", "properties": properties},
                "metadata": [
                    {"breadcrumb": [], "metadata": stream_metadata},
                    *(
                        {
                            "breadcrumb": ["properties", column],
                            "metadata": {
                                "inclusion": "automatic" if column in automatic else "available",
                                "selected": True,
                            },
                        }
                        for column in table.columns
                    ),
                ],
            }
        )
    return {"streams": rendered}


def text(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"


def committed(root: Path) -> dict[str, Any]:
    path = root / CATALOG_PATH
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def discover(root: Path, pec_url: str, schema: str) -> dict[str, Any]:
    """Run tap-postgres's own discovery against a PEC (read-only) and return its catalog."""
    with tempfile.TemporaryDirectory(prefix="transmissor-catalog-") as scratch:
        config = Path(scratch) / "config.json"
        config.write_text(json.dumps({"sqlalchemy_url": pec_url, "filter_schemas": [schema]}))
        config.chmod(0o600)  # the URL carries a password
        result = subprocess.run(
            [str(root / TAP), "--config", str(config), "--discover"],
            capture_output=True,
            text=True,
            check=False,
            env={"PGTZ": "UTC", "PATH": "/usr/bin:/bin"},
        )
    if result.returncode != 0:
        msg = f"tap-postgres discovery failed: {error_summary(result.stderr)}"
        raise TransmissorError(msg)
    return json.loads(result.stdout)
