"""The edge install: the project copied onto a box inside the município, its settings, its timer.

An install is a folder (default ~/.local/share/transmissor/<IBGE>) holding a git clone (or a
copy) of the project, a virtual environment, `environments/<IBGE>.meltano.yml`, an owner-only
`.env` with the two passwords (and the deployment's pseudonymisation key when it has one), and
`edge.json` (what was installed, no secret), plus a daily
timer (transmissor.edge.timer). `uninstall` removes the timer and the whole folder; `update`
fast-forwards the checkout. What the box does once installed is transmissor.edge.box.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

from transmissor.edge import loader_role, timer
from transmissor.edge.box import MARKER, read_marker, version
from transmissor.edge.timer import InstalledTimer, Schedule
from transmissor.errors import TransmissorError
from transmissor.load import pseudonymise
from transmissor.municipios import environments
from transmissor.municipios.ibge import Municipio, lookup

COPIED = ("meltano.yml", "pyproject.toml", "plugins", "extract", "transform", "orchestrate")
CA_FILE = "warehouse-ca.pem"


def default_dir(ibge: str) -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "transmissor" / ibge


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
    copy_project(local, root)
    return "copy"


def copy_project(source: Path, root: Path, names: Iterable[str] = COPIED) -> None:
    """Copy the project's `names` (files or folders) from `source` into `root`, without dbt's
    and Python's output."""
    for name in names:
        path = source / name
        if path.is_dir():
            shutil.copytree(
                path,
                root / name,
                ignore=shutil.ignore_patterns("target", "logs", "__pycache__", "*.pyc"),
            )
        elif path.exists():
            shutil.copy2(path, root / name)


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
    # The plugins' bytecode at install time, as `make setup` does (see the Makefile).
    env = {**os.environ, "UV_COMPILE_BYTECODE": "1"}
    for args in steps:
        done = subprocess.run(args, cwd=root, capture_output=True, text=True, check=False, env=env)
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


def dotenv_lines(
    ibge: str,
    root: Path,
    pec: PecSource,
    target: WarehouseTarget,
    pseudonymisation_key: str | None = None,
) -> list[str]:
    role = loader_role.role_name(ibge)
    sslmode = target.effective_sslmode()
    uri_tls = f"&sslmode={sslmode}"
    lines = [
        f"# transmissor edge box of IBGE {ibge}: owner-only, holds both passwords (and the "
        "pseudonymisation key, when the deployment has one).",
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
    if pseudonymisation_key:
        # The deployment's key, so the box's rows carry the same pseudonyms as the central
        # ones: identifiers leave the município only as pseudonyms.
        lines += [f"{pseudonymise.SWITCH}=true", f"{pseudonymise.KEY}={pseudonymisation_key}"]
    return lines


def write_private(path: Path, text: str) -> None:
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
    pseudonymisation_key: str | None = None,
    log=print,
) -> Installed:
    """Install the box. `pseudonymisation_key`: the deployment's (checked by
    transmissor.load.pseudonymise.deployment_key), written to the box's .env."""
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
        lines = dotenv_lines(ibge, root, pec, target, pseudonymisation_key)
        write_private(root / ".env", "\n".join(lines) + "\n")
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
        installed_timer = timer.install(timer_kind, root, schedule, timer_dir)
        marker["timer"] = installed_timer.to_json()
        (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        # Nothing half-installed stays behind, credentials least of all.
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Installed(root, municipio, installed_version, installed_timer, verify)


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


def uninstall(root: Path) -> list[str]:
    """Remove the timer and every file of the install (the .env and its passwords included)."""
    root = root.expanduser().absolute()
    marker = read_marker(root)
    removed = timer.remove(InstalledTimer.from_json(marker["timer"]), marker["ibge"])
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
