"""Faults during a transmissão, end to end: real servers, real `meltano run`, no mocks.

Three PostgreSQL servers take part, so each side can fail on its own:

- the banco analítico (warehouse and Meltano's system database) on a server of this module's;
- the banco do município of the faulted município, A, on another server of this module's;
- the banco do município of the bystander, B, on the session's server.

To hit a fault at a known point instead of racing a fast load, a test holds an ACCESS
EXCLUSIVE lock on one table (the tap reads the tables in alphabetical order, the loader
writes them in the same order), waits until the tap or loader is blocked on it, and only then
injects the fault: by then the tables before it have been read, or written and committed.
Every test then checks the failure is reported with a clear message (the line `transmissor
run` would record, classified as the fleet would classify it), that a re-run converges to the
source row by row (no row lost, none duplicated) and that the bystander's rows were not touched.
The banco analítico's restart runs under the fleet command itself (`transmissor run --retries
1`), which records, marks, retries and converges with no help from the test.

The loader killed with SIGKILL while Meltano survives is covered by
tests/test_transmission_e2e.py::test_a_loader_killed_mid_load_then_a_rerun_converges.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import start_server
from tests.project import REFERENCE_DATE, ProjectCopy
from tests.test_transmission_e2e import assert_converged
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, LocalPostgres, wait_until_accepting
from transmissor.dev.pg_binaries import DEFAULT_VERSION
from transmissor.fleet import runner as fleet
from transmissor.meltano import logs
from transmissor.meltano.run import isolated_sys_dir, meltano_executable
from transmissor.meltano.state import state_id
from transmissor.municipios import environments
from transmissor.warehouse import transmissions

pytestmark = pytest.mark.e2e

A, B = "2611533", "1200401"  # Quixaba (PE), faulted; Rio Branco (AC), the bystander
# The table the faults are injected at: in the middle of the alphabetical order the tap reads
# and the loader writes in (tb_cidadao and the dimensions come before it).
BLOCKED = "tb_fat_atendimento_individual"


@dataclass
class FaultProject(ProjectCopy):
    """A project copy whose municipalities' PECs may live on servers other than the warehouse's."""

    source_servers: dict[str, LocalPostgres] = field(default_factory=dict)

    def add_source(self, ibge: str, server: LocalPostgres, citizens: int, seed: int) -> None:
        database = f"pec_{ibge}"
        with psycopg.connect(server.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {}").format(sql.Identifier(database)))
        url = server.url(database)
        sandbox.create(url, ibge, citizens=citizens, seed=seed, reference_date=REFERENCE_DATE)
        environments.add(self.root, ibge, "127.0.0.1", server.port, database, SUPERUSER)
        self.sources[ibge] = url
        self.source_servers[ibge] = server
        self.write_env()

    def base_env(self) -> dict[str, str]:
        values = super().base_env()
        for ibge, server in self.source_servers.items():
            values[environments.password_variable(ibge)] = server.password()
        return values


@pytest.fixture(scope="module")
def warehouse_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    server = start_server(tmp_path_factory.mktemp("faults_wh"), DEFAULT_VERSION)
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def source_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    server = start_server(tmp_path_factory.mktemp("faults_src"), DEFAULT_VERSION)
    yield server
    server.destroy()


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres,
    warehouse_server: LocalPostgres,
    source_server: LocalPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> FaultProject:
    project = FaultProject.create(tmp_path_factory.mktemp("faults"), warehouse_server)
    project.add_source(A, source_server, citizens=300, seed=31)
    project.add_source(B, pg_server, citizens=200, seed=32)
    # Meltano creates its tables in a new system database on first use; two first uses at
    # once race on that (one fails: "Cannot upgrade the system database").
    assert project.meltano(["state", "list"]).ok
    with ThreadPoolExecutor(max_workers=2) as pool:  # each in its own Meltano system directory
        list(pool.map(lambda ibge: transmit(project, ibge), (A, B)))
    return project


@pytest.fixture(autouse=True)
def _no_run_left_running(project: FaultProject) -> Iterator[None]:
    """A test failing mid-fault must not leave a `RUNNING` record refusing the next runs."""
    yield
    with project.warehouse() as conn:
        conn.execute("update meltano.runs set state = 'FAIL' where state = 'RUNNING'")


# -- helpers -------------------------------------------------------------------------------------


@dataclass
class Run:
    """A `meltano run tap-pec target-postgres` in the background, in its own process group."""

    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float = 240) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        return code, self.log.read_text(encoding="utf-8", errors="replace")


def start_run(project: FaultProject, ibge: str, log: Path, run_id: uuid.UUID | None = None) -> Run:
    env = {
        **project.process_env(),
        "MELTANO_SYS_DIR_ROOT": str(isolated_sys_dir(project.root, ibge)),
    }
    # `transmissor run` passes its own run id, to find Meltano's run record afterwards.
    extra = [f"--run-id={run_id}"] if run_id else []
    sink = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            meltano_executable(),
            f"--environment={ibge}",
            "run",
            *extra,
            "tap-pec",
            "target-postgres",
        ],
        cwd=project.root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=sink,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sink.close()
    return Run(process, log)


@contextmanager
def table_locked(url: str, schema: str, table: str) -> Iterator[psycopg.Connection]:
    """Hold an ACCESS EXCLUSIVE lock on a table until the block ends (or the server dies)."""
    conn = psycopg.connect(url)
    conn.execute(
        sql.SQL("lock table {} in access exclusive mode").format(sql.Identifier(schema, table))
    )
    try:
        yield conn
    finally:
        with suppress(psycopg.Error):  # the server went away with our session
            conn.rollback()
        conn.close()


def wait_for_blocked(url: str, schema: str, table: str, run: Run, timeout: float = 240) -> None:
    """Wait until another session waits for a lock on the table (the tap or the loader)."""
    deadline = time.monotonic() + timeout
    query = (
        "select count(*) from pg_locks where not granted and relation = %s::regclass "
        "and pid <> pg_backend_pid()"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute(query, (f"{schema}.{table}",)).fetchone()[0]:
                return
            if not run.alive():
                code, output = run.wait()
                pytest.fail(f"the run ended ({code}) before reaching {table}: {output[-3000:]}")
            time.sleep(0.1)
    pytest.fail(f"nothing waited for {schema}.{table} within {timeout} s")


def fingerprint(project: FaultProject, ibge: str) -> dict[str, tuple[int, str]]:
    """Per raw table: the município's row count and an md5 of all its rows, metadata included."""
    result = {}
    with project.warehouse() as conn:
        for table in project.contract().tables:
            key = table.primary_key[0]
            row = conn.execute(
                sql.SQL(
                    "select count(*), md5(string_agg(t::text, '|' order by t.{key})) "
                    "from {table} t where co_municipio_ibge = %s"
                ).format(key=sql.Identifier(key), table=sql.Identifier("raw_pec", table.name)),
                (ibge,),
            ).fetchone()
            result[table.name] = (row[0], row[1])
    return result


def loaded_since(
    project: FaultProject, ibge: str, mark: object, skip: tuple[str, ...] = ()
) -> set[str]:
    """Tables with rows of the município committed after `mark` (a warehouse timestamp)."""
    tables = set()
    with project.warehouse() as conn:
        for table in project.contract().tables:
            if table.name in skip:  # locked by the test: reading it would wait for ourselves
                continue
            found = conn.execute(
                sql.SQL(
                    "select exists (select from {} where co_municipio_ibge = %s "
                    "and _sdc_batched_at > %s)"
                ).format(sql.Identifier("raw_pec", table.name)),
                (ibge, mark),
            ).fetchone()[0]
            if found:
                tables.add(table.name)
    return tables


def wait_for_commits(
    project: FaultProject, ibge: str, mark: object, run: Run, timeout: float = 120
) -> set[str]:
    """Wait until the loader has committed rows of some table other than BLOCKED.

    target-postgres drains its sinks in parallel threads at the end of the stream: BLOCKED
    waiting for its lock says nothing about whether the other tables' commits are done yet.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        committed = loaded_since(project, ibge, mark, skip=(BLOCKED,))
        if committed:
            return committed
        if not run.alive():
            code, output = run.wait()
            pytest.fail(f"the run ended ({code}) before committing anything: {output[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"nothing of {ibge} was committed within {timeout} s while {BLOCKED} was locked")


def warehouse_now(project: FaultProject) -> object:
    # target-postgres stamps _sdc_batched_at in UTC, without a time zone.
    with project.warehouse() as conn:
        return conn.execute("select now() at time zone 'utc'").fetchone()[0]


def saved_state(project: FaultProject, ibge: str) -> tuple[object, object]:
    """The município's Meltano state as stored: (completed, partial)."""
    with project.warehouse() as conn:
        row = conn.execute(
            "select completed_state, partial_state from meltano.state where state_id = %s",
            (state_id(ibge),),
        ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def assert_reported(output: str, *words: str) -> str:
    """The run's output says what happened, and the fleet would record and retry it."""
    lowered = output.lower()
    for word in words:
        assert word.lower() in lowered, f"{word!r} not in the output: {output[-3000:]}"
    summary = logs.error_summary(output)
    assert logs.classify(output) == logs.TRANSIENT, summary
    return summary


def transmit(project: FaultProject, ibge: str) -> str:
    """The daily job up to dbt (pre-flight, loads, reconciliation), as `transmissor run` runs it.

    dbt is left out: it reads the banco analítico after the load, where every fault here is.
    """
    [(_, blocks)] = fleet.job_phases(project.root, transmissions.STEP_EXTRACT_LOAD)
    result = project.meltano(["run", *blocks], environment=ibge)
    assert result.ok, result.output[-3000:]
    return result.output


def assert_bystander_untouched(project: FaultProject, before: dict) -> None:
    assert fingerprint(project, B) == before, f"the fault changed {B}'s rows"
    assert_converged(project, B)


# -- 1. the banco do município goes away mid-extract ---------------------------------------------


def test_the_banco_do_municipio_goes_away_mid_extract(
    project: FaultProject, source_server: LocalPostgres, tmp_path: Path
) -> None:
    """The PEC server of A shuts down while the tap is reading it.

    The tap has read tb_cidadao and the dimensions and waits for BLOCKED when the server
    stops (fast shutdown: every session is terminated). The run fails; the re-run, with the
    server back, converges.
    """
    sandbox.advance(project.sources[A], days=3, seed=41)
    bystander = fingerprint(project, B)
    state_before = saved_state(project, A)
    mark = warehouse_now(project)
    with table_locked(project.sources[A], "public", BLOCKED):
        run = start_run(project, A, tmp_path / "run.log")
        wait_for_blocked(project.sources[A], "public", BLOCKED, run)
        source_server.stop()
    try:
        code, output = run.wait()
    finally:
        source_server.start()
        wait_until_accepting(project.sources[A])
    assert code != 0
    summary = assert_reported(
        output, "server closed the connection unexpectedly", "Extractor failed"
    )
    assert summary.startswith("banco do município (tap-pec): "), summary
    print(f"reported: {summary}")
    committed = loaded_since(project, A, mark)
    print(f"committed before the failure: {sorted(committed)}")
    # The loader wrote what the tap had sent, and Meltano kept the bookmarks of those tables.
    assert committed
    assert BLOCKED not in committed
    assert saved_state(project, A) != state_before
    assert_bystander_untouched(project, bystander)

    transmit(project, A)
    assert_converged(project, A)
    assert_bystander_untouched(project, bystander)


# -- 2. the banco analítico restarts mid-load ----------------------------------------------------


def start_fleet(project: FaultProject, ibge: str, tmp_path: Path) -> Run:
    """`transmissor run --municipio <ibge> --retries 1` in the background, as cron starts it.

    Extract-load only (`--step extract-load`): dbt reads the banco analítico after the load,
    where the fault is, and would only add minutes. A 5 s backoff gives the server time to
    come back before the retry."""
    log = tmp_path / "fleet.log"
    sink = log.open("w", encoding="utf-8")
    # fmt: off
    argv = [
        str(project.root / ".venv" / "bin" / "transmissor"), "run", "--municipio", ibge,
        "--retries", "1", "--backoff", "5", "--step", "extract-load",
        "--log-dir", str(tmp_path / "logs"), "--json", str(tmp_path / "fleet.json"),
    ]
    # fmt: on
    process = subprocess.Popen(
        argv,
        cwd=project.root,
        env=project.process_env(),
        stdin=subprocess.DEVNULL,
        stdout=sink,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    sink.close()
    return Run(process, log)


def wait_for_output(run: Run, text: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in run.log.read_text(encoding="utf-8", errors="replace"):
            return
        if not run.alive():
            code, output = run.wait()
            pytest.fail(f"the run ended ({code}) before printing {text!r}: {output[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"{text!r} not printed within {timeout} s")


def test_the_banco_analitico_restarts_mid_load(
    project: FaultProject, warehouse_server: LocalPostgres, tmp_path: Path
) -> None:
    """The warehouse server restarts while target-postgres writes A's rows, under
    `transmissor run --retries 1`, which handles it with no help from the test.

    The loader has committed the other tables and waits to write BLOCKED when the server
    stops (fast shutdown: every session is terminated, the loader's and Meltano's own, whose
    state and run history live in that database too). It stays down until the attempt has
    ended, so neither Meltano nor the fleet can record the failure when it happens (the
    race a quick restart leaves to chance, made certain): Meltano's run record stays
    `RUNNING`, and a plain re-run would be refused for five minutes. The server is back
    within the backoff. The fleet then writes what it kept: the abandoned run marked failed
    and the attempt recorded as failed, before it retries; the retry converges.
    """
    sandbox.advance(project.sources[A], days=3, seed=42)
    bystander = fingerprint(project, B)
    mark = warehouse_now(project)
    url = project.server.url(project.warehouse_db)
    with table_locked(url, "raw_pec", BLOCKED):
        run = start_fleet(project, A, tmp_path)
        wait_for_blocked(url, "raw_pec", BLOCKED, run)
        committed = wait_for_commits(project, A, mark, run)
        warehouse_server.stop()
    try:
        wait_for_output(run, "attempt 1 failed")
    finally:
        warehouse_server.start()
    code, output = run.wait()
    assert code == 0, output[-4000:]
    assert "could not write the transmission record" in output  # the outage spanned the end
    assert "retrying in 5 s" in output and "1 of 1 municipalities transmitted" in output
    first_log = (tmp_path / "logs" / f"{A}.attempt1.log").read_text(encoding="utf-8")
    assert "terminating connection due to administrator command" in first_log
    fleet_run_id = json.loads((tmp_path / "fleet.json").read_text())["fleet_run_id"]
    with project.warehouse() as conn:
        attempts = conn.execute(
            "select t.attempt, t.status, t.step, t.error, r.state "
            "from transmissor.transmissoes t join meltano.runs r on r.run_id = t.meltano_run_id "
            "where t.fleet_run_id = %s order by t.attempt",
            (fleet_run_id,),
        ).fetchall()
    print(f"committed before the restart: {sorted(committed)}; attempts: {attempts}")
    assert [a[0] for a in attempts] == [1, 2], attempts
    (_, failed, step, error, meltano_state), (_, *succeeded) = attempts
    # Marked by the fleet once the server was back: Meltano could not write it.
    assert (failed, step, meltano_state) == ("failed", "extract-load", "FAIL"), attempts
    assert logs.classify(error) == logs.TRANSIENT, error
    assert succeeded == ["success", "extract-load", None, "SUCCESS"], attempts
    assert_converged(project, A)
    assert_bystander_untouched(project, bystander)


# -- 4. the machine crashes between the load and the state commit --------------------------------


def test_a_crash_between_load_and_state_commit(project: FaultProject, tmp_path: Path) -> None:
    """The machine running A's transmissão dies after rows were committed, before any state was.

    A real crash, not a simulation of its result: SIGKILL to the whole process group (meltano,
    tap and loader; nothing gets to clean up) while the loader waits to write BLOCKED. By then
    the tables before it are committed in the banco analítico, and the state in Meltano's system
    database is still the previous run's (target-postgres emits state only once everything is
    written). Meltano's run record is left `RUNNING`, as after a real crash, so a re-run within
    five minutes (Meltano's stale-run window) is refused with a message that says so; the
    machine coming back later is simulated by ageing that record's heartbeat by six minutes.
    The re-run then reads again from the old bookmarks: the rows already committed come again
    and are upserted on their keys, not duplicated.
    """
    sandbox.advance(project.sources[A], days=3, seed=44)
    bystander = fingerprint(project, B)
    state_before = saved_state(project, A)
    mark = warehouse_now(project)
    url = project.server.url(project.warehouse_db)
    with table_locked(url, "raw_pec", BLOCKED):
        run = start_run(project, A, tmp_path / "run.log")
        wait_for_blocked(url, "raw_pec", BLOCKED, run)
        wait_for_commits(project, A, mark, run)
        os.killpg(run.process.pid, signal.SIGKILL)
        code, _ = run.wait()
    assert code == -signal.SIGKILL
    committed = loaded_since(project, A, mark)
    assert committed and BLOCKED not in committed, committed
    assert saved_state(project, A) == state_before, "state was saved before the crash"
    assert_bystander_untouched(project, bystander)

    refused = project.meltano(["run", "tap-pec", "target-postgres"], environment=A)
    assert not refused.ok
    for words in ("pipeline is already running", "automatically cancelled if stale", "--force"):
        assert words in refused.output, refused.output[-3000:]
    assert loaded_since(project, A, mark) == committed, "the refused run wrote rows"

    with project.warehouse() as conn:
        aged = conn.execute(
            "update meltano.runs set last_heartbeat_at = last_heartbeat_at - interval '6 minutes' "
            "where job_name = %s and state = 'RUNNING'",
            (state_id(A),),
        ).rowcount
    assert aged == 1
    transmit(project, A)
    assert_converged(project, A)
    assert_bystander_untouched(project, bystander)


# -- 5. a PEC upgrade changes the schema of replicated tables -------------------------------------


def on_source(project: FaultProject, ibge: str, *statements: str) -> None:
    with psycopg.connect(project.sources[ibge], autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def upgraded(project: FaultProject, ibge: str) -> None:
    """The daily job after the upgrade: its pre-flight passes and the re-run converges."""
    output = transmit(project, ibge)
    assert "ready to transmit" in output, output[-3000:]
    assert_converged(project, ibge)


def raw_columns(project: FaultProject, table: str) -> dict[str, str]:
    with project.warehouse() as conn:
        return dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw_pec' and table_name = %s",
                (table,),
            ).fetchall()
        )


def test_a_pec_upgrade_adds_a_column_to_a_replicated_table(project: FaultProject) -> None:
    """New columns in an incremental and a full-table stream: not replicated, the load goes on."""
    bystander = fingerprint(project, B)
    # The sandbox copies rows without a column list: the new day comes before the upgrade
    # (the new column's default fills its rows, which this run moves).
    sandbox.advance(project.sources[A], days=2, seed=45)
    on_source(
        project,
        A,
        f"alter table public.{BLOCKED} add column ds_campo_novo varchar(200) default 'novo'",
        "alter table public.tb_fat_cidadao_pec add column st_campo_novo integer default 1",
    )
    try:
        upgraded(project, A)
        assert "ds_campo_novo" not in raw_columns(project, BLOCKED)
        assert "st_campo_novo" not in raw_columns(project, "tb_fat_cidadao_pec")
        assert_bystander_untouched(project, bystander)
    finally:  # back to the sandbox's schema, so the next tests' sandbox days can be written
        on_source(
            project,
            A,
            f"alter table public.{BLOCKED} drop column ds_campo_novo",
            "alter table public.tb_fat_cidadao_pec drop column st_campo_novo",
        )


def test_a_pec_upgrade_widens_replicated_columns(project: FaultProject) -> None:
    """varchar(3) -> varchar(10) and integer -> bigint, with values only the new types hold."""
    bystander = fingerprint(project, B)
    on_source(
        project,
        A,
        "alter table public.tb_cidadao alter column nu_micro_area type varchar(10)",
        f"alter table public.{BLOCKED} alter column nu_idade_gestacional_semanas type bigint",
    )
    sandbox.advance(project.sources[A], days=2, seed=46)
    on_source(
        project,
        A,
        "update public.tb_cidadao set nu_micro_area = 'MA-0012345', "
        "dt_atualizado = (select max(dt_atualizado) from public.tb_cidadao) + interval '1 second' "
        "where co_seq_cidadao = (select max(co_seq_cidadao) from public.tb_cidadao)",
        f"update public.{BLOCKED} set nu_idade_gestacional_semanas = 3000000000 "
        f"where co_seq_fat_atd_ind = (select max(co_seq_fat_atd_ind) from public.{BLOCKED})",
    )
    upgraded(project, A)
    with project.warehouse() as conn:
        wide = conn.execute(
            "select count(*) from raw_pec.tb_cidadao "
            "where co_municipio_ibge = %s and nu_micro_area = 'MA-0012345'",
            (A,),
        ).fetchone()[0]
        big = conn.execute(
            f"select count(*) from raw_pec.{BLOCKED} "
            "where co_municipio_ibge = %s and nu_idade_gestacional_semanas = 3000000000",
            (A,),
        ).fetchone()[0]
    assert (wide, big) == (1, 1)
    assert_bystander_untouched(project, bystander)


def test_a_pec_upgrade_drops_a_column_the_project_does_not_read(project: FaultProject) -> None:
    """An unread column gone from a fact table and from a full-table one: nothing changes."""
    bystander = fingerprint(project, B)
    # The sandbox copies rows without a column list: the new day comes before the upgrade.
    sandbox.advance(project.sources[A], days=2, seed=47)
    on_source(
        project,
        A,
        f"alter table public.{BLOCKED} drop column co_dim_profissional_1",
        "alter table public.tb_fat_cidadao_pec drop column st_lookup_etl",
    )
    upgraded(project, A)
    assert_bystander_untouched(project, bystander)
