"""Running Meltano the way cron or CI would, with the project's environment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

JOB = "transmissao-diaria"
# The state ID of a município is "<IBGE>:" + this (environment, extractor, loader).
STATE_ID_SUFFIX = "tap-pec-to-target-postgres"


def meltano_executable() -> str:
    """The `meltano` next to the running Python (the project's .venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "meltano"
    return str(candidate) if candidate.exists() else "meltano"


PLUGIN_KINDS = ("extractors", "loaders", "utilities", "mappers", "transformers", "orchestrators")


def isolated_sys_dir(root: Path, environment: str) -> Path:
    """A Meltano system directory of the environment's own, sharing the installed plugins.

    Meltano writes the catalog and the state it hands a tap to `.meltano/run/<plugin>/`, one
    folder per plugin name, whatever the environment: two municipalities run at the same time
    would overwrite each other's `state.json`, and one would extract from the other's
    bookmarks. Each environment gets `.local/meltano/<environment>/` (git-ignored), whose
    plugin folders link to the project's `.meltano/`, so its run files and dbt's target
    folder are its own.
    """
    shared = root / ".meltano"
    own = root / ".local" / "meltano" / environment
    own.mkdir(parents=True, exist_ok=True)
    for kind in PLUGIN_KINDS:
        (shared / kind).mkdir(parents=True, exist_ok=True)
        link = own / kind
        if not link.is_symlink():
            with contextlib.suppress(FileExistsError):  # made by a concurrent run
                link.symlink_to(shared / kind)
    return own


@dataclass(frozen=True, slots=True)
class MeltanoResult:
    returncode: int
    seconds: float
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_meltano(
    root: Path,
    args: list[str],
    environment: str | None = None,
    log_path: Path | None = None,
    timeout: float | None = None,
    extra_env: dict[str, str] | None = None,
    base_env: dict[str, str] | None = None,
) -> MeltanoResult:
    """Run `meltano [--environment=E] ARGS` in the project; output goes to log_path if given."""
    command = [meltano_executable()]
    base = os.environ if base_env is None else base_env
    env = {**base, "MELTANO_PROJECT_ROOT": str(root), **(extra_env or {})}
    if environment:
        command.append(f"--environment={environment}")
        env.setdefault("MELTANO_SYS_DIR_ROOT", str(isolated_sys_dir(root, environment)))
    command += args
    started = time.monotonic()
    # Meltano's children (tap, target, dbt) share a new session with it, so a timeout ends
    # the whole process group instead of leaving a tap or target running on its own.
    # Output goes straight to the log file while running: a hanging run still leaves a log.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        sink = spool
        if log_path:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            sink = log_path.open("w+", encoding="utf-8")
        with sink:
            process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                # Meltano writes each plugin's config, passwords included, to its run folder
                # while the plugin runs: owner-only files.
                umask=0o077,
            )
            with _RUNNING_LOCK:
                _RUNNING.add(process)
            try:
                returncode = process.wait(timeout=timeout)
                note = ""
            except subprocess.TimeoutExpired:
                terminate_group(process)
                returncode, note = -9, f"\ntimed out after {timeout} s"
            except BaseException:
                terminate_group(process)
                raise
            finally:
                with _RUNNING_LOCK:
                    _RUNNING.discard(process)
            sink.flush()
            sink.seek(0)
            output = sink.read() + note
            if note:
                sink.write(note)
    seconds = time.monotonic() - started
    return MeltanoResult(returncode, seconds, output)


# Meltano runs in progress in this process (several at once when the fleet runs them from
# threads), so a signal to the parent can end them: they are in sessions of their own and
# would otherwise outlive it.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


def terminate_all() -> None:
    """End every Meltano run this process started that is still running."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in running:
        terminate_group(process)


def terminate_group(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group (Meltano stops its plugins), then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        # The leader is gone; make sure no child of the group survived it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        return


def state_id(ibge: str) -> str:
    return f"{ibge}:{STATE_ID_SUFFIX}"


def get_state(root: Path, ibge: str) -> dict:
    """The município's Meltano state ({} when it has none).

    Read straight from Meltano's system database when it is PostgreSQL (the project's
    setting): `meltano state get` costs a Meltano start-up, 2-3 s of every daily job.
    """
    import json

    from transmissor.errors import TransmissorError

    if uri := _postgres_systemdb():
        return _state_from_systemdb(uri, state_id(ibge))
    result = run_meltano(root, ["state", "get", state_id(ibge)])
    lines = result.output.strip().splitlines()
    if result.ok and lines and lines[-1].startswith("{"):
        return json.loads(lines[-1])  # `{}` when the município has no state yet
    msg = f"município {ibge}: could not read the Meltano state: {result.output[-500:]}"
    raise TransmissorError(msg)


def _state_from_systemdb(uri: str, state_id: str) -> dict:
    """Meltano's own reading: the partial state (of an interrupted run) over the completed one."""
    import json

    with _systemdb(uri, f"read Meltano's state {state_id}") as conn:
        if not conn.execute("select to_regclass('state')").fetchone()[0]:
            return {}  # Meltano has not created its tables yet: no run so far
        row = conn.execute(
            "select partial_state, completed_state from state where state_id = %s",
            (state_id,),
        ).fetchone()
    if row is None:
        return {}
    partial, completed = (json.loads(text) if text else {} for text in row)
    return _merged(partial, completed)


def _state_to_systemdb(uri: str, state_id: str, completed: str) -> None:
    """Meltano's own write of a complete state: completed replaced, partial emptied."""
    with _systemdb(uri, f"write Meltano's state {state_id}") as conn:
        conn.execute(
            "insert into state (state_id, partial_state, completed_state, updated_at) "
            "values (%s, '{}', %s, now() at time zone 'UTC') on conflict (state_id) do "
            "update set partial_state = '{}', completed_state = excluded.completed_state, "
            "updated_at = excluded.updated_at",
            (state_id, completed),
        )


def _postgres_systemdb() -> str | None:
    """MELTANO_DATABASE_URI when Meltano's system database is PostgreSQL (the project's setting)."""
    uri = os.environ.get("MELTANO_DATABASE_URI", "")
    postgres = uri.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))
    return uri if postgres else None


@contextlib.contextmanager
def _systemdb(uri: str, doing: str) -> Iterator[psycopg.Connection]:
    """A committed-on-exit connection to Meltano's system database; errors say what failed."""
    import psycopg

    from transmissor.errors import TransmissorError

    conninfo = uri.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as conn:
            yield conn
    except psycopg.Error as error:
        msg = f"could not {doing} (MELTANO_DATABASE_URI): {str(error).strip().splitlines()[-1]}"
        raise TransmissorError(msg) from error


def _merged(src: dict, dest: dict) -> dict:
    """`src` merged recursively onto a copy of `dest` (Meltano's `utils.merge`)."""
    out = dict(dest)
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(value, out[key])
        else:
            out[key] = value
    return out


def set_state(root: Path, ibge: str, state: dict) -> None:
    """Replace the município's Meltano state (as `meltano state set --force` does)."""
    import json

    from transmissor.errors import TransmissorError

    if uri := _postgres_systemdb():
        _state_to_systemdb(uri, state_id(ibge), json.dumps(state))
        return
    result = run_meltano(root, ["state", "set", "--force", state_id(ibge), json.dumps(state)])
    if not result.ok:
        msg = f"município {ibge}: could not write the Meltano state: {result.output[-500:]}"
        raise TransmissorError(msg)
