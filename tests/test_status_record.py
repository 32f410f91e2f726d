"""The transmissions record and `transmissor status`, on a real PostgreSQL without Meltano.

`meltano.runs` is created here with Meltano's columns, so the trigger is exercised the way
Meltano writes: an INSERT in state RUNNING, then an UPDATE to SUCCESS or FAIL.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest

from transmissor import cli
from transmissor.fleet.status import FAILED, LATE, OK, PENDING, RUNNING, Deadline, compute
from transmissor.municipios import environments
from transmissor.warehouse import transmissions

SP = ZoneInfo("America/Sao_Paulo")
DAY = date(2026, 11, 27)
A, B, C, D = "2611533", "1200401", "3509502", "2304400"

MELTANO_RUNS = """
create schema meltano;
create table meltano.runs (
    id serial primary key, job_name varchar, state varchar, started_at timestamp,
    ended_at timestamp, payload varchar, payload_flags integer, run_id uuid,
    trigger varchar, last_heartbeat_at timestamp);
create schema raw_pec;
create table raw_pec.tb_cidadao (co_seq_cidadao bigint, co_municipio_ibge text,
    _sdc_batched_at timestamp);
create table raw_pec.tb_fat_vacinacao (co_seq_fat_vacinacao bigint, co_municipio_ibge text,
    _sdc_batched_at timestamp);
"""


@pytest.fixture
def conn(new_database: Callable[[str], str]) -> Iterator[psycopg.Connection]:
    url = new_database("status")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(MELTANO_RUNS)
        assert transmissions.ensure_schema(connection)
        yield connection


def meltano_run(
    conn: psycopg.Connection, ibge: str, start: datetime, end: datetime, state: str, rows: int
) -> uuid.UUID:
    """What Meltano and target-postgres write for one extract-load."""
    run_id = uuid.uuid4()
    naive = start.astimezone(UTC).replace(tzinfo=None)
    conn.execute(
        "insert into meltano.runs (job_name, state, started_at, run_id, payload) "
        "values (%s, 'RUNNING', %s, %s, '{}')",
        (f"{ibge}:tap-pec-to-target-postgres", naive, run_id),
    )
    batched = naive + (end - start) / 2
    for n in range(rows):
        conn.execute("insert into raw_pec.tb_cidadao values (%s, %s, %s)", (n, ibge, batched))
    conn.execute("insert into raw_pec.tb_fat_vacinacao values (1, %s, %s)", (ibge, batched))
    payload = json.dumps({"error": "Extractor failed"} if state == "FAIL" else {})
    conn.execute(
        "update meltano.runs set state = %s, ended_at = %s, payload = %s where run_id = %s",
        (state, end.astimezone(UTC).replace(tzinfo=None), payload, run_id),
    )
    return run_id


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SP)


def test_a_plain_meltano_run_is_recorded_with_rows_per_table(conn: psycopg.Connection) -> None:
    run_id = meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 1), "SUCCESS", rows=3)
    (record,) = transmissions.fetch(conn, at(DAY, 0), at(DAY, 23))
    assert record.meltano_run_id == str(run_id)
    assert (record.municipio, record.status, record.step, record.trigger) == (
        A, "success", "extract-load", "meltano"
    )  # fmt: skip
    assert record.rows == {"tb_cidadao": 3, "tb_fat_vacinacao": 1}
    assert record.ended_at == at(DAY, 6, 1)


def test_a_failed_meltano_run_is_recorded_with_meltanos_error(conn: psycopg.Connection) -> None:
    meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 1), "FAIL", rows=0)
    (record,) = transmissions.fetch(conn, at(DAY, 0), at(DAY, 23))
    assert (record.status, record.error) == ("failed", "Extractor failed")


@pytest.fixture
def before_the_trigger(new_database: Callable[[str], str]) -> Iterator[psycopg.Connection]:
    """A warehouse whose Meltano has run, and nothing of transmissor yet."""
    with psycopg.connect(new_database("status"), autocommit=True) as connection:
        connection.execute(MELTANO_RUNS)
        yield connection


def test_runs_written_before_the_trigger_are_recorded_when_it_is_installed(
    before_the_trigger: psycopg.Connection,
) -> None:
    conn = before_the_trigger
    meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 1), "SUCCESS", rows=3)
    running = uuid.uuid4()  # a job whose load started before its first step installed it
    conn.execute(
        "insert into meltano.runs (job_name, state, started_at, run_id) values (%s, 'RUNNING', "
        "%s, %s)",
        (f"{B}:tap-pec-to-target-postgres", at(DAY, 6, 5).astimezone(UTC).replace(tzinfo=None),
         running),
    )  # fmt: skip
    assert transmissions.ensure_recording(conn)
    records = {r.municipio: r for r in transmissions.fetch(conn, at(DAY, 0), at(DAY, 23))}
    assert (records[A].status, records[A].rows) == (
        "success",
        {"tb_cidadao": 3, "tb_fat_vacinacao": 1},
    )
    assert records[A].ended_at == at(DAY, 6, 1)
    assert records[B].status == "running"
    # The running run ends after the install: the trigger completes its row.
    conn.execute(
        "update meltano.runs set state = 'SUCCESS', ended_at = %s where run_id = %s",
        (at(DAY, 6, 7).astimezone(UTC).replace(tzinfo=None), running),
    )
    records = {r.municipio: r for r in transmissions.fetch(conn, at(DAY, 0), at(DAY, 23))}
    assert (records[B].status, records[B].ended_at) == ("success", at(DAY, 6, 7))
    # Installed once: a second call records nothing twice.
    assert transmissions.ensure_recording(conn)
    assert len(transmissions.fetch(conn, at(DAY, 0), at(DAY, 23))) == 2


def test_no_meltano_history_yet_nothing_to_install(new_database: Callable[[str], str]) -> None:
    with psycopg.connect(new_database("status"), autocommit=True) as conn:
        assert not transmissions.ensure_recording(conn)
        assert not conn.execute("select to_regclass('transmissor.transmissoes')").fetchone()[0]


def test_a_driven_run_is_finished_by_its_driver(conn: psycopg.Connection) -> None:
    run_id = uuid.uuid4()
    transmissions.begin(
        conn, A, run_id, trigger="transmissor run", attempt=2, fleet_run_id=None, log_path="x"
    )
    conn.execute(
        "insert into meltano.runs (job_name, state, started_at, run_id) "
        "values (%s, 'RUNNING', now() at time zone 'UTC', %s)",
        (f"{A}:tap-pec-to-target-postgres", run_id),
    )
    conn.execute("insert into raw_pec.tb_cidadao values (1, %s, now() at time zone 'UTC')", (A,))
    conn.execute(
        "update meltano.runs set state = 'SUCCESS', ended_at = now() at time zone 'UTC' "
        "where run_id = %s",
        (run_id,),
    )
    (record,) = transmissions.fetch(conn, at(DAY, 0), datetime.now(UTC) + timedelta(hours=1))
    # The load is over but dbt is not: the driver decides.
    assert (record.status, record.trigger, record.attempt) == ("running", "transmissor run", 2)
    assert record.rows["tb_cidadao"] == 1
    transmissions.finish(conn, run_id, ok=False, step="transform", error="dbt: 2 tests failed")
    (record,) = transmissions.fetch(conn, at(DAY, 0), datetime.now(UTC) + timedelta(hours=1))
    assert (record.status, record.step, record.error) == (
        "failed",
        "transform",
        "dbt: 2 tests failed",
    )


def test_a_killed_run_is_marked_failed_in_meltano_too(conn: psycopg.Connection) -> None:
    run_id = uuid.uuid4()
    conn.execute(
        "insert into meltano.runs (job_name, state, started_at, run_id, payload) "
        "values (%s, 'RUNNING', now() at time zone 'UTC', %s, '{}')",
        (f"{A}:tap-pec-to-target-postgres", run_id),
    )
    transmissions.fail_abandoned_meltano_run(conn, run_id, "timed out after 60 s")
    state, payload = conn.execute(
        "select state, payload from meltano.runs where run_id = %s", (run_id,)
    ).fetchone()
    assert state == "FAIL" and json.loads(payload)["error"] == "timed out after 60 s"
    (record,) = transmissions.fetch(conn, at(DAY, 0), datetime.now(UTC) + timedelta(hours=1))
    assert record.status == "failed"


def test_a_broken_record_never_breaks_meltano(conn: psycopg.Connection) -> None:
    conn.execute("alter table transmissor.transmissoes add constraint no check (false)")
    meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 1), "SUCCESS", rows=1)
    assert conn.execute("select state from meltano.runs").fetchone()[0] == "SUCCESS"


def registered(root: Path) -> list[environments.MunicipioEnvironment]:
    for code in (A, B, C, D):
        environments.add(root, code, "127.0.0.1", 5432, f"pec_{code}", "transmissor")
    return environments.registered(root)


def fleet_day(conn: psycopg.Connection) -> None:
    """A: transmitted; B: failed twice; C: nothing; D: running. Plus a week of history."""
    for back in range(1, 8):
        day = DAY - timedelta(days=back)
        for code in (A, B, D):
            meltano_run(conn, code, at(day, 6), at(day, 6, 1), "SUCCESS", rows=back)
    meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 2), "SUCCESS", rows=5)
    meltano_run(conn, B, at(DAY, 6), at(DAY, 6, 1), "FAIL", rows=0)
    meltano_run(conn, B, at(DAY, 7), at(DAY, 7, 1), "FAIL", rows=0)
    conn.execute(
        "insert into meltano.runs (job_name, state, started_at, run_id) values (%s, 'RUNNING', "
        "%s, %s)",
        (f"{D}:tap-pec-to-target-postgres", at(DAY, 9).astimezone(UTC).replace(tzinfo=None),
         uuid.uuid4()),
    )  # fmt: skip


def test_status_before_and_after_the_deadline(conn: psycopg.Connection, tmp_path: Path) -> None:
    fleet_day(conn)
    envs = registered(tmp_path)
    before = compute(conn, envs, DAY, at(DAY, 10), Deadline())
    states = {m.ibge: m.state for m in before.municipios}
    assert states == {A: OK, B: FAILED, C: PENDING, D: RUNNING}
    after = compute(conn, envs, DAY, at(DAY, 13, 30), Deadline())
    states = {m.ibge: m.state for m in after.municipios}
    assert states == {A: OK, B: FAILED, C: LATE, D: RUNNING}
    a = next(m for m in after.municipios if m.ibge == A)
    assert a.rows_today == {"tb_cidadao": 5, "tb_fat_vacinacao": 1}
    assert a.last_success and a.last_success.ended_at == at(DAY, 6, 2)
    b = next(m for m in after.municipios if m.ibge == B)
    assert b.last_error == "Extractor failed" and b.last_error_at == at(DAY, 7)
    assert b.last_success and b.last_success.started_at == at(DAY - timedelta(days=1), 6)
    # The 14-day history: a week of successes, then nothing before the first transmission.
    assert [d.state for d in a.history[-8:]] == [OK] * 8
    assert a.history[0].state == "no-data"
    assert a.history[-2].rows == 1 + 1  # tb_cidadao 1, tb_fat_vacinacao 1
    c = next(m for m in after.municipios if m.ibge == C)
    assert {d.state for d in c.history[:-1]} == {"no-data"}


def test_a_later_deadline_and_another_time_zone(conn: psycopg.Connection, tmp_path: Path) -> None:
    fleet_day(conn)
    envs = registered(tmp_path)
    late = compute(conn, envs, DAY, at(DAY, 13, 30), Deadline(time(15, 0)))
    assert {m.ibge: m.state for m in late.municipios}[C] == PENDING
    # 13:30 in São Paulo is 11:30 in Rio Branco: not late there yet.
    rio_branco = compute(conn, envs, DAY, at(DAY, 13, 30), Deadline(time(13), "America/Rio_Branco"))
    assert {m.ibge: m.state for m in rio_branco.municipios}[C] == PENDING


def run_cli(
    conn: psycopg.Connection, root: Path, monkeypatch: pytest.MonkeyPatch, *args: str
) -> int:
    info = conn.info
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(root))
    monkeypatch.setenv("WAREHOUSE_HOST", info.host)
    monkeypatch.setenv("WAREHOUSE_PORT", str(info.port))
    monkeypatch.setenv("WAREHOUSE_USER", info.user)
    monkeypatch.setenv("WAREHOUSE_PASSWORD", info.password)
    monkeypatch.setenv("WAREHOUSE_DATABASE", info.dbname)
    return cli.main(["status", *args])


def test_the_cli_exits_1_when_any_municipio_is_late_or_failed(
    conn: psycopg.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fleet_day(conn)
    registered(tmp_path)
    now = at(DAY, 13, 30).isoformat()
    assert (
        run_cli(conn, tmp_path, monkeypatch, "--date", str(DAY), "--now", now, "--format", "json")
        == 1
    )
    document = json.loads(capsys.readouterr().out)
    assert document["alerts"] == [B, C]
    assert document["counts"] == {"ok": 1, "failed": 1, "late": 1, "running": 1}
    assert document["deadline"] == "13:00 America/Sao_Paulo"
    assert run_cli(conn, tmp_path, monkeypatch, "--date", str(DAY), "--now", now, "--tables") == 1
    table = capsys.readouterr().out
    assert "Quixaba" in table and "LATE" in table and "FAILED" in table
    assert "tb_fat_vacinacao" in table


def test_the_cli_exits_0_when_everyone_transmitted(
    conn: psycopg.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    environments.add(tmp_path, A, "127.0.0.1", 5432, "pec", "transmissor")
    meltano_run(conn, A, at(DAY, 6), at(DAY, 6, 2), "SUCCESS", rows=5)
    now = at(DAY, 14).isoformat()
    assert run_cli(conn, tmp_path, monkeypatch, "--date", str(DAY), "--now", now) == 0
    assert "1 ok" in capsys.readouterr().out
