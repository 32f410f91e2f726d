"""An edge box at work: its transmissão, its checks of both sides, its record, its version.

Many PEC servers sit on local networks nothing outside can reach. There the transmissor runs
on a box next to the PEC (installed by transmissor.edge.install), for that one município, and
opens only outbound connections:

- to the PEC on the local network, through the read-only role (`extract/sql/pec_readonly_role.sql`);
- to the banco analítico over TLS, as `loader_<IBGE>` (see transmissor.edge.loader_role), which
  can write only its município's rows; Meltano's system database (state and run history) is
  the central one (schema `meltano`), so the central team sees every box's state and
  transmissions, and a reinstalled box resumes from its bookmarks.

The box runs the job `transmissao-borda` (orchestrate/edge.meltano.yml): pre-flight,
extract-load and reconciliation. dbt and row-level security on the marts run centrally, as the
owner of the tables. The COPY steps work under the loader's row-level security (they COPY into
a temporary table, then INSERT/UPDATE from it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import random
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
from psycopg import sql

from transmissor import __version__
from transmissor.contract.model import MUNICIPIO_COLUMN
from transmissor.edge import loader_role
from transmissor.errors import TransmissorError
from transmissor.load import pec_check
from transmissor.load.pseudonymise import deployment_key
from transmissor.meltano.run import run_meltano
from transmissor.municipios.environments import is_local_host, label
from transmissor.municipios.ibge import lookup
from transmissor.settings import Warehouse
from transmissor.warehouse.database import RAW_SCHEMA, connect

JOB = "transmissao-borda"
MARKER = "edge.json"
RUNS_FILE = Path(".local/edge/runs.jsonl")
LOG_DIR = Path("logs/edge")
LOCK_FILE = Path(".local/edge/run.lock")
ATTEMPTS_PER_DAY = 3
LOG_DAYS = 30


def version(root: Path) -> str:
    """`0.1.0+g<commit>` for a git checkout (`-dirty` with local changes), else `0.1.0`."""
    if not (root / ".git").exists() or not shutil.which("git"):
        return __version__
    head = _git(root, "rev-parse", "--short=10", "HEAD")
    if head.returncode != 0:
        return __version__
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    return f"{__version__}+g{head.stdout.strip()}" + ("-dirty" if dirty else "")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
    )


def read_marker(root: Path) -> dict:
    path = root / MARKER
    if not path.exists():
        msg = f"{root} holds no edge install ({MARKER} missing)"
        raise TransmissorError(msg)
    return json.loads(path.read_text(encoding="utf-8"))


def edge_ibge() -> str:
    code = os.environ.get("TRANSMISSOR_EDGE_IBGE")
    if not code:
        msg = "this project is not an edge install (TRANSMISSOR_EDGE_IBGE is not set in .env)"
        raise TransmissorError(msg)
    return lookup(code).codigo_ibge


def check_warehouse(conn: psycopg.Connection, ibge: str, require_tls: bool) -> list[str]:
    """The loader role's write test: TLS, its own rows writable, another município's refused.

    The probe rows are written in a transaction that is always rolled back. Returns notes.
    """
    notes = []
    tls = conn.execute("select ssl from pg_stat_ssl where pid = pg_backend_pid()").fetchone()
    if not (tls and tls[0]):
        if require_tls:
            raise TransmissorError("the connection to the banco analítico is not encrypted")
        notes.append("the banco analítico is on this machine; TLS not in use")
    table = conn.execute(
        "select c.relname, a.attname from pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "join pg_catalog.pg_index i on i.indrelid = c.oid and i.indisprimary "
        # The key's PEC column, whichever side of co_municipio_ibge it is on.
        "join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey) "
        "where n.nspname = %s and has_table_privilege(c.oid, 'INSERT') "
        "and i.indnatts = 2 and a.attname <> %s order by c.relname limit 1",
        (RAW_SCHEMA, MUNICIPIO_COLUMN),
    ).fetchone()
    if table is None:
        msg = (
            f"{loader_role.role_name(ibge)} may insert into no raw table: run "
            f"`transmissor edge grant --ibge {ibge}` centrally"
        )
        raise TransmissorError(msg)
    name, key = table
    insert = sql.SQL("insert into {} ({}, {}) values (-1, %s)").format(
        sql.Identifier(RAW_SCHEMA, name), sql.Identifier(key), sql.Identifier(MUNICIPIO_COLUMN)
    )
    other = "2611606" if ibge != "2611606" else "3550308"
    conn.autocommit = False
    try:
        conn.execute(insert, (ibge,))  # must succeed
        try:
            with conn.transaction():
                conn.execute(insert, (other,))
        except psycopg.errors.InsufficientPrivilege:
            pass
        else:
            msg = (
                f"{loader_role.role_name(ibge)} could write another município's row into "
                f"{RAW_SCHEMA}.{name}: row-level security is missing; run `transmissor edge "
                "grant` centrally"
            )
            raise TransmissorError(msg)
    finally:
        conn.rollback()
        conn.autocommit = True
    notes.append(
        f"wrote (and rolled back) a row of {ibge} into {RAW_SCHEMA}.{name}; another "
        "município's row was refused"
    )
    return notes


def verify(root: Path, log: Callable[[str], None] = print) -> None:
    """`transmissor edge verify`: the PEC through the read-only role, then the banco analítico
    as the loader (its own rows writable, another município's refused); recorded centrally."""
    ibge = edge_ibge()
    deployment_key(label(ibge))
    report = pec_check.check(root, ibge, strict=True)
    for line in report.lines():
        log(line)
    if not report.ok:
        raise TransmissorError(pec_check.failure_message(report, "is not ready"))
    target = Warehouse.from_env()
    with connect(target) as conn:
        for note in check_warehouse(conn, ibge, require_tls=not is_local_host(target.host)):
            log(note)
        marker = read_marker(root)
        record_box(conn, ibge, version(root), marker["timer"]["kind"])
    log(f"{label(ibge)}: ready (PEC read-only, banco analítico writable for its rows)")


def record_box(
    conn: psycopg.Connection,
    ibge: str,
    box_version: str,
    timer: str | None,
    run: dict | None = None,
) -> None:
    conn.execute(
        f"insert into {loader_role.EDGE_TABLE} (municipio, hostname, version, timer, "
        "last_run_at, last_run_status) values (%s, %s, %s, %s, %s, %s) "
        "on conflict (municipio) do update set hostname = excluded.hostname, "
        "version = excluded.version, timer = coalesce(excluded.timer, "
        f"{loader_role.EDGE_TABLE}.timer), last_seen = now(), "
        f"last_run_at = coalesce(excluded.last_run_at, {loader_role.EDGE_TABLE}.last_run_at), "
        "last_run_status = coalesce(excluded.last_run_status, "
        f"{loader_role.EDGE_TABLE}.last_run_status)",
        (
            ibge,
            socket.gethostname(),
            box_version,
            timer,
            run["started_at"] if run else None,
            ("success" if run["ok"] else "failed") if run else None,
        ),
    )


def central_version(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        f"select version from {loader_role.CENTRAL_VERSION_TABLE} where id = 1"
    ).fetchone()
    return row[0] if row else None


def local_runs(root: Path, limit: int = 10) -> list[dict]:
    path = root / RUNS_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[-limit:] if line.strip()]


def due(root: Path, at_hour: int, timezone: str, now: dt.datetime | None = None) -> str | None:
    """Why a scheduled (hourly cron) call should not start now, or None when it should."""
    now = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(timezone))
    if now.hour < at_hour:
        return f"before {at_hour:02d}:00 {timezone}"
    today = [
        r
        for r in local_runs(root, 50)
        if dt.datetime.fromisoformat(r["started_at"]).astimezone(ZoneInfo(timezone)).date()
        == now.date()
    ]
    if any(r["ok"] for r in today):
        return "already transmitted today"
    if len(today) >= ATTEMPTS_PER_DAY:
        return f"{ATTEMPTS_PER_DAY} attempts failed today"
    return None


def run(
    root: Path,
    *,
    scheduled: bool = False,
    at_hour: int = 1,
    timezone: str = "America/Sao_Paulo",
    random_delay: int = 0,
    timeout: float = 5 * 3600,
) -> dict | None:
    """One transmissão of this box (the job `transmissao-borda`), recorded locally and centrally.

    Returns the run's record, or None when a scheduled call had nothing to do. A refused
    pseudonymisation key stops it before Meltano starts, with nothing recorded.
    """
    ibge = edge_ibge()
    deployment_key(label(ibge))
    (root / LOCK_FILE).parent.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"município {ibge}: a transmissão is already running on this box")
            return None
        if scheduled:
            why = due(root, at_hour, timezone)
            if why:
                return None
        if random_delay:
            time.sleep(random.SystemRandom().uniform(0, random_delay))
        started = dt.datetime.now(dt.UTC)
        log_path = root / LOG_DIR / f"{started:%Y%m%dT%H%M%SZ}.log"
        result = run_meltano(
            root, ["run", JOB], environment=ibge, log_path=log_path, timeout=timeout
        )
        record = {
            "started_at": started.isoformat(timespec="seconds"),
            "seconds": round(result.seconds, 1),
            "ok": result.ok,
            "returncode": result.returncode,
            "log": str(log_path.relative_to(root)),
            "version": version(root),
        }
        with (root / RUNS_FILE).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        _prune_logs(root)
        marker = read_marker(root)
        with (
            contextlib.suppress(TransmissorError, psycopg.Error),
            connect(Warehouse.from_env()) as conn,
        ):
            record_box(conn, ibge, record["version"], marker["timer"]["kind"], record)
    return record


def _prune_logs(root: Path) -> None:
    cutoff = time.time() - LOG_DAYS * 86400
    for log in (root / LOG_DIR).glob("*.log"):
        if log.stat().st_mtime < cutoff:
            log.unlink(missing_ok=True)
