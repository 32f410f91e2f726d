"""Shared fixtures: real PostgreSQL servers, each started once per worker when first used.

A test's server is $TEST_PG_VERSION's (18 by default, the wheel's; 15 for Debian's). The
modules whose outcome depends on the banco analítico's server (marked `warehouse_versions`)
run once on each of WAREHOUSE_VERSIONS too, in the same session: their `pg_server` is
parametrised (test ids `[pg18]`, `[pg15]`).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.project import E2E_MARKS
from transmissor.dev.localpg import LocalPostgres
from transmissor.dev.pg_binaries import DEFAULT_VERSION, server_binaries

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VERSION_VARIABLE = "TEST_PG_VERSION"

# Under CI=true a skipped test fails the run (tests/no_skips_in_ci.py); pytester runs pytest
# in pytest, for that plugin's own test.
pytest_plugins = ("tests.no_skips_in_ci", "pytester")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the item's fixtures are set up: a module fixture that runs Meltano belongs to the
    # first test that requests it, so that test must carry the mark too.
    E2E_MARKS.test = item.nodeid
    E2E_MARKS.current = item.get_closest_marker("e2e") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(root: Path, version: str, port: int | None = None) -> LocalPostgres:
    """A new PostgreSQL `version` server with its data in `root` (10 is fetched on first use)."""
    binaries = server_binaries(version, PROJECT_ROOT)
    return LocalPostgres(root=root, port=port or _free_port(), binaries=binaries).start()


# The banco analítico's servers of the `warehouse_versions` modules: the wheel's 18 and
# Debian's 15 (tests/test_linear_plans.py shows why both: their planners differ).
WAREHOUSE_VERSIONS = ("18", "15")


def default_version() -> str:
    return os.environ.get(VERSION_VARIABLE, DEFAULT_VERSION)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pg_server" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "warehouse_versions"
    ):
        versions = list(dict.fromkeys((default_version(), *WAREHOUSE_VERSIONS)))
        ids = [f"pg{version}" for version in versions]
        metafunc.parametrize("pg_server", versions, indirect=True, scope="module", ids=ids)


@pytest.fixture(scope="session")
def pg_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[str], LocalPostgres]]:
    """A PostgreSQL server of a version, started the first time it is asked for in this
    session (the default version on $TEST_PG_PORT when set) and removed after it."""
    started: dict[str, LocalPostgres] = {}

    def server(version: str) -> LocalPostgres:
        if version not in started:
            port = int(os.environ.get("TEST_PG_PORT", 0)) if version == default_version() else 0
            root = tmp_path_factory.mktemp(f"pg{version}")
            started[version] = start_server(root, version, port or None)
        return started[version]

    yield server
    for started_server in started.values():
        started_server.destroy()


@pytest.fixture(scope="session")
def pg_server(
    request: pytest.FixtureRequest, pg_servers: Callable[[str], LocalPostgres]
) -> LocalPostgres:
    """The server of the test: $TEST_PG_VERSION's, or the version a `warehouse_versions`
    module is run with."""
    return pg_servers(getattr(request, "param", default_version()))


@pytest.fixture(scope="module")
def new_database(pg_server: LocalPostgres) -> Callable[[str], str]:
    """Create an empty database with a unique name on the module's server; returns its URL."""

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


# What a test must never write in the checkout: Meltano's run state, logs and system files
# under .meltano/ (the installed plugins aside), the fleet's logs and system directories, and
# .env. Every test works in a project copy (tests/project.py) instead.
PLUGIN_FOLDERS = {"extractors", "loaders", "mappers", "utilities", "orchestrators", "transformers"}
GUARDED = (".meltano", "logs", ".local/meltano", ".local/dbt", ".env")


def _checkout_writes() -> dict[str, int]:
    seen: dict[str, int] = {}
    for name in GUARDED:
        path = PROJECT_ROOT / name
        if not path.exists():
            continue
        seen[name] = path.stat().st_mtime_ns
        if path.is_dir():
            for child in path.iterdir():
                if child.name not in PLUGIN_FOLDERS:
                    seen[f"{name}/{child.name}"] = child.stat().st_mtime_ns
    return seen


@pytest.fixture(scope="session", autouse=True)
def checkout_untouched() -> Iterator[None]:
    before = _checkout_writes()
    yield
    after = _checkout_writes()
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"the tests wrote into the checkout itself: {changed}"
