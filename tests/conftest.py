"""Shared fixtures: one real PostgreSQL server for the whole test session."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from transmissor.dev.localpg import LocalPostgres

PROJECT_ROOT = Path(__file__).resolve().parents[1]

# Under CI=true a skipped test fails the run (tests/no_skips_in_ci.py); pytester runs pytest
# in pytest, for that plugin's own test.
pytest_plugins = ("tests.no_skips_in_ci", "pytester")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    """A PostgreSQL server started for this test session and removed after it."""
    root = tmp_path_factory.mktemp("pg")
    server = LocalPostgres(root=root, port=int(os.environ.get("TEST_PG_PORT", _free_port())))
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def new_database(pg_server: LocalPostgres) -> Callable[[str], str]:
    """Create an empty database with a unique name; returns its URL."""

    def create(prefix: str = "db") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute(f'create database "{name}"')
        return pg_server.url(name)

    return create


@pytest.fixture
def database_name() -> str:
    """A fresh, unused database name."""
    return f"t_{uuid.uuid4().hex[:10]}"
