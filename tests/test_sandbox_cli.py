"""`transmissor sandbox ...`: clear one-line errors, non-zero exits, nothing created."""

from __future__ import annotations

import socket

import psycopg
import pytest

from transmissor.cli import main


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exists(pg_server, name: str) -> bool:
    with psycopg.connect(pg_server.url()) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse usage errors
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ibge", "261160"], "must have exactly 7 digits"),
        (["--ibge", "2611600"], "names no municipality"),
        (["--ibge", "2611606", "--citizens", "99"], "citizens must be between 100 and 200,000"),
        (["--ibge", "2611606", "--citizens", "200001"], "citizens must be between"),
        (["--ibge", "2611606", "--reference-date", "2024-02-30"], "invalid date '2024-02-30'"),
        (["--ibge", "2611606", "--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_create_rejects_bad_arguments(pg_server, database_name, capsys, extra, message) -> None:
    code, _, err = run(capsys, ["sandbox", "create", "--url", pg_server.url(database_name), *extra])
    assert code != 0
    assert message in err
    assert not exists(pg_server, database_name)


def test_create_names_an_unreachable_server(capsys, database_name) -> None:
    port = _closed_port()
    code, _, err = run(
        capsys,
        [
            "sandbox",
            "create",
            "--url",
            f"postgresql://u:p@127.0.0.1:{port}/{database_name}",
            "--ibge",
            "2611606",
        ],
    )
    assert code == 1
    assert err.startswith(f"transmissor: error: cannot connect to PostgreSQL at 127.0.0.1:{port}")
    assert "check that the server is running" in err
    assert len(err.strip().splitlines()) == 1


def test_create_refuses_a_database_that_is_not_a_sandbox(new_database, capsys) -> None:
    url = new_database("notsbx")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE precious (id int)")
    code, _, err = run(
        capsys, ["sandbox", "create", "--url", url, "--ibge", "2611606", "--citizens", "100"]
    )
    assert code == 1 and "is not a sandbox" in err
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regclass('public.precious')").fetchone()[0]


def test_advance_rejects_bad_arguments(pg_server, new_database, capsys) -> None:
    empty = new_database("empty")
    code, _, err = run(capsys, ["sandbox", "advance", "--url", empty, "--days", "3"])
    assert code == 1 and "is not a sandbox" in err
    code, _, err = run(capsys, ["sandbox", "advance", "--url", empty, "--days", "0"])
    assert code == 1 and "--days must be at least 1" in err
    code, _, err = run(capsys, ["sandbox", "advance", "--url", empty, "--days", "x"])
    assert code == 2 and "invalid int value" in err
    with psycopg.connect(empty) as conn:
        assert conn.execute("SELECT to_regclass('sandbox.state')").fetchone()[0] is None


def test_create_then_advance(pg_server, database_name, capsys) -> None:
    url = pg_server.url(database_name)
    code, out, _ = run(
        capsys,
        [
            "sandbox",
            "create",
            "--url",
            url,
            "--ibge",
            "5300108",
            "--citizens",
            "100",
            "--seed",
            "3",
            "--reference-date",
            "2025-01-10",
        ],
    )
    assert code == 0
    assert "tb_fat_atendimento_individual" in out and out.strip().endswith(" s")
    code, out, _ = run(capsys, ["sandbox", "advance", "--url", url, "--days", "2"])
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["table", "inserted", "updated", "deleted"]
    assert lines[-1] == "simulated date is now 2025-01-12"
    assert any(line.startswith("tb_dim_tempo ") for line in lines)
