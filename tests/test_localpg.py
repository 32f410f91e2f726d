"""The local PostgreSQL: starts with a port and a password, is reused, stops cleanly; in the
other versions the tests use too."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from tests.conftest import _free_port, start_server
from transmissor.dev.localpg import LocalPostgres, LocalPostgresError
from transmissor.dev.pg_binaries import ServerBinariesError, server_binaries


def test_start_reuse_stop(tmp_path: Path) -> None:
    server = LocalPostgres(root=tmp_path / "pg", port=_free_port())
    server.start()
    try:
        url = server.url()
        assert "127.0.0.1" in url and server.password() in url
        with psycopg.connect(url) as conn:
            pid = conn.execute("select pg_backend_pid()").fetchone()
            assert pid
        # A second start reuses the running server instead of failing.
        postmaster = (server.data_dir / "postmaster.pid").read_text().split()[0]
        server.start()
        assert (server.data_dir / "postmaster.pid").read_text().split()[0] == postmaster
        # Password authentication is enforced on TCP.
        wrong = url.replace(server.password(), "not-the-password")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong)
        if os.geteuid() == 0:
            # As root, the server runs as an unprivileged system user.
            assert (server.data_dir).stat().st_uid != 0
    finally:
        assert server.stop()
    assert not server.is_running()
    assert not server.stop()
    # The data survives a restart.
    server.start()
    server.destroy()


def test_a_taken_port_is_reported(tmp_path: Path, pg_server: LocalPostgres) -> None:
    other = LocalPostgres(root=tmp_path / "other", port=pg_server.port)
    with pytest.raises(LocalPostgresError, match="is taken by another program"):
        other.start()


@pytest.mark.parametrize("version", ["15", "10"])
def test_the_other_versions_start_with_a_port_and_a_password(tmp_path: Path, version: str) -> None:
    """Debian's 15 (a banco analítico) and the npm registry's 10 (a PEC), fetched if need be."""
    server = start_server(tmp_path / f"pg{version}", version)
    try:
        with psycopg.connect(server.url()) as conn:
            number = conn.execute("show server_version_num").fetchone()[0]
        assert number.startswith(version), number
        wrong = server.url().replace(server.password(), "not-the-password")
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(wrong)
    finally:
        server.destroy()


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ServerBinariesError, match="choose 18, 15 or 10"):
        server_binaries("12")
