"""The steps of a transmissão before the Singer extract-load, one after the other.

The pre-flight checks, the first load of the large tables without a bookmark, then the
full-table tables by COPY: `preflight`, `first-load` and `snapshot` in one process. The daily
job pays Meltano's and Python's start-up once for the three (about 0.4 s each, every
morning for every município) instead of three times. Each step is still its own command.

Before the copies it makes sure this transmissão will be recorded (the trigger on Meltano's
run history, `transmissions.ensure_recording`): on a brand-new warehouse the job's own first
step installs it, before Meltano writes the row of the load that follows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from transmissor.load.first_load import run_first_load
from transmissor.load.preflight import run_preflight
from transmissor.load.snapshot import run_snapshot
from transmissor.settings import Warehouse
from transmissor.warehouse import transmissions
from transmissor.warehouse.database import connect


def run_check_and_copy(root: Path, code: str | None, log: Callable[[str], None] = print) -> None:
    """`transmissor check-and-copy`. Each step raises a TransmissorError naming the município
    and the fix; a step that fails stops the others, as a failed task stops a Meltano job."""
    run_preflight(root, code, log)
    with connect(Warehouse.from_env()) as conn:
        if transmissions.meltano_runs_exists(conn) and not transmissions.ensure_recording(conn):
            log(
                "this role may not install the trigger that records transmissions: "
                "`transmissor status` (or `edge grant`) installs it and records this run then"
            )
    run_first_load(root, code, full_refresh=False, log=log)
    run_snapshot(root, code, log)
