"""dbt's source freshness per município, as recorded for `transmissor status`.

`dbt source freshness`, run in a município's Meltano environment (`dbt-postgres:freshness`,
whose `MUNICIPIO_IBGE` the sources' freshness filter reads), measures per fact table how long
ago that município's rows last arrived (`_sdc_batched_at`; dimensions and state tables are
not watched, see `contract.render.checks_freshness`) against a daily window: warn after 26 h,
error after 50 h. Its result (`sources.json`) is recorded here, one row per município and
table, replaced by each check: `transmissor.source_freshness`.

A município is `stale` when every fact table it has is past the error window: nothing at all
arrived for two days. One table behind alone (a small município with no dental records in a
week) is a `warn`, named per table, not an alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from transmissor.municipios.ibge import CODE_PATTERN

TABLE = "transmissor.source_freshness"
DDL = rf"""
create schema if not exists transmissor;
create table if not exists {TABLE} (
    municipio text not null check (municipio ~ '^{CODE_PATTERN}$'),
    source_table text not null,
    -- dbt's verdict: pass, warn, error or runtime error
    status text not null,
    max_loaded_at timestamptz,
    age_seconds double precision,
    checked_at timestamptz not null,
    error text,
    primary key (municipio, source_table)
);
comment on table {TABLE} is
    'The latest dbt source freshness of each município (transmissor freshness), per table.';
"""

PASS = "pass"
WARN = "warn"
ERROR = "error"
RUNTIME_ERROR = "runtime error"
# A município's verdict.
FRESH = "fresh"
STALE = "stale"
UNKNOWN = "unknown"  # the check could not run (see the error)
# dbt reports a table without any row for the município as loaded in the year 1.
NEVER_YEAR = 1


def _loaded(moment: datetime | None) -> datetime | None:
    return moment if moment and moment.year > NEVER_YEAR else None


@dataclass(frozen=True, slots=True)
class TableFreshness:
    table: str
    status: str
    max_loaded_at: datetime | None
    age_seconds: float | None
    error: str | None = None


@dataclass
class Freshness:
    """A município's latest check."""

    municipio: str
    checked_at: datetime
    tables: list[TableFreshness] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        statuses = {t.status for t in self.tables}
        if not self.tables or RUNTIME_ERROR in statuses:
            return UNKNOWN
        if statuses == {ERROR}:
            return STALE
        if statuses & {WARN, ERROR}:
            return WARN
        return FRESH

    @property
    def behind(self) -> list[TableFreshness]:
        return [t for t in self.tables if t.status != PASS]

    @property
    def newest(self) -> datetime | None:
        """When the município's freshest fact table last received rows."""
        return max((m for t in self.tables if (m := _loaded(t.max_loaded_at))), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "checked_at": self.checked_at.isoformat(),
            "newest_rows_at": self.newest.isoformat() if self.newest else None,
            "behind": {t.table: t.status for t in self.behind},
        }


def parse_sources_json(text: str) -> list[TableFreshness]:
    """The tables of a `dbt source freshness` result (sources.json)."""
    document = json.loads(text)
    tables = []
    for result in document.get("results", []):
        loaded = result.get("max_loaded_at")
        tables.append(
            TableFreshness(
                table=str(result["unique_id"]).rsplit(".", 1)[-1],
                status=result["status"],
                max_loaded_at=datetime.fromisoformat(loaded) if loaded else None,
                age_seconds=result.get("max_loaded_at_time_ago_in_s"),
                error=result.get("error"),
            )
        )
    return tables


def ensure_table(conn: psycopg.Connection) -> None:
    conn.execute(DDL)


def record(
    conn: psycopg.Connection, municipio: str, tables: list[TableFreshness], checked_at: datetime
) -> None:
    """Replace the município's recorded check by this one."""
    ensure_table(conn)
    with conn.transaction():
        conn.execute(f"delete from {TABLE} where municipio = %s", (municipio,))
        for t in tables:
            conn.execute(
                f"insert into {TABLE} (municipio, source_table, status, max_loaded_at, "
                "age_seconds, checked_at, error) values (%s, %s, %s, %s, %s, %s, %s)",
                (
                    municipio,
                    t.table,
                    t.status,
                    _loaded(t.max_loaded_at),
                    t.age_seconds,
                    checked_at,
                    t.error,
                ),
            )


def latest(conn: psycopg.Connection) -> dict[str, Freshness]:
    """Every município's recorded check (none before the first `transmissor freshness`)."""
    if not conn.execute(f"select to_regclass('{TABLE}') is not null").fetchone()[0]:
        return {}
    rows = conn.execute(
        f"select municipio, source_table, status, max_loaded_at, age_seconds, checked_at, error "
        f"from {TABLE} order by municipio, source_table"
    ).fetchall()
    found: dict[str, Freshness] = {}
    for municipio, table, status, loaded, age, checked, error in rows:
        entry = found.setdefault(municipio, Freshness(municipio, checked))
        entry.checked_at = max(entry.checked_at, checked)
        entry.tables.append(TableFreshness(table, status, loaded, age, error))
    return found
