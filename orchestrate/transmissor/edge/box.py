"""The edge install: the same project, run inside the município, pushing out to the banco analítico.

Many PEC servers sit on local networks nothing outside can reach. There the transmissor runs
on a box next to the PEC, for that one município, and opens only outbound connections:

- to the PEC on the local network, through the read-only role (`extract/sql/pec_readonly_role.sql`);
- to the banco analítico over TLS, as `loader_<IBGE>` (see transmissor.loader_role), which can
  write only its município's rows; Meltano's system database (state and run history) is the
  central one (schema `meltano`), so the central team sees every box's state and
  transmissions, and a reinstalled box resumes from its bookmarks.

The box runs the job `transmissao-borda` (orchestrate/edge.meltano.yml): pre-flight, extract-load
and reconciliation. dbt and row-level security on the marts run centrally, as the owner of the
tables. The first load goes through Meltano: `transmissor first-load` COPYs straight into the
raw tables, and PostgreSQL refuses COPY FROM into a table with row-level security.

An install is a folder (default ~/.local/share/transmissor/<IBGE>) holding a git clone (or a
copy) of the project, a virtual environment, `environments/<IBGE>.meltano.yml`, an owner-only
`.env` with the two passwords, and `edge.json` (what was installed, no secret), plus a daily
timer (transmissor.edge_timer). `uninstall` removes the timer and the whole folder.
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
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
import yaml
from psycopg import sql

from transmissor import __version__
from transmissor.edge import loader_role
from transmissor.edge.timer import InstalledTimer, Schedule
from transmissor.errors import TransmissorError
from transmissor.meltano.run import run_meltano
from transmissor.municipios import environments
from transmissor.municipios.ibge import Municipio, lookup

JOB = "transmissao-borda"
MARKER = "edge.json"
COPIED = ("meltano.yml", "pyproject.toml", "plugins", "extract", "transform", "orchestrate")
RUNS_FILE = Path(".local/edge/runs.jsonl")
LOG_DIR = Path("logs/edge")
LOCK_FILE = Path(".local/edge/run.lock")
CA_FILE = "warehouse-ca.pem"
ATTEMPTS_PER_DAY = 3
LOG_DAYS = 30


def default_dir(ibge: str) -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "transmissor" / ibge


def version(root: Path) -> str:
    """`0.1.0+g<commit>` for a git checkout (`-dirty` with local changes), else `0.1.0`."""
    if not (root / ".git").exists() or not shutil.which("git"):
        return __version__
    head = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode != 0:
        return __version__
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{__version__}+g{head.stdout.strip()}" + ("-dirty" if dirty else "")


# -- install -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WarehouseTarget:
    host: str
    port: int
    database: str
    password: str
    ca_file: Path | None = None
    sslmode: str | None = None

    def effective_sslmode(self) -> str:
        if self.sslmode:
            return self.sslmode
        if environments.is_local_host(self.host):
            return "prefer"
        return "verify-full" if self.ca_file else "require"


@dataclass(frozen=True, slots=True)
class PecSource:
    host: str
    port: int
    database: str
    user: str
    password: str
    sslmode: str | None = None


@dataclass
class Installed:
    root: Path
    municipio: Municipio
    version: str
    timer: InstalledTimer
    verified: bool


def _fetch_project(source: str, root: Path) -> str:
    """Clone (a git repository or URL) or copy (a plain folder) the project into `root`."""
    local = Path(source)
    if (local / ".git").exists() or not local.exists():
        done = subprocess.run(
            ["git", "clone", "--quiet", source, str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            msg = f"git clone {source} failed: {done.stderr.strip()}"
            raise TransmissorError(msg)
        return "git"
    if not (local / "meltano.yml").exists():
        msg = f"{source} is neither a git repository nor a transmissor project (no meltano.yml)"
        raise TransmissorError(msg)
    root.mkdir(parents=True)
    for name in COPIED:
        path = local / name
        if path.is_dir():
            shutil.copytree(
                path,
                root / name,
                ignore=shutil.ignore_patterns("target", "logs", "__pycache__", "*.pyc"),
            )
        elif path.exists():
            shutil.copy2(path, root / name)
    return "copy"


def _prepare_venv(root: Path, reuse: Path | None) -> None:
    """A virtual environment with the pinned install and the Meltano plugins.

    `reuse`: link the `.venv` and `.meltano` of an installed project instead (tests; a box
    that installs several municipalities from one checkout).
    """
    if reuse is not None:
        for name in (".venv", ".meltano"):
            if not (reuse / name).is_dir():
                msg = f"--reuse-venv {reuse}: no {name} there (run `make setup` in it first)"
                raise TransmissorError(msg)
            (root / name).symlink_to((reuse / name).resolve())
        return
    python = sys.executable
    _run_steps(root, [[python, "-m", "venv", str(root / ".venv")], *_install_steps(root)])


def _install_steps(root: Path) -> list[list[str]]:
    """The pinned install of the project and its Meltano plugins into root's .venv."""
    pip = [str(root / ".venv/bin/pip"), "install", "--quiet"]
    return [
        [*pip, "-c", "plugins/constraints/transmissor.txt", "-e", "."],
        [str(root / ".venv/bin/meltano"), "install"],
    ]


def _run_steps(root: Path, steps: list[list[str]]) -> None:
    for args in steps:
        done = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            msg = f"{' '.join(args[:4])} failed: {(done.stderr or done.stdout).strip()[-1500:]}"
            raise TransmissorError(msg)


def _add_loader_tls(path: Path, target: WarehouseTarget) -> None:
    """target-postgres: verify the banco analítico's certificate when a CA is given."""
    if target.effective_sslmode() not in ("verify-ca", "verify-full"):
        return
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (environment,) = document["environments"]
    environment["config"]["plugins"]["loaders"] = [
        {
            "name": "target-postgres",
            "config": {
                "ssl_enable": True,
                "ssl_mode": target.effective_sslmode(),
                "ssl_certificate_authority": "${WAREHOUSE_SSLROOTCERT}",
            },
        }
    ]
    header = "".join(
        line for line in path.read_text(encoding="utf-8").splitlines(True) if line.startswith("#")
    )
    header += "# Edge box: target-postgres verifies the banco analítico's certificate.\n"
    path.write_text(
        header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )


def dotenv_lines(ibge: str, root: Path, pec: PecSource, target: WarehouseTarget) -> list[str]:
    role = loader_role.role_name(ibge)
    sslmode = target.effective_sslmode()
    uri_tls = f"&sslmode={sslmode}"
    lines = [
        f"# transmissor edge box of IBGE {ibge}: owner-only, holds both passwords.",
        f"TRANSMISSOR_EDGE_IBGE={ibge}",
        f"WAREHOUSE_HOST={target.host}",
        f"WAREHOUSE_PORT={target.port}",
        f"WAREHOUSE_USER={role}",
        f"WAREHOUSE_PASSWORD={target.password}",
        f"WAREHOUSE_DATABASE={target.database}",
        f"WAREHOUSE_SSLMODE={sslmode}",
    ]
    if target.ca_file:
        ca = root / CA_FILE
        lines.append(f"WAREHOUSE_SSLROOTCERT={ca}")
        uri_tls += f"&sslrootcert={quote(str(ca), safe='/')}"
    elif sslmode == "require":
        # target-postgres without ssl_enable leaves sslmode to libpq's environment; every
        # other connection (PEC, Meltano, transmissor) names its sslmode explicitly.
        lines.append("PGSSLMODE=require")
    lines += [
        "MELTANO_DATABASE_URI=postgresql+psycopg://"
        f"{quote(role, safe='')}:{quote(target.password, safe='')}@{target.host}:{target.port}/"
        f"{quote(target.database, safe='')}?options=-csearch_path%3Dmeltano{uri_tls}",
        f"{environments.password_variable(ibge)}={pec.password}",
    ]
    return lines


def _write_private(path: Path, text: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    path.chmod(0o600)


def install(
    ibge: str,
    root: Path,
    pec: PecSource,
    target: WarehouseTarget,
    *,
    source: str,
    reuse_venv: Path | None,
    timer_kind: str,
    timer_dir: Path | None,
    hour: int,
    random_delay: int,
    verify: bool = True,
    log=print,
) -> Installed:
    municipio = lookup(ibge)
    ibge = municipio.codigo_ibge
    root = root.expanduser().absolute()
    if root.exists() and any(root.iterdir()):
        hint = (
            "run `transmissor edge uninstall` first"
            if (root / MARKER).exists()
            else "choose an empty folder with --dir"
        )
        msg = f"{root} exists and is not empty: {hint}"
        raise TransmissorError(msg)
    if root.exists():
        root.rmdir()
    schedule = Schedule.drawn(ibge, municipio.fuso_horario, hour, random_delay)
    root.parent.mkdir(parents=True, exist_ok=True)
    try:
        how = _fetch_project(source, root)
        log(f"{'cloned' if how == 'git' else 'copied'} the project from {source} into {root}")
        root.chmod(0o700)
        # The project for this one município: no other environment.
        for other in (root / environments.ENVIRONMENTS_DIR).glob("*.meltano.yml"):
            other.unlink()
        _prepare_venv(root, reuse_venv)
        env_path = environments.environment_path(root, ibge)
        environments.add(
            root, ibge, pec.host, pec.port, pec.database, pec.user, pec.sslmode or None
        )
        _add_loader_tls(env_path, target)
        if target.ca_file:
            shutil.copyfile(target.ca_file, root / CA_FILE)
        _write_private(root / ".env", "\n".join(dotenv_lines(ibge, root, pec, target)) + "\n")
        log(f"wrote {env_path.relative_to(root)} and .env (mode 0600)")
        installed_version = version(root)
        marker = {
            "ibge": ibge,
            "municipio": f"{municipio.nome}/{municipio.uf}",
            "timezone": municipio.fuso_horario,
            "installed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "source": source,
            "version": installed_version,
            "schedule": {"hour": schedule.hour, "random_delay": schedule.random_delay},
            "timer": InstalledTimer("none").to_json(),
        }
        (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if verify:
            run_verify(root)
            log(
                "verified: the PEC through the read-only role, the banco analítico as "
                f"{loader_role.role_name(ibge)}"
            )
        timer = edge_timer_install(timer_kind, root, schedule, timer_dir)
        marker["timer"] = timer.to_json()
        (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        # Nothing half-installed stays behind, credentials least of all.
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Installed(root, municipio, installed_version, timer, verify)


def edge_timer_install(
    kind: str, root: Path, schedule: Schedule, timer_dir: Path | None
) -> InstalledTimer:
    from transmissor.edge import timer as edge_timer

    return edge_timer.install(kind, root, schedule, timer_dir)


def run_verify(root: Path) -> None:
    """`transmissor edge verify` in the installed project, with its own venv and .env only."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WAREHOUSE_", "PEC_", "MELTANO_", "PGSSL"))
    }
    done = subprocess.run(
        [str(root / ".venv/bin/transmissor"), "edge", "verify"],
        cwd=root,
        env={**keep, "MELTANO_PROJECT_ROOT": str(root)},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        msg = f"the edge box is not ready:\n{(done.stdout + done.stderr).strip()[-3000:]}"
        raise TransmissorError(msg)


def read_marker(root: Path) -> dict:
    path = root / MARKER
    if not path.exists():
        msg = f"{root} holds no edge install ({MARKER} missing)"
        raise TransmissorError(msg)
    return json.loads(path.read_text(encoding="utf-8"))


def uninstall(root: Path) -> list[str]:
    """Remove the timer and every file of the install (the .env and its passwords included)."""
    from transmissor.edge import timer as edge_timer

    root = root.expanduser().absolute()
    marker = read_marker(root)
    removed = edge_timer.remove(InstalledTimer.from_json(marker["timer"]), marker["ibge"])
    env_file = root / ".env"
    if env_file.exists():
        # Overwritten before unlinking, so the passwords are not left in a freed block of a
        # file system that keeps them (best effort; journaling file systems may copy).
        size = env_file.stat().st_size
        with env_file.open("r+b") as handle:
            handle.write(b"\0" * size)
            handle.flush()
            os.fsync(handle.fileno())
    shutil.rmtree(root)
    removed.append(str(root))
    return removed


# -- verification and runs (inside the installed project) --------------------------------------


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
    from transmissor.contract.model import MUNICIPIO_COLUMN
    from transmissor.warehouse.database import RAW_SCHEMA

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
    from zoneinfo import ZoneInfo

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

    Returns the run's record, or None when a scheduled call had nothing to do.
    """
    from transmissor.settings import Warehouse
    from transmissor.warehouse import database as warehouse

    ibge = edge_ibge()
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
            warehouse.connect(Warehouse.from_env()) as conn,
        ):
            record_box(conn, ibge, record["version"], marker["timer"]["kind"], record)
    return record


def _prune_logs(root: Path) -> None:
    cutoff = time.time() - LOG_DAYS * 86400
    for log in (root / LOG_DIR).glob("*.log"):
        if log.stat().st_mtime < cutoff:
            log.unlink(missing_ok=True)


def update(root: Path) -> tuple[str, str]:
    """Self-update: fast-forward the checkout from where it was cloned; returns (old, new).

    A box with its own virtual environment re-installs the pinned packages and plugins (a
    linked one belongs to the project it links to).
    """
    before = version(root)
    if not (root / ".git").exists():
        msg = f"{root} is a copy, not a git clone: reinstall it to update"
        raise TransmissorError(msg)
    steps = [["git", "-C", str(root), "pull", "--quiet", "--ff-only"]]
    if not (root / ".venv").is_symlink():
        steps += _install_steps(root)
    _run_steps(root, steps)
    after = version(root)
    marker = read_marker(root)
    marker["version"] = after
    (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    return before, after
