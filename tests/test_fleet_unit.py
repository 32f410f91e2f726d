"""The fleet's scheduling, retries, timeouts and error classes, with a fake Meltano."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
import pytest

from transmissor.errors import TransmissorError
from transmissor.fleet import runner as fleet
from transmissor.meltano import logs
from transmissor.meltano import run as meltano_runner
from transmissor.meltano.run import MeltanoResult
from transmissor.municipios import environments

CODES = ["2611533", "1200401", "3509502", "2304400", "3550308", "4106902"]
JOBS = """
jobs:
- name: transmissao-diaria
  tasks:
  - tap-pec target-postgres
  - transmissor:reconcile
  - dbt-postgres:build
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "orchestrate").mkdir()
    (tmp_path / "orchestrate" / "jobs.meltano.yml").write_text(JOBS, encoding="utf-8")
    for code in CODES:
        environments.add(tmp_path, code, "127.0.0.1", 5432, f"pec_{code}", "transmissor")
    return tmp_path


def env_for(codes: list[str]) -> dict[str, str]:
    return {environments.password_variable(code): "secret" for code in codes}


class FakeMeltano:
    """Answers each `meltano run` from a script per município; counts concurrency."""

    def __init__(self, script: dict[str, list[tuple[float, int, str]]]) -> None:
        self.script = {k: list(v) for k, v in script.items()}
        self.calls: list[tuple[str, list[str], float]] = []
        self.running = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(
        self, root: Path, args: list[str], environment: str | None = None, **kwargs: object
    ) -> MeltanoResult:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.calls.append((environment or "", args, time.monotonic()))
            steps = self.script.get(environment or "", [])
            seconds, code, output = steps.pop(0) if len(steps) > 1 else steps[0]
        timeout = kwargs.get("timeout")
        try:
            if timeout is not None and seconds > timeout:
                time.sleep(float(timeout))  # type: ignore[arg-type]
                return MeltanoResult(-9, float(timeout), f"timed out after {timeout} s")  # type: ignore[arg-type]
            time.sleep(seconds)
            return MeltanoResult(code, seconds, output)
        finally:
            with self.lock:
                self.running -= 1


OK = (0.2, 0, "Block run completed")
REFUSED = (0.1, 1, 'connection to server at "10.0.0.9", port 5432 failed: Connection refused')
BAD_PASSWORD = (0.1, 1, 'FATAL:  password authentication failed for user "transmissor"')


def make_fleet(root: Path, fake: FakeMeltano, codes: list[str], **kwargs: object) -> fleet.Fleet:
    events: list[str] = []
    settings = {"parallel": 2, "timeout": 5, "retries": 2, "backoff": 0.2, **kwargs}
    f = fleet.Fleet(
        root=root,
        env=env_for(codes),
        runner=fake,
        on_event=events.append,
        **settings,  # type: ignore[arg-type]
    )
    f.events = events  # type: ignore[attr-defined]
    return f


def test_errors_are_classified_transient_or_configuration() -> None:
    assert logs.classify(REFUSED[2]) == logs.TRANSIENT
    assert logs.classify("could not connect to server: timeout expired") == logs.TRANSIENT
    assert logs.classify("server closed the connection unexpectedly") == logs.TRANSIENT
    # libpq's last line only, as some steps report it.
    assert (
        logs.classify("cannot reach the banco do município at 127.0.0.1:1/pec: Is the server "
                       "running on that host and accepting TCP/IP connections?")
        == logs.TRANSIENT
    )  # fmt: skip
    assert logs.classify(BAD_PASSWORD[2]) == logs.CONFIGURATION
    assert logs.classify('relation "public.tb_cidadao" does not exist') == logs.CONFIGURATION
    # Configuration wins: a refused retry of a wrong password is still a wrong password.
    assert logs.classify(BAD_PASSWORD[2] + "\nConnection refused") == logs.CONFIGURATION
    assert logs.classify("dbt: 3 tests failed") == logs.OTHER


def test_the_error_summary_names_the_root_cause() -> None:
    output = (
        "2026-11-29T13:08:16Z [info     ] meltano Running catalog discovery\n"
        "psycopg.OperationalError: connection failed: Connection refused\n"
        "2026-11-29T13:08:22Z [error    ] meltano Block run completed\n"
    )
    assert logs.error_summary(output) == (
        "psycopg.OperationalError: connection failed: Connection refused"
    )
    # Meltano logs a plugin's stderr at info level, with its prefix: found, and unprefixed.
    output = (
        "2026-11-29T13:35:38.260508Z [info     ] transmissor  transmissor: error: município "
        "3509502: FATAL:  password authentication failed for user\n"
        "2026-11-29T13:35:38.522893Z [error    ] meltano      Block run completed\n"
    )
    assert logs.error_summary(output).startswith("transmissor: error: município 3509502: FATAL")
    # The pre-flight's report line says the cause; its error line also names the município.
    output = (
        "2026-12-01T21:42:39Z [info     ] transmissor    [FAIL] compatibility: "
        "public.tb_fat_vacinacao: column(s) missing: co_dim_tempo\n"
        "2026-12-01T21:42:39Z [info     ] transmissor  transmissor: error: município 2611533 "
        "(Quixaba/PE) cannot be transmitted: compatibility: public.tb_fat_vacinacao: column(s) "
        "missing: co_dim_tempo\n"
        "2026-12-01T21:42:39Z [error    ] meltano      Block run completed\n"
    )
    assert logs.error_summary(output).startswith(
        "transmissor: error: município 2611533 (Quixaba/PE) cannot be transmitted"
    )
    dbt = (
        "2026-11-29T13:11:11Z [info     ] dbt-postgres   Database Error in model stg_x\n"
        "2026-11-29T13:11:13Z [error    ] meltano      Block run completed\n"
    )
    assert logs.error_summary(dbt) == "Database Error in model stg_x"


def test_the_job_splits_into_extract_load_and_dbt(root: Path) -> None:
    assert fleet.job_phases(root) == [
        ("extract-load", ["tap-pec", "target-postgres", "transmissor:reconcile"]),
        ("transform", ["dbt-postgres:build"]),
    ]
    assert fleet.job_phases(root, "transform") == [("transform", ["dbt-postgres:build"])]


def test_preflight_names_the_municipio_and_the_fix(root: Path) -> None:
    with pytest.raises(
        TransmissorError,
        match=r"2611533 \(Quixaba/PE\): the password of transmissor is not set; put it in "
        r"PEC_PASSWORD_2611533",
    ):
        fleet.check_registration(root, "2611533", {})
    with pytest.raises(TransmissorError, match="municipio add --ibge 5300108"):
        fleet.check_registration(root, "5300108", env_for(["5300108"]))
    with pytest.raises(TransmissorError, match="IBGE code 2611607 names no municipality"):
        fleet.check_registration(root, "2611607", env_for(["2611607"]))
    environments.environment_path(root, "1200401").write_text("environments: [", "utf-8")
    with pytest.raises(TransmissorError, match="malformed"):
        fleet.check_registration(root, "1200401", env_for(["1200401"]))
    assert fleet.check_registration(root, "3509502", env_for(["3509502"])).ibge == "3509502"


def test_concurrency_is_bounded_and_every_municipio_runs(root: Path) -> None:
    fake = FakeMeltano({code: [OK] for code in CODES})
    outcomes = make_fleet(root, fake, CODES, parallel=3).run(CODES)
    assert [o.status for o in outcomes] == ["success"] * len(CODES)
    assert fake.peak == 3
    # Two Meltano runs per município: the extract-load (with its run id) then dbt.
    runs = [args for env, args, _ in fake.calls if env == "2611533"]
    assert runs[0][0] == "run" and runs[0][1].startswith("--run-id=")
    assert runs[0][2:] == ["tap-pec", "target-postgres", "transmissor:reconcile"]
    assert runs[1] == ["run", "dbt-postgres:build"]


def test_a_hanging_municipio_neither_blocks_nor_slows_the_others(root: Path) -> None:
    codes = CODES[:4]
    script = {code: [OK] for code in codes}
    script["2611533"] = [(60.0, 0, "")]  # hangs
    fake = FakeMeltano(script)
    started = time.monotonic()
    outcomes = make_fleet(root, fake, codes, parallel=2, timeout=2, retries=0).run(codes)
    elapsed = time.monotonic() - started
    by_code = {o.ibge: o for o in outcomes}
    assert by_code["2611533"].status == "timeout"
    assert all(by_code[c].ok for c in codes[1:])
    # The others ran on the free slot meanwhile: the fleet took the hang's timeout, no more.
    assert elapsed < 2 + 1.5


def test_transient_errors_are_retried_with_backoff_without_holding_a_slot(root: Path) -> None:
    codes = CODES[:3]
    script = {code: [OK] for code in codes}
    script["1200401"] = [REFUSED, REFUSED, OK, OK]
    fake = FakeMeltano(script)
    f = make_fleet(root, fake, codes, parallel=1, retries=2, backoff=0.5)
    outcomes = {o.ibge: o for o in f.run(codes)}
    assert outcomes["1200401"].ok
    assert len(outcomes["1200401"].attempts) == 3
    starts = [t for env, args, t in fake.calls if env == "1200401" and "tap-pec" in args]
    assert starts[1] - starts[0] >= 0.5 - 0.05
    assert starts[2] - starts[1] >= 1.0 - 0.05  # doubled
    # While 1200401 waited for its retry, the single slot ran the others.
    order = [env for env, args, _ in fake.calls if "tap-pec" in args]
    first = order.index("1200401")
    assert order.index("3509502") < order.index("1200401", first + 1)
    assert any("retrying in 0.5 s" in line for line in f.events)  # type: ignore[attr-defined]


def test_configuration_errors_are_not_retried(root: Path) -> None:
    codes = ["2611533", "1200401"]
    fake = FakeMeltano({"2611533": [BAD_PASSWORD], "1200401": [OK]})
    outcomes = {o.ibge: o for o in make_fleet(root, fake, codes, retries=3).run(codes)}
    assert outcomes["2611533"].status == "config-error"
    assert len(outcomes["2611533"].attempts) == 1
    assert "password authentication failed" in outcomes["2611533"].error


def test_a_missing_password_fails_at_preflight_without_running_meltano(root: Path) -> None:
    fake = FakeMeltano({code: [OK] for code in CODES})
    f = make_fleet(root, fake, ["1200401"], retries=3)
    outcomes = {o.ibge: o for o in f.run(["2611533", "1200401"])}
    assert outcomes["2611533"].status == "config-error"
    assert "the password of transmissor is not set; put it in PEC_PASSWORD_2611533" in (
        outcomes["2611533"].error
    )
    assert not [c for c in fake.calls if c[0] == "2611533"]
    assert outcomes["1200401"].ok


class FlakyRecord:
    """The banco analítico as the fleet's record sees it: refusing connections while `down`,
    else keeping every statement executed, in order."""

    def __init__(self) -> None:
        self.down = False
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self) -> FlakyRecord:
        if self.down:
            raise OSError("connection refused")
        return self

    def __enter__(self) -> FlakyRecord:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute(self, query: str, params: tuple = ()) -> FlakyRecord:
        self.statements.append((query, tuple(params)))
        return self

    def fetchone(self) -> tuple:
        return (True,)


def test_what_a_down_banco_analitico_missed_is_written_before_the_retry(root: Path) -> None:
    """The banco analítico goes down as the first attempt fails (it holds Meltano's run
    history): that attempt's record and the mark on its abandoned Meltano run are kept, and
    written before the retry starts, so Meltano does not refuse it as still running."""
    record = FlakyRecord()

    class Runner(FakeMeltano):
        def __call__(self, *args: object, **kwargs: object) -> MeltanoResult:
            result = super().__call__(*args, **kwargs)  # type: ignore[arg-type]
            record.down = not result.ok  # the server went away with the failed attempt
            return result

    events: list[str] = []

    def on_event(line: str) -> None:
        events.append(line)
        if "retrying in" in line:
            record.down = False  # back within the backoff

    f = fleet.Fleet(
        root=root, env=env_for(["2611533"]), runner=Runner({"2611533": [REFUSED, OK, OK]}),
        on_event=on_event, retries=1, backoff=0.1, step="extract-load", connect=record,
    )  # fmt: skip
    (outcome,) = f.run(["2611533"])
    assert outcome.ok and len(outcome.attempts) == 2
    assert any("could not write the transmission record" in line for line in events)
    first, second = (str(a.run_id) for a in outcome.attempts)
    order = [
        (query.split()[0], next((str(p) for p in params if str(p) in (first, second)), ""))
        for query, params in record.statements
        if query.startswith(("insert into transmissor", "update meltano.runs", "update transmis"))
    ]
    assert order == [
        ("insert", first),  # attempt 1 begins; its end is not written (the server is down)
        ("update", first),  # before attempt 2: Meltano's run of attempt 1 marked failed,
        ("update", first),  # and attempt 1 recorded as failed
        ("insert", second),
        ("update", second),  # attempt 2's success
    ], order


def test_the_summary_lists_every_municipio_and_the_failures(root: Path) -> None:
    codes = ["2611533", "1200401"]
    fake = FakeMeltano({"2611533": [BAD_PASSWORD], "1200401": [OK]})
    outcomes = make_fleet(root, fake, codes, retries=0).run(codes)
    table = fleet.summary_table(outcomes, 3.0)
    assert "Quixaba" in table and "Rio Branco" in table
    assert "config-error" in table and "1 of 2 municipalities transmitted, 1 failed" in table


def test_a_timeout_ends_the_whole_process_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "meltano"
    marker = tmp_path / "child.pid"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {marker}\nwait\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(meltano_runner, "meltano_executable", lambda: str(fake))
    log = tmp_path / "run.log"
    result = meltano_runner.run_meltano(tmp_path, ["run"], log_path=log, timeout=1)
    assert result.returncode == -9
    assert "timed out after 1 s" in log.read_text()
    child = int(marker.read_text())
    deadline = time.monotonic() + 5
    while psutil.pid_exists(child) and time.monotonic() < deadline:
        if psutil.Process(child).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.1)
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    assert os.environ.get("MELTANO_SYS_DIR_ROOT") is None


def test_a_sigterm_to_the_fleet_ends_its_meltano_runs(tmp_path: Path) -> None:
    """cron, CI or Airflow stopping `transmissor run` must not leave taps and targets behind."""
    import signal
    import subprocess
    import sys

    marker = tmp_path / "child.pid"
    fake = tmp_path / "meltano"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {marker}\nwait\n", encoding="utf-8")
    fake.chmod(0o755)
    script = f"""
import signal, sys
from pathlib import Path
from transmissor.fleet import runner as fleet
from transmissor.cli import run as fleet_cli
from transmissor.meltano import run as meltano_runner
meltano_runner.meltano_executable = lambda: {str(fake)!r}
signal.signal(signal.SIGTERM, fleet_cli._interrupt)
root = Path({str(tmp_path)!r})
f = fleet.Fleet(root=root, env={{}}, on_event=print)
f.attempt = lambda code, number: meltano_runner.run_meltano(root, ["run"], timeout=600)
try:
    f.run(["2611533"])
except KeyboardInterrupt:
    sys.exit(130)
"""
    process = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(marker.read_text())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 130
    time.sleep(0.5)
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
