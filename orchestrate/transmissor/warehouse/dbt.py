"""Running the project's dbt against the banco analítico, and its fleet-wide deploy.

dbt lives in the dbt plugin's virtual environment (`dbt-postgres`, plugins/utilities.meltano.yml),
and its settings (project, profiles and target folders) are the plugin's. A command of that
plugin (`dbt-postgres:build_municipio`) runs in both: Meltano sets VIRTUAL_ENV and the DBT_*
variables, so dbt runs directly from there, the deploy of a new warehouse included. Anywhere
else (`transmissor dbt-ready` on its own) that deploy is the plugin's named command
`dbt-postgres:first_deploy`, run by Meltano.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from transmissor.errors import TransmissorError
from transmissor.meltano.project import command_args
from transmissor.meltano.run import run_meltano
from transmissor.warehouse.database import planner_options

DBT_PLUGIN = "dbt-postgres"
# The first deploy of a new warehouse: `deploy` (build --full-refresh) without its data
# tests, which the município build right after runs on that município's rows.
DEPLOY_COMMAND = "first_deploy"


def dbt_executable() -> str | None:
    """dbt from the plugin's virtual environment (Meltano sets VIRTUAL_ENV), else PATH."""
    venv = os.environ.get("VIRTUAL_ENV")
    candidate = Path(venv) / "bin" / "dbt" if venv else None
    return str(candidate) if candidate and candidate.exists() else shutil.which("dbt")


def run_dbt(root: Path, dbt_args: list[str]) -> int:
    """dbt with `dbt_args`, output to ours, with the planner settings of our own sessions."""
    dbt = dbt_executable()
    if not dbt:
        msg = "dbt not found: run it as `meltano invoke dbt-postgres:build_municipio`"
        raise TransmissorError(msg)
    # The planner settings of the project's own sessions (warehouse.database), for dbt's.
    options = f"{os.environ.get('PGOPTIONS', '')} {planner_options()}".strip()
    env = with_shared_parse(root, {**os.environ, "PGOPTIONS": options})
    code = subprocess.call([dbt, *dbt_args], env=env)
    share_parse(root, env)
    return code


# dbt saves its parse of the project in its target folder and, on the next run, parses only
# the files that changed. Each município has a target folder of its own (its own Meltano
# system directory, transmissor.meltano.run), so its first build would parse the whole
# project (5 s); the parse does not depend on the município (the dbt macros read
# MUNICIPIO_IBGE only when executing), so the project keeps its latest for every folder.
PARSE_FILE = "partial_parse.msgpack"


def shared_parse(root: Path) -> Path:
    """The project's latest saved dbt parse, for target folders that have none yet."""
    return root / ".local" / "dbt" / PARSE_FILE


def _own_parse(root: Path, env: Mapping[str, str]) -> Path:
    target = Path(env.get("DBT_TARGET_PATH") or root / "transform" / "target")
    return target / PARSE_FILE


def with_shared_parse(root: Path, env: dict[str, str]) -> dict[str, str]:
    """`env`, pointing dbt at the project's latest saved parse when its target folder has
    none: the one kept by share_parse, or the one of the project's own target folder (where
    `meltano invoke dbt-postgres:deploy` without an environment saves it), the newer."""
    if _own_parse(root, env).exists():
        return env
    saved = [shared_parse(root), root / ".meltano" / "dbt" / "target" / PARSE_FILE]
    found = [path for path in saved if path.exists()]
    if not found:
        return env
    latest = max(found, key=lambda path: path.stat().st_mtime)
    return {**env, "DBT_PARTIAL_PARSE_FILE_PATH": str(latest)}


def share_parse(root: Path, env: Mapping[str, str]) -> None:
    """Keep the parse dbt just saved as the project's latest (atomically: builds of several
    municipalities run at once)."""
    own, shared = _own_parse(root, env), shared_parse(root)
    if not own.exists() or (shared.exists() and shared.stat().st_mtime >= own.stat().st_mtime):
        return
    shared.parent.mkdir(parents=True, exist_ok=True)
    partial = shared.with_name(f".{PARSE_FILE}.{os.getpid()}")
    shutil.copyfile(own, partial)
    os.replace(partial, shared)


def fleet_env(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the município's variables: dbt then builds every município."""
    return {
        k: v
        for k, v in environ.items()
        if not k.startswith("MUNICIPIO_") and k != "MELTANO_ENVIRONMENT"
    }


@dataclass(frozen=True, slots=True)
class Deployed:
    ok: bool
    seconds: float
    output: str


def deploy(root: Path) -> Deployed:
    """`dbt-postgres:first_deploy`, fleet-wide: the staging views and every município's
    tables, and the unit tests.

    In the dbt plugin's environment (DBT_PROJECT_DIR set, dbt found) it is dbt with the
    command's arguments, called here; elsewhere Meltano runs the command. Output is kept, as
    a build's log should show that it deployed, not the deploy's every line.
    """
    env = fleet_env(os.environ)
    dbt = dbt_executable()
    if not (dbt and os.environ.get("DBT_PROJECT_DIR")):
        result = run_meltano(root, ["invoke", f"{DBT_PLUGIN}:{DEPLOY_COMMAND}"], base_env=env)
        return Deployed(result.ok, result.seconds, result.output)
    started = time.monotonic()
    env = with_shared_parse(root, env)
    done = subprocess.run(
        [dbt, *command_args(root, DBT_PLUGIN, DEPLOY_COMMAND)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    share_parse(root, env)
    return Deployed(done.returncode == 0, time.monotonic() - started, done.stdout)
