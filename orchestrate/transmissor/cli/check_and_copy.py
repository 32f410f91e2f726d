"""`transmissor check-and-copy`: the steps of a transmissão before the Singer extract-load.

The pre-flight checks, the first load of the large tables without a bookmark, then the
full-table tables by COPY: `preflight`, `first-load` and `snapshot` in one process. The daily
job pays Meltano's and Python's start-up once for the three (about 0.4 s each, every
morning for every município) instead of three times. Each step is still its own command.
"""

from __future__ import annotations

import argparse

from transmissor.cli import first_load as firstload_cli
from transmissor.cli import snapshot as snapshot_cli
from transmissor.load import preflight
from transmissor.municipios import environments


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check-and-copy",
        help="preflight, then first-load (tables without a bookmark), then snapshot",
    )
    environments.add_municipio_option(parser)
    parser.set_defaults(func=_check_and_copy, full_refresh=False)


def _check_and_copy(args: argparse.Namespace) -> int:
    # Each step raises a TransmissorError naming the município and the fix; a step that fails
    # stops the others, as a failed task stops a Meltano job.
    for step in (preflight._preflight, firstload_cli._first_load, snapshot_cli._snapshot):
        code = step(args)
        if code:
            return code
    return 0
