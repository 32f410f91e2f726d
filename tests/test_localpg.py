"""The local PostgreSQL: starts with a port and a password, is reused, stops cleanly."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from tests.conftest import _free_port
from transmissor.dev.localpg import LocalPostgres, LocalPostgresError


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
