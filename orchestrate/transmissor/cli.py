"""The `transmissor` command: one entry point for operators, subcommands per capability."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from transmissor import __version__
from transmissor.errors import TransmissorError


def build_parser() -> argparse.ArgumentParser:
    from transmissor import (
        access_cli,
        contract_cli,
        db_cli,
        demo,
        fleet_cli,
        municipio_cli,
        preflight,
        reconcile_cli,
        status_cli,
    )
    from transmissor.sandbox import cli as sandbox_cli

    parser = argparse.ArgumentParser(
        prog="transmissor",
        description="Daily transmission of e-SUS APS PEC data into the banco analítico.",
    )
    parser.add_argument("--version", action="version", version=f"transmissor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        db_cli,
        sandbox_cli,
        municipio_cli,
        contract_cli,
        reconcile_cli,
        demo,
        fleet_cli,
        status_cli,
        access_cli,
        preflight,
    ):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TransmissorError as error:
        print(f"transmissor: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
