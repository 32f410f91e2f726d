"""The steps of a transmissão as commands: `preflight`, `first-load`, `snapshot`,
`check-and-copy` (the three in one process) and `reconcile`.

Each runs for the município named by --municipio, by default the one of the Meltano
environment the job runs in ($MUNICIPIO_IBGE).
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from transmissor.cli.options import add_municipio_option
from transmissor.load.check_and_copy import run_check_and_copy
from transmissor.load.first_load import run_first_load
from transmissor.load.preflight import run_preflight
from transmissor.load.reconcile import run_reconcile
from transmissor.load.snapshot import run_snapshot
from transmissor.settings import load_dotenv, project_root


def register_reconcile(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reconcile",
        help="compare a município's PEC with the warehouse: mark deletions, re-sync gaps",
    )
    add_municipio_option(parser)
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--since", type=date.fromisoformat, help="only months from this date on (YYYY-MM-DD)"
    )
    window.add_argument(
        "--days", type=int, help="only months from this many days ago on (the daily job: 93)"
    )
    parser.set_defaults(func=_reconcile)


def register_first_load(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "first-load",
        help="COPY the large tables of a município not loaded yet, then hand over to Meltano",
    )
    add_municipio_option(parser)
    parser.add_argument("--full-refresh", action="store_true", help="copy every large table again")
    parser.set_defaults(func=_first_load)


def register_snapshot(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "snapshot",
        help="COPY the município's full-table tables (state tables, dimensions); "
        "write new and changed rows, mark vanished ones",
    )
    add_municipio_option(parser)
    parser.set_defaults(func=_snapshot)


def register_check_and_copy(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "check-and-copy",
        help="preflight, then first-load (tables without a bookmark), then snapshot",
    )
    add_municipio_option(parser)
    parser.set_defaults(func=_check_and_copy)


def register_preflight(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "preflight",
        help="check a município's PEC before its transmission (nothing is written)",
    )
    add_municipio_option(parser)
    parser.set_defaults(func=_preflight)


def _reconcile(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    since = args.since or (date.today() - timedelta(days=args.days) if args.days else None)
    run_reconcile(root, args.municipio, since)
    return 0


def _first_load(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    run_first_load(root, args.municipio, full_refresh=args.full_refresh)
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    run_snapshot(root, args.municipio)
    return 0


def _check_and_copy(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    run_check_and_copy(root, args.municipio)
    return 0


def _preflight(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    run_preflight(root, args.municipio)
    return 0
