"""The fleet: the daily job for many municipalities, with bounded concurrency and retries.

Each município runs in its own `meltano --environment=<IBGE> run ...` process group, with a
timeout that ends the whole group. A município waiting for its retry does not hold a slot:
its next attempt is queued for later and the slot goes to the next município. A failure is
classified from Meltano's output (transmissor.meltano.logs): transient errors are retried with
exponential backoff; configuration errors are not.
"""

from __future__ import annotations

import heapq
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from transmissor.errors import TransmissorError
from transmissor.meltano.logs import CONFIGURATION, OTHER, TRANSIENT, classify, error_summary
from transmissor.meltano.project import JOB, job_blocks, split_blocks
from transmissor.meltano.run import MeltanoResult, run_meltano, terminate_all
from transmissor.municipios import environments, pec, tunnel
from transmissor.municipios.environments import label
from transmissor.municipios.ibge import lookup
from transmissor.warehouse import transmissions

STEPS = ("job", transmissions.STEP_EXTRACT_LOAD, transmissions.STEP_TRANSFORM)


# The dbt phase of the daily job runs one município at a time across the fleet (see
# Fleet._phase_lock): a session-level advisory lock on this key in the banco analítico.
DBT_LOCK = "transmissor:dbt"
# `meltano run` needs an environment; this one (orchestrate/fleet.meltano.yml) sets no
# município, so dbt runs for all of them.
FLEET_ENVIRONMENT = "frota"


def job_phases(root: Path, step: str = "job") -> list[tuple[str, list[str]]]:
    """The daily job as (phase, blocks): extract-load then transform, or one of them."""
    extract_load, transform = split_blocks(job_blocks(root))
    phases = [(transmissions.STEP_EXTRACT_LOAD, extract_load)]
    if transform:
        phases.append((transmissions.STEP_TRANSFORM, transform))
    if step != "job":
        phases = [(phase, blocks) for phase, blocks in phases if phase == step]
        if not phases:
            msg = f"job {JOB} has no {step} tasks"
            raise TransmissorError(msg)
    return phases


# -- before a run ---------------------------------------------------------------------------


def check_registration(
    root: Path, ibge: str, env: Mapping[str, str]
) -> environments.MunicipioEnvironment:
    """Fast, clear configuration errors before any Meltano process starts: the code names a
    municipality, it is registered and its secrets are set (its PEC is checked by the job's
    own pre-flight). The messages are the pre-flight's, so a user reads the same words
    whether the fleet or the job found the problem."""
    ibge = lookup(ibge).codigo_ibge  # a code that names no municipality is not "unregistered"
    path = environments.environment_path(root, ibge)
    if not path.exists():
        msg = (
            f"{label(ibge)} is not registered (no {path.relative_to(root)}); "
            f"register it with `transmissor municipio add --ibge {ibge} ...`"
        )
        raise TransmissorError(msg)
    municipio = environments.MunicipioEnvironment.from_file(path)
    pec.password_of(municipio, env)
    if municipio.ssh:
        tunnel.key_text(municipio, env)
    return municipio


# -- one município --------------------------------------------------------------------------


@dataclass
class Attempt:
    number: int
    ok: bool
    kind: str  # "", transient, configuration, other
    seconds: float
    error: str
    log_path: Path | None
    run_id: uuid.UUID | None


@dataclass
class Outcome:
    ibge: str
    nome: str
    uf: str
    attempts: list[Attempt] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].ok

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.attempts)

    @property
    def status(self) -> str:
        if self.ok:
            return "success"
        last = self.attempts[-1] if self.attempts else None
        if last and last.kind == CONFIGURATION:
            return "config-error"
        if last and "timed out after" in last.error:
            return "timeout"
        return "failed"

    @property
    def error(self) -> str:
        return "" if self.ok or not self.attempts else self.attempts[-1].error

    def to_json(self) -> dict[str, object]:
        return {
            "municipio": self.ibge,
            "nome": self.nome,
            "uf": self.uf,
            "status": self.status,
            "attempts": len(self.attempts),
            "seconds": round(self.seconds, 1),
            "rows": self.rows,
            "error": self.error or None,
            "log": str(self.attempts[-1].log_path) if self.attempts else None,
        }


Runner = Callable[..., MeltanoResult]


@dataclass
class Fleet:
    """Settings of one `transmissor run`."""

    root: Path
    env: dict[str, str]
    parallel: int = 2
    timeout: float | None = 3600
    retries: int = 2
    backoff: float = 30.0
    backoff_max: float = 600.0
    step: str = "job"
    trigger: str = "transmissor run"
    log_dir: Path | None = None
    connect: Callable[[], object] | None = None  # banco analítico connection factory
    runner: Runner = run_meltano
    on_event: Callable[[str], None] = print
    fleet_run_id: uuid.UUID = field(default_factory=uuid.uuid4)
    # dbt after each município's load ("each", as the job does), or once for the whole fleet
    # after every load ("once": one fleet-wide dbt run, MUNICIPIO_IBGE unset).
    dbt: str = "each"
    transform_result: MeltanoResult | None = None
    _dbt_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Per município, the record writes that failed because the banco analítico was down
    # (function, args, kwargs), in order: written before its next attempt and at the end.
    _deferred: dict[str, list[tuple[Callable[..., object], tuple, dict]]] = field(
        default_factory=dict, repr=False
    )

    def backoff_for(self, attempt: int) -> float:
        return min(self.backoff * 2 ** (attempt - 1), self.backoff_max)

    # -- one attempt --------------------------------------------------------------------

    def attempt(self, ibge: str, number: int) -> Attempt:
        """One attempt: extract-load (with reconciliation), then dbt under the fleet's dbt
        lock, as two Meltano runs; the step option runs only one of them."""
        started = time.monotonic()
        log_path = self.log_dir / f"{ibge}.attempt{number}.log" if self.log_dir else None
        # The banco analítico may have been down when the previous attempt ended (it holds
        # Meltano's run history too): that attempt's Meltano run may still say RUNNING, and
        # Meltano would refuse this one for five minutes. Record what was kept first.
        self._write_deferred(ibge)
        try:
            check_registration(self.root, ibge, self.env)
            phases = job_phases(self.root, self.step)
            if self.dbt == "once":
                phases = [(p, b) for p, b in phases if p != transmissions.STEP_TRANSFORM]
        except TransmissorError as error:
            if log_path:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                log_path.write_text(f"pre-flight: {error}\n", encoding="utf-8")
            self._record_preflight(ibge, number, str(error), log_path)
            return Attempt(
                number, False, CONFIGURATION, time.monotonic() - started, str(error), log_path, None
            )
        since = datetime.now(UTC)
        run_id = None if self.step == transmissions.STEP_TRANSFORM else transmissions.new_run_id()
        if run_id:
            self._db(self._begin, ibge, run_id, number, log_path)
        # run_meltano gives each environment its own Meltano system directory, so concurrent
        # runs share neither the catalog nor the state file Meltano hands the tap.
        env = self.env
        seconds, ok, output, timed_out = 0.0, True, "", False
        reached, failed_log = transmissions.STEP_EXTRACT_LOAD, log_path
        for phase, blocks in phases:
            reached = phase
            # Meltano's run id joins its run record to ours (the extract-load is the run
            # Meltano records).
            args = ["run"]
            if run_id and phase == transmissions.STEP_EXTRACT_LOAD:
                args.append(f"--run-id={run_id}")
            phase_log = log_path
            if log_path and phase == transmissions.STEP_TRANSFORM and len(phases) > 1:
                phase_log = log_path.with_suffix(".transform.log")
            remaining = None if self.timeout is None else max(1.0, self.timeout - seconds)
            with self._phase_lock(phase):
                result = self.runner(
                    self.root,
                    [*args, *blocks],
                    environment=ibge,
                    log_path=phase_log,
                    timeout=remaining,
                    base_env=env,
                )
            seconds += result.seconds
            if not result.ok:
                ok, output, failed_log = False, result.output, phase_log
                timed_out = result.returncode == -9
                break
        error = "" if ok else error_summary(output)
        kind = "" if ok else classify(output)
        if timed_out:
            kind, error = TRANSIENT, f"timed out after {self.timeout:g} s ({reached})"
        if run_id:
            if not ok:
                self._db_or_later(ibge, transmissions.fail_abandoned_meltano_run, run_id, error)
            self._db_or_later(
                ibge, transmissions.finish, run_id, ok=ok, step=reached, error=error or None
            )
        else:
            midnight = since.replace(hour=0, minute=0, second=0, microsecond=0)
            self._db(
                transmissions.record_transform, ibge, ok=ok, error=error or None, since=midnight
            )
        return Attempt(number, ok, kind, seconds, error, failed_log, run_id)

    @contextmanager
    def _phase_lock(self, phase: str) -> Iterator[None]:
        """The dbt phase runs one município at a time across the fleet (every host, through
        an advisory lock in the banco analítico).

        dbt alone could build municipalities side by side: their daily build creates no
        relation (transform/dbt_project.yml). The phase also re-applies the marts' row-level
        security (`transmissor access apply`, inside `dbt-postgres:build_municipio`), which
        re-creates the policy of every marts table: CREATE POLICY and ALTER TABLE take an
        exclusive lock on each table until they commit, while another município's build
        reads some marts tables as it writes others, so the two would wait on each other or
        deadlock."""
        if phase != transmissions.STEP_TRANSFORM:
            yield
            return
        with self._dbt_lock, ExitStack() as stack:
            if self.connect is not None:
                try:
                    conn = stack.enter_context(self.connect())  # type: ignore[arg-type]
                    conn.execute("select pg_advisory_lock(hashtext(%s))", (DBT_LOCK,))
                except Exception as error:
                    self.on_event(f"warning: dbt lock in the banco analítico unavailable: {error}")
            yield

    def _begin(
        self,
        conn: psycopg.Connection,
        ibge: str,
        run_id: uuid.UUID,
        number: int,
        log_path: Path | None,
        step: str = transmissions.STEP_EXTRACT_LOAD,
    ) -> None:
        """Record the attempt before Meltano starts (transmissions.begin)."""
        transmissions.begin(
            conn,
            ibge,
            run_id,
            trigger=self.trigger,
            attempt=number,
            fleet_run_id=self.fleet_run_id,
            log_path=str(log_path) if log_path else None,
            step=step,
        )

    def _record_preflight(self, ibge: str, number: int, error: str, log_path: Path | None) -> None:
        run_id = uuid.uuid4()

        def write(conn: psycopg.Connection) -> None:
            self._begin(conn, ibge, run_id, number, log_path, transmissions.STEP_PREFLIGHT)
            transmissions.finish(
                conn, run_id, ok=False, step=transmissions.STEP_PREFLIGHT, error=error
            )

        self._db(write)

    def _db(self, function: Callable[..., object], *args: object, **kwargs: object) -> bool:
        """Write to the record; a banco analítico that is down never stops the fleet.

        Returns whether it was written."""
        if self.connect is None:
            return True
        try:
            with self.connect() as conn:  # type: ignore[attr-defined]
                function(conn, *args, **kwargs)
        except Exception as error:
            self.on_event(f"warning: could not write the transmission record: {error}")
            return False
        return True

    def _db_or_later(
        self, ibge: str, function: Callable[..., object], *args: object, **kwargs: object
    ) -> None:
        """Write to the record now, or keep the write for before the município's next attempt
        (after whatever was kept before it, so the record's order holds)."""
        self._deferred.setdefault(ibge, []).append((function, args, kwargs))
        self._write_deferred(ibge)

    def _write_deferred(self, ibge: str) -> None:
        """Write what was kept for the município, oldest first, until one write fails."""
        pending = self._deferred.get(ibge, [])
        while pending:
            function, args, kwargs = pending[0]
            if not self._db(function, *args, **kwargs):
                return
            pending.pop(0)

    # -- the fleet ----------------------------------------------------------------------

    def run(self, municipios: Iterable[str]) -> list[Outcome]:
        codes = list(dict.fromkeys(municipios))
        outcomes = {code: _outcome(self.root, code) for code in codes}
        total = len(codes)
        done = 0
        lock = threading.Lock()
        # (ready at, order, ibge, attempt number): a município waiting for a retry is not
        # holding a slot.
        queue: list[tuple[float, int, str, int]] = [
            (0.0, i, code, 1) for i, code in enumerate(codes)
        ]
        heapq.heapify(queue)
        order = len(codes)
        running: dict[Future[Attempt], tuple[str, int]] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.parallel)) as pool, _ends_runs_on_exit():
            while queue or running:
                now = time.monotonic()
                while queue and queue[0][0] <= now and len(running) < self.parallel:
                    _, _, code, number = heapq.heappop(queue)
                    running[pool.submit(self.attempt, code, number)] = (code, number)
                wait_for = None
                if queue and len(running) < self.parallel:
                    wait_for = max(0.0, queue[0][0] - now)
                if not running:
                    time.sleep(wait_for or 0)
                    continue
                finished, _ = wait(running, timeout=wait_for, return_when=FIRST_COMPLETED)
                for future in finished:
                    code, number = running.pop(future)
                    attempt = future.result()
                    outcome = outcomes[code]
                    outcome.attempts.append(attempt)
                    if not attempt.ok and attempt.kind == TRANSIENT and number <= self.retries:
                        delay = self.backoff_for(number)
                        order += 1
                        heapq.heappush(queue, (time.monotonic() + delay, order, code, number + 1))
                        self.on_event(
                            f"          {code} {outcome.nome}/{outcome.uf}: attempt {number} "
                            f"failed ({attempt.error}); retrying in {delay:g} s"
                        )
                        continue
                    with lock:
                        done += 1
                    if attempt.ok:
                        outcome.rows = self._rows(attempt.run_id)
                    self.on_event(progress_line(done, total, outcome))
        if self.dbt == "once" and self.step == "job":
            self.transform_once([o for o in outcomes.values() if o.ok])
        for code in codes:  # a last chance for what the banco analítico missed while down
            self._write_deferred(code)
        return [outcomes[code] for code in codes]

    def transform_once(self, loaded: list[Outcome]) -> None:
        """One fleet-wide dbt run after every load; its result is each transmission's."""
        phases = dict(job_phases(self.root))
        blocks = phases.get(transmissions.STEP_TRANSFORM)
        if not blocks or not loaded:
            return
        self.on_event(f"dbt for the fleet ({len(loaded)} municipalities loaded) ...")
        env = {k: v for k, v in self.env.items() if not k.startswith("MUNICIPIO_")}
        log_path = self.log_dir / "fleet.transform.log" if self.log_dir else None
        with self._phase_lock(transmissions.STEP_TRANSFORM):
            result = self.runner(
                self.root,
                ["run", *blocks],
                environment=FLEET_ENVIRONMENT,
                log_path=log_path,
                timeout=self.timeout,
                base_env=env,
            )
        self.transform_result = result
        error = None if result.ok else "fleet dbt failed: " + error_summary(result.output)
        for outcome in loaded:
            run_id = outcome.attempts[-1].run_id
            if run_id:
                self._db(
                    transmissions.finish,
                    run_id,
                    ok=result.ok,
                    step=transmissions.STEP_TRANSFORM,
                    error=error,
                    keep_end=True,
                )
            if not result.ok:
                outcome.attempts[-1].ok = False
                outcome.attempts[-1].kind = OTHER
                outcome.attempts[-1].error = error or ""
                outcome.attempts[-1].log_path = log_path
        state = "success" if result.ok else f"FAILED ({error}); log {log_path}"
        self.on_event(f"dbt for the fleet: {state} in {result.seconds:.1f} s")

    def report(self, outcomes: list[Outcome], started: datetime, wall_seconds: float) -> str:
        """The run as JSON (`transmissor run --json FILE`)."""
        document = {
            "fleet_run_id": str(self.fleet_run_id),
            "started_at": started.isoformat(),
            "wall_seconds": round(wall_seconds, 1),
            "parallel": self.parallel,
            "dbt": self.dbt,
            "fleet_dbt_seconds": round(self.transform_result.seconds, 1)
            if self.transform_result
            else None,
            "municipios": [o.to_json() for o in outcomes],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    def _rows(self, run_id: uuid.UUID | None) -> int:
        if self.connect is None or run_id is None:
            return 0
        try:
            with self.connect() as conn:  # type: ignore[attr-defined]
                row = conn.execute(  # type: ignore[attr-defined]
                    "select coalesce(sum(value::bigint), 0) from transmissor.transmissoes, "
                    "jsonb_each_text(rows) where meltano_run_id = %s",
                    (run_id,),
                ).fetchone()
                return int(row[0]) if row else 0
        except Exception:
            return 0


@contextmanager
def _ends_runs_on_exit() -> Iterator[None]:
    """Interrupted (Ctrl-C, SIGTERM from cron, Airflow or CI), end the Meltano runs too."""
    try:
        yield
    except BaseException:
        terminate_all()
        raise


def _outcome(root: Path, code: str) -> Outcome:
    try:
        municipio = environments.MunicipioEnvironment.from_file(
            environments.environment_path(root, code)
        ).municipio
        return Outcome(code, municipio.nome, municipio.uf)
    except (TransmissorError, OSError):
        return Outcome(code, "?", "?")


def progress_line(done: int, total: int, outcome: Outcome) -> str:
    width = len(str(total))
    attempts = len(outcome.attempts)
    detail = f"{outcome.rows:,} rows" if outcome.ok else outcome.error
    return (
        f"[{done:>{width}}/{total}] {outcome.ibge} {outcome.nome[:22]:<22} {outcome.uf} "
        f"{outcome.status:<12} {outcome.seconds:7.1f} s  {attempts} attempt"
        f"{'s' if attempts > 1 else ' '}  {detail}"
    )


def summary_table(outcomes: list[Outcome], wall_seconds: float) -> str:
    header = (
        f"{'município':<7} {'nome':<22} {'uf':<2} {'status':<12} {'att':>3} "
        f"{'seconds':>8} {'rows':>9}  error / log"
    )
    lines = [header, "-" * len(header)]
    for o in outcomes:
        tail = o.error if not o.ok else ""
        log = o.attempts[-1].log_path if o.attempts else None
        lines.append(
            f"{o.ibge:<7} {o.nome[:22]:<22} {o.uf:<2} {o.status:<12} {len(o.attempts):>3} "
            f"{o.seconds:>8.1f} {o.rows:>9,}  {tail}"
            + (f"\n{'':<7} log: {log}" if not o.ok and log else "")
        )
    failed = sum(not o.ok for o in outcomes)
    lines.append("-" * len(header))
    lines.append(
        f"{len(outcomes) - failed} of {len(outcomes)} municipalities transmitted, "
        f"{failed} failed, in {wall_seconds:.1f} s"
    )
    return "\n".join(lines)


def prepare_record(root: Path, conn: psycopg.Connection) -> bool:
    """The transmissions record and its trigger on Meltano's run history; whether it is in place.

    Meltano creates its system tables on its first command, and the trigger needs them.
    """
    if not transmissions.meltano_runs_exists(conn):
        run_meltano(root, ["state", "list"], timeout=300)
    return transmissions.ensure_schema(conn)


# Set by a parent Meltano when the fleet runs as a Meltano job (transmissao-frota): passed on,
# they would put every município's run in the parent's environment and system directory.
INHERITED = ("MELTANO_ENVIRONMENT", "MELTANO_SYS_DIR_ROOT", "MELTANO_RUN_ID")
INHERITED_PREFIXES = ("MELTANO_UTILITY_", "MELTANO_JOB_", "MELTANO_RUN_", "MUNICIPIO_")


def child_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment every município's run starts from."""
    return {
        key: value
        for key, value in environ.items()
        if key not in INHERITED and not key.startswith(INHERITED_PREFIXES)
    }


def default_log_dir(root: Path, started: datetime) -> Path:
    return root / "logs" / "run" / started.strftime("%Y%m%dT%H%M%SZ")


def process_env() -> dict[str, str]:
    return dict(os.environ)
