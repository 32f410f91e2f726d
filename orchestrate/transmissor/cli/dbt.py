"""`transmissor dbt-ready` and `transmissor dbt-build`: the steps around the daily dbt build."""

from __future__ import annotations

import argparse

from transmissor.settings import load_dotenv, project_root
from transmissor.warehouse import dbt_build, dbt_ready


def register_ready(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "dbt-ready", help="deploy the dbt project if this warehouse never had it"
    )
    parser.set_defaults(func=_dbt_ready)


def register_build(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "dbt-build",
        help="run dbt for the município unless its rows, the models and the day are unchanged",
        description=(dbt_build.__doc__ or "").split("\n\n")[1],
    )
    # The daily job's build (`dbt-postgres:build_municipio`) uses both: the steps around dbt
    # in the same process, one Meltano and Python start-up instead of three.
    parser.add_argument(
        "--ready",
        action="store_true",
        help="first what `transmissor dbt-ready` does: fresh raw statistics, and the dbt "
        "deploy on a warehouse that never had it",
    )
    parser.add_argument(
        "--access",
        action="store_true",
        help="after a successful (or skipped) build, what `transmissor access apply` does",
    )
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER, help="-- then dbt's arguments")
    parser.set_defaults(func=_dbt_build)


def _dbt_ready(_: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    dbt_ready.prepare(root)
    return 0


def _dbt_build(args: argparse.Namespace) -> int:
    dbt_args = [a for a in args.dbt_args if a != "--"] or ["build"]
    root = project_root()
    load_dotenv(root)
    return dbt_build.build(root, dbt_args, ready=args.ready, access=args.access)
