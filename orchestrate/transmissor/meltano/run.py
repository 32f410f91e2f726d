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
from dataclasses import dataclass
from pathlib import Path


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
