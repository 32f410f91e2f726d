"""The steps of a transmissão as commands: `preflight`, `first-load`, `snapshot`,
`check-and-copy` (the three in one process) and `reconcile`.

Each runs for the município named by --municipio, by default the one of the Meltano
environment the job runs in ($MUNICIPIO_IBGE).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from transmissor.cli.options import add_municipio_option
from transmissor.load.check_and_copy import run_check_and_copy
from transmissor.load.first_load import run_first_load
from transmissor.load.preflight import run_preflight
from transmissor.load.reconcile import run_reconcile
from transmissor.load.snapshot import run_snapshot
from transmissor.settings import load_dotenv, project_root

Step = Callable[[Path, argparse.Namespace], None]


def _step_command(
    commands: argparse._SubParsersAction, name: str, help: str, step: Step
) -> argparse.ArgumentParser:
    """A command running `step` in the project, with its .env read, for one município."""

    def run(args: argparse.Namespace) -> int:
        root = project_root()
        load_dotenv(root)
        step(root, args)
        return 0

    parser = commands.add_parser(name, help=help)
    add_municipio_option(parser)
    parser.set_defaults(func=run)
    return parser


def register_reconcile(commands: argparse._SubParsersAction) -> None:
    parser = _step_command(
        commands,
        "reconcile",
        "compare a município's PEC with the warehouse: mark deletions, re-sync gaps",
        lambda root, args: run_reconcile(root, args.municipio, _since(args)),
    )
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--since", type=date.fromisoformat, help="only months from this date on (YYYY-MM-DD)"
    )
    window.add_argument(
        "--days", type=int, help="only months from this many days ago on (the daily job: 93)"
    )


def _since(args: argparse.Namespace) -> date | None:
    return args.since or (date.today() - timedelta(days=args.days) if args.days else None)


def register_first_load(commands: argparse._SubParsersAction) -> None:
    parser = _step_command(
        commands,
        "first-load",
        "COPY the large tables of a município not loaded yet, then hand over to Meltano",
        lambda root, args: run_first_load(root, args.municipio, full_refresh=args.full_refresh),
    )
    parser.add_argument("--full-refresh", action="store_true", help="copy every large table again")


def _for_municipio(
    name: str, help: str, run: Callable[[Path, str | None], None]
) -> Callable[[argparse._SubParsersAction], None]:
    """The registration of a command that runs `run` for --municipio, with no other option."""

    def register(commands: argparse._SubParsersAction) -> None:
        _step_command(commands, name, help, lambda root, args: run(root, args.municipio))

    return register


register_snapshot = _for_municipio(
    "snapshot",
    "COPY the município's full-table tables (state tables, dimensions); "
    "write new and changed rows, mark vanished ones",
    run_snapshot,
)
register_check_and_copy = _for_municipio(
    "check-and-copy",
    "preflight, then first-load (tables without a bookmark), then snapshot",
    run_check_and_copy,
)
register_preflight = _for_municipio(
    "preflight",
    "check a município's PEC before its transmission (nothing is written)",
    run_preflight,
)
