"""`transmissor freshness`: dbt's source freshness, município by município, recorded.

Each check is `meltano --environment=<IBGE> invoke dbt-postgres:freshness` in the município's
own Meltano system directory (as `transmissor run` runs its job: its dbt target folder, so
dbt parses the project from its own cache), writing `sources.json` to a temporary file that
is then recorded in `transmissor.source_freshness` (warehouse.freshness) for `transmissor
status`. A check that could not run is recorded too, as `runtime error` with Meltano's error.

It runs apart from the daily job on purpose: a município whose transmissões stopped never
runs its job, so a check inside the job would never say so; and the job's time stays what it
was (a check costs a dbt start-up, about 5 s). Run it once a day after the transmissões'
window, before the status check (`transmissor freshness --all && transmissor status`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from transmissor.fleet.runner import child_env
from transmissor.meltano.logs import error_summary
from transmissor.meltano.run import run_meltano
from transmissor.settings import Warehouse
from transmissor.warehouse.database import connect
from transmissor.warehouse.dbt import DBT_PLUGIN
from transmissor.warehouse.freshness import (
    RUNTIME_ERROR,
    Freshness,
    TableFreshness,
    parse_sources_json,
    record,
)

COMMAND = f"{DBT_PLUGIN}:freshness"
TIMEOUT = 600.0


def check(root: Path, ibge: str, timeout: float = TIMEOUT) -> Freshness:
    """Run dbt's source freshness for one município and record it."""
    with tempfile.TemporaryDirectory(prefix=f"freshness-{ibge}-") as tmp:
        output = Path(tmp) / "sources.json"
        result = run_meltano(
            root,
            ["invoke", COMMAND, "--output", str(output)],
            environment=ibge,
            timeout=timeout,
            base_env=child_env(os.environ),
        )
        checked = datetime.now(UTC)
        if output.exists():
            tables = parse_sources_json(output.read_text(encoding="utf-8"))
        else:
            summary = error_summary(result.output) or f"{COMMAND} exited {result.returncode}"
            tables = [TableFreshness("*", RUNTIME_ERROR, None, None, summary)]
    with connect(Warehouse.from_env()) as conn:
        record(conn, ibge, tables, checked)
    return Freshness(ibge, checked, tables)


def check_all(
    root: Path,
    codes: list[str],
    parallel: int = 2,
    log: Callable[[str], None] = print,
) -> list[Freshness]:
    """`check` for each município, `parallel` at a time; in the order given."""

    def one(ibge: str) -> Freshness:
        found = check(root, ibge)
        log(describe(found))
        return found

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        return list(pool.map(one, codes))


def describe(found: Freshness) -> str:
    """One line: the município's verdict, its newest rows and the tables behind."""
    newest = f"{found.newest:%Y-%m-%d %H:%M %Z}" if found.newest else "never"
    behind = ", ".join(
        f"{t.table} {t.status}" + (f" ({t.error})" if t.error else "") for t in found.behind
    )
    line = f"{found.municipio}: {found.verdict}, newest fact rows {newest}"
    return f"{line}; behind: {behind}" if behind else line
