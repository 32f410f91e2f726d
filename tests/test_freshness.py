"""Source freshness without dbt: which tables dbt watches, how its result is read and recorded,
and what `transmissor status` makes of it (tests/test_status_e2e.py runs dbt for real)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import yaml

from tests.project import PROJECT_ROOT
from tests.test_status_record import DAY, MELTANO_RUNS, A, B, at, meltano_run
from transmissor.contract.model import Contract
from transmissor.contract.render import SOURCES_PATH, checks_freshness
from transmissor.fleet.status import OK, STALE, Deadline, compute, render_table
from transmissor.municipios import environments
from transmissor.warehouse import freshness, transmissions

FACTS = ("tb_fat_atendimento_individual", "tb_fat_vacinacao")
RARELY_CHANGING = ("tb_dim_cbo", "tb_equipe", "tb_fat_cidadao_pec", "tb_cidadao")


def test_facts_are_watched_daily_and_what_rarely_changes_is_not() -> None:
    source = yaml.safe_load((PROJECT_ROOT / SOURCES_PATH).read_text(encoding="utf-8"))["sources"][0]
    daily = source["config"]["freshness"]
    assert daily["warn_after"] == {"count": 26, "period": "hour"}
    assert daily["error_after"] == {"count": 50, "period": "hour"}
    tables = {t["name"]: t for t in source["tables"]}
    for name in FACTS:
        assert "config" not in tables[name], name  # the source's daily window
    for name in RARELY_CHANGING:
        assert tables[name]["config"] == {"freshness": None}, name
    contract = Contract.load(PROJECT_ROOT)
    watched = {t.name for t in contract.tables if checks_freshness(t)}
    assert watched == {n for n, t in tables.items() if "config" not in t}
    assert all(
        t.incremental and t.name.startswith("tb_fat_") for t in contract.tables if t.name in watched
    )


def sources_json(statuses: dict[str, str], loaded: datetime) -> str:
    """What `dbt source freshness` writes, for the tables given."""
    results = [
        {
            "unique_id": f"source.transmissor.pec.{table}",
            "status": status,
            "max_loaded_at": (
                datetime(1, 1, 1, tzinfo=UTC) if status == "never" else loaded
            ).isoformat(),
            "max_loaded_at_time_ago_in_s": 3600.0,
            "snapshotted_at": loaded.isoformat(),
        }
        for table, status in statuses.items()
    ]
    for result in results:
        if result["status"] == "never":
            result["status"] = "error"
    return json.dumps({"metadata": {}, "results": results, "elapsed_time": 1.0})


def test_a_municipio_is_stale_only_when_every_fact_table_is() -> None:
    loaded = datetime(2026, 11, 27, 9, tzinfo=UTC)
    checked = loaded + timedelta(hours=1)

    def verdict(statuses: dict[str, str]) -> str:
        tables = freshness.parse_sources_json(sources_json(statuses, loaded))
        return freshness.Freshness(A, checked, tables).verdict

    assert verdict({"tb_fat_vacinacao": "pass", "tb_fat_atendimento_odonto": "pass"}) == "fresh"
    # A small município without dental records this week: behind, not stale.
    assert verdict({"tb_fat_vacinacao": "pass", "tb_fat_atendimento_odonto": "error"}) == "warn"
    assert verdict({"tb_fat_vacinacao": "error", "tb_fat_atendimento_odonto": "never"}) == "stale"
    assert verdict({"tb_fat_vacinacao": "runtime error"}) == "unknown"
    found = freshness.Freshness(
        A, checked, freshness.parse_sources_json(sources_json({"tb_fat_x": "never"}, loaded))
    )
    assert found.newest is None  # dbt's year 1 is "no rows", not a time


@pytest.fixture
def conn(new_database: Callable[[str], str]) -> Iterator[psycopg.Connection]:
    with psycopg.connect(new_database("fresh"), autocommit=True) as connection:
        connection.execute(MELTANO_RUNS)
        transmissions.ensure_schema(connection)
        yield connection


def test_status_says_stale_for_the_municipio_whose_facts_stopped(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    for code in (A, B):
        environments.add(tmp_path, code, "127.0.0.1", 5432, f"pec_{code}", "transmissor")
        meltano_run(conn, code, at(DAY, 6), at(DAY, 6, 1), "SUCCESS", rows=2)
    now = at(DAY, 13, 30)
    fresh = {t: "pass" for t in FACTS}
    stopped = dict.fromkeys(FACTS, "error")
    for code, statuses, loaded in ((A, fresh, now), (B, stopped, now - timedelta(days=3))):
        tables = freshness.parse_sources_json(sources_json(statuses, loaded))
        freshness.record(conn, code, tables, now)
    recorded = freshness.latest(conn)
    assert {code: f.verdict for code, f in recorded.items()} == {A: "fresh", B: "stale"}
    fleet = compute(
        conn, environments.registered(tmp_path), DAY, now, Deadline(), freshness=recorded
    )
    states = {m.ibge: m.state for m in fleet.municipios}
    assert states == {A: OK, B: STALE}  # B transmitted today, yet nothing new arrived
    assert [m.ibge for m in fleet.alerts] == [B]
    document = fleet.to_json()
    b = next(m for m in document["municipios"] if m["municipio"] == B)
    assert b["freshness"]["verdict"] == "stale"
    assert set(b["freshness"]["behind"]) == set(FACTS)
    table = render_table(fleet)
    assert "STALE" in table and "1 ok, 1 stale" in table
    assert "newest fact rows 3 days ago" in table
    # A new check replaces the município's last one.
    freshness.record(conn, B, freshness.parse_sources_json(sources_json(fresh, now)), now)
    assert freshness.latest(conn)[B].verdict == "fresh"
