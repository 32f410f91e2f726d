"""The project's sessions in the banco analítico plan for one município's clustered rows."""

from __future__ import annotations

import psycopg
import pytest

from transmissor.dev.localpg import SUPERUSER, LocalPostgres
from transmissor.settings import Warehouse
from transmissor.warehouse.database import PLANNER_VARIABLE, connect


def _warehouse(server: LocalPostgres) -> Warehouse:
    return Warehouse("127.0.0.1", server.port, SUPERUSER, server.password(), "postgres")


def _random_page_cost(server: LocalPostgres) -> str:
    with connect(_warehouse(server)) as conn:
        return conn.execute("show random_page_cost").fetchone()[0]


def test_sessions_lower_random_page_cost_and_raise_work_mem(
    pg_server: LocalPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PLANNER_VARIABLE, raising=False)
    with connect(_warehouse(pg_server)) as conn:
        assert conn.execute("show random_page_cost").fetchone()[0] == "1.5"
        assert conn.execute("show work_mem").fetchone()[0] == "32MB"
    # Nothing is set for the database: a plain session keeps the server's values.
    with psycopg.connect(pg_server.url()) as conn:
        assert conn.execute("show random_page_cost").fetchone()[0] == "4"
        assert conn.execute("show work_mem").fetchone()[0] == "4MB"


def test_an_empty_setting_sends_no_startup_options(
    pg_server: LocalPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a pooler that refuses startup options, TRANSMISSOR_PLANNER_OPTIONS= turns it off."""
    monkeypatch.setenv(PLANNER_VARIABLE, "")
    assert _random_page_cost(pg_server) == "4"
