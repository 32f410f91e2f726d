"""`transmissor preflight`: refuse to transmit what would be wrong, before anything is written.

Run as the first step of a município's daily job (Meltano utility command
`transmissor:preflight`, with MUNICIPIO_IBGE from the environment) or by hand. It stops the job,
with a message naming the município and the fix, when:

- pseudonymisation is on and its key is missing or shorter than 32 characters, or a key is set
  with the switch off (transmissor.load.pseudonymise; checked before anything connects);
- the IBGE code names no municipality, or the município is not registered, or its
  environment file is malformed;
- the password variable is missing, or the password is wrong, or the PEC cannot be reached;
- the database is not a PEC, or this PEC version lacks a table or column of the contract (the
  extractor would silently leave out a selected column that does not exist), or the role may
  not read one;
- the PEC belongs to another município (tb_dim_municipio);
- a remote PEC is reached without TLS required;
- for a município reached through SSH, its key is missing or refused, or its bastion cannot be
  reached or will not forward to the PEC (the checks then run through the tunnel).

A role with more privileges than the read-only one is a warning here (the job can still run)
and a failure in `transmissor municipio check`. It also keeps Meltano's run directory private:
Meltano writes each plugin's configuration, passwords included, to `<system dir>/run/<plugin>/`
while a plugin runs and deletes it afterwards; a run killed mid-way leaves it behind.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from transmissor.errors import TransmissorError
from transmissor.load import pec_check, pseudonymise
from transmissor.municipios import environments
from transmissor.municipios.ibge import lookup

STALE_CONFIG_SECONDS = 24 * 3600


def secure_run_dir(root: Path) -> list[Path]:
    """Make Meltano's run folder owner-only; delete configuration files a killed run left.

    The run folder is `$MELTANO_SYS_DIR_ROOT/run` (each município's own system directory when
    run through transmissor, see transmissor.meltano.run), else `.meltano/run`. Returns the files
    removed. Only files older than a day are removed: no run lives that long (`transmissor
    run` ends an attempt after an hour by default), so none is in use.
    """
    sys_dir = os.environ.get("MELTANO_SYS_DIR_ROOT")
    run_dir = (Path(sys_dir) if sys_dir else root / ".meltano") / "run"
    if not run_dir.is_dir():
        return []
    removed = []
    now = time.time()
    folders = [run_dir, *(p for p in run_dir.iterdir() if p.is_dir() and not p.is_symlink())]
    if sys_dir:
        folders.insert(0, Path(sys_dir))
    for folder in folders:
        try:
            if stat.S_IMODE(folder.stat().st_mode) & 0o077:
                folder.chmod(0o700)
        except PermissionError:
            continue
        for leftover in folder.glob("*.config.json"):
            try:
                if now - leftover.stat().st_mtime > STALE_CONFIG_SECONDS:
                    leftover.unlink()
                    removed.append(leftover)
            except FileNotFoundError:
                continue
    return removed


def run(root: Path, ibge: str, raise_on_failure: bool = True) -> pec_check.Report:
    """The preflight of one município, through its SSH tunnel when it has one.

    Raises a TransmissorError naming the município and the fix on any failure (with
    raise_on_failure=False, only when it cannot even connect: the report says the rest).
    """
    report = pec_check.check(root, lookup(ibge).codigo_ibge, strict=False)
    if raise_on_failure and not report.ok:
        raise TransmissorError(pec_check.failure_message(report, "cannot be transmitted"))
    return report


def run_preflight(root: Path, code: str | None, log: Callable[[str], None] = print) -> None:
    """`transmissor preflight`: the checks, reported; a TransmissorError when one fails."""
    if not code:
        raise TransmissorError(
            "name the município with --municipio CODE (or run in its Meltano environment)"
        )
    # The daily job's first check, before anything connects: a key that would be refused
    # later must not let any earlier step move rows.
    pseudonymise.deployment_key(environments.label(code))
    for leftover in secure_run_dir(root):
        log(f"removed configuration left by a killed run: {leftover.relative_to(root)}")
    report = run(root, code, raise_on_failure=False)
    for line in report.lines():
        log(line)
    if not report.ok:
        raise TransmissorError(pec_check.failure_message(report, "cannot be transmitted"))
    log(f"{environments.label(report.env)}: ready to transmit")
