"""Running Meltano the way cron or CI would, with the project's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

JOB = "transmissao-diaria"


def meltano_executable() -> str:
    """The `meltano` next to the running Python (the project's .venv), else the one on PATH."""
    candidate = Path(sys.executable).parent / "meltano"
    return str(candidate) if candidate.exists() else "meltano"


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
    if environment:
        command.append(f"--environment={environment}")
    command += args
    base = os.environ if base_env is None else base_env
    env = {**base, "MELTANO_PROJECT_ROOT": str(root), **(extra_env or {})}
    started = time.monotonic()
    try:
        completed = subprocess.run(
            command, cwd=root, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        returncode, output = completed.returncode, completed.stdout + completed.stderr
    except subprocess.TimeoutExpired as expired:
        partial = expired.stdout or b""
        text = partial.decode() if isinstance(partial, bytes) else partial
        returncode, output = -9, text + f"\ntimed out after {timeout} s"
    seconds = time.monotonic() - started
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(output, encoding="utf-8")
    return MeltanoResult(returncode, seconds, output)
