"""The fleet end to end: real sandboxes, real Meltano and dbt, run as cron or Meltano would.

Four municipalities: two healthy ones, one whose password is wrong (a configuration error:
one attempt), one whose banco do município is unreachable (transient: retried, then failed).
The fleet runs as the Meltano job `transmissao-frota` (so through `transmissor run --all`,
with one fleet-wide dbt in the `frota` environment);
then one plain `meltano run` is recorded too, and `transmissor status` reports the day.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.project import ProjectCopy
from transmissor.dev.localpg import LocalPostgres
from transmissor.municipios import environments

pytestmark = pytest.mark.e2e

GOOD = ("2611533", "1200401")
BAD_PASSWORD = "3509502"
UNREACHABLE = "2304400"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("fleet"), pg_server, deployed=True)
    for seed, code in enumerate(GOOD):
        project.add_municipio(code, citizens=100, seed=30 + seed)
    project.add_municipio(BAD_PASSWORD, citizens=100, seed=33)
    environments.add(project.root, UNREACHABLE, "127.0.0.1", closed_port(), "pec", "transmissor")
    project.sources[UNREACHABLE] = ""
    project.write_env()
    env = (project.root / ".env").read_text(encoding="utf-8")
    env = env.replace(f"PEC_PASSWORD_{BAD_PASSWORD}={pg_server.password()}",
                      f"PEC_PASSWORD_{BAD_PASSWORD}=wrong")  # fmt: skip
    (project.root / ".env").write_text(env, encoding="utf-8")
    yield project


def env_for(project: ProjectCopy) -> dict[str, str]:
    env = project.process_env()
    env[environments.password_variable(BAD_PASSWORD)] = "wrong"
    return env


@pytest.fixture(scope="module")
def fleet_run(project: ProjectCopy) -> tuple[subprocess.CompletedProcess, float]:
    env = {
        **env_for(project),
        "TRANSMISSOR_PARALLEL": "4",
        # One fleet-wide dbt after the loads (the per-município dbt path is tested through
        # Airflow's dbt task and, with a fake Meltano, in test_fleet_unit).
        "TRANSMISSOR_DBT": "once",
        "TRANSMISSOR_RETRIES": "1",
        "TRANSMISSOR_BACKOFF": "1",
        "TRANSMISSOR_TIMEOUT": "600",
    }
    started = time.monotonic()
    completed = subprocess.run(
        [str(project.root / ".venv" / "bin" / "meltano"), "--environment=frota", "run",
         "transmissao-frota"],
        cwd=project.root, env=env, capture_output=True, text=True, timeout=1500,
    )  # fmt: skip
    return completed, time.monotonic() - started


def records(project: ProjectCopy) -> list[tuple]:
    with project.warehouse() as conn:
        return conn.execute(
            "select municipio, status, step, trigger, attempt, rows, error, meltano_run_id "
            "from transmissor.transmissoes order by municipio, id"
        ).fetchall()


def test_the_fleet_fails_only_the_broken_municipalities(
    project: ProjectCopy, fleet_run: tuple[subprocess.CompletedProcess, float]
) -> None:
    completed, _ = fleet_run
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-4000:]
    assert "2 of 4 municipalities transmitted, 2 failed" in output, output[-4000:]
    # A progress line per município as it finishes.
    for code in (*GOOD, BAD_PASSWORD, UNREACHABLE):
        assert f"/4] {code}" in output
    log_dirs = list((project.root / "logs" / "run").iterdir())
    assert len(log_dirs) == 1
    logs = {path.name for path in log_dirs[0].iterdir()}
    assert {f"{code}.attempt1.log" for code in (*GOOD, BAD_PASSWORD, UNREACHABLE)} <= logs
    assert f"{UNREACHABLE}.attempt2.log" in logs  # retried
    assert f"{BAD_PASSWORD}.attempt2.log" not in logs  # not retried


def test_every_attempt_is_recorded(
    project: ProjectCopy, fleet_run: tuple[subprocess.CompletedProcess, float]
) -> None:
    by_code: dict[str, list[tuple]] = {}
    for row in records(project):
        by_code.setdefault(row[0], []).append(row)
    for code in GOOD:
        ((_, status, step, trigger, attempt, rows, error, run_id),) = by_code[code]
        assert (status, step, trigger, attempt, error) == (
            "success", "transform", "transmissor run", 1, None
        )  # fmt: skip
        assert rows["tb_cidadao"] > 0 and run_id
    ((_, status, _, _, _, _, error, _),) = by_code[BAD_PASSWORD]
    assert status == "failed" and "password authentication failed" in error
    unreachable = by_code[UNREACHABLE]
    assert [(r[1], r[4]) for r in unreachable] == [("failed", 1), ("failed", 2)]
    assert "refused" in unreachable[-1][6].lower() or "connect" in unreachable[-1][6].lower()


def test_a_plain_meltano_run_is_recorded_too(
    project: ProjectCopy, fleet_run: tuple[subprocess.CompletedProcess, float]
) -> None:
    code = GOOD[0]
    result = project.meltano(["run", "tap-pec", "target-postgres"], environment=code)
    assert result.ok, result.output[-3000:]
    latest = [r for r in records(project) if r[0] == code][-1]
    assert latest[1:4] == ("success", "extract-load", "meltano")
    assert latest[7] is not None


def test_status_reports_the_failures_and_exits_1(
    project: ProjectCopy, fleet_run: tuple[subprocess.CompletedProcess, float], tmp_path: Path
) -> None:
    completed = subprocess.run(
        [str(project.root / ".venv" / "bin" / "transmissor"), "status", "--format", "json"],
        cwd=project.root, env=env_for(project), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    states = {m["municipio"]: m["state"] for m in document["municipios"]}
    failing = (BAD_PASSWORD, UNREACHABLE)
    assert states == dict.fromkeys(GOOD, "ok") | dict.fromkeys(failing, "failed")
    good = next(m for m in document["municipios"] if m["municipio"] == GOOD[1])
    assert good["rows_today"]["tb_cidadao"] > 0 and good["last_error"] is None
    assert sorted(document["alerts"]) == sorted([BAD_PASSWORD, UNREACHABLE])
