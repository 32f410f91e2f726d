"""The `transmissor` command: one entry point for operators, subcommands per capability."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from transmissor import __version__
from transmissor.errors import TransmissorError


def build_parser() -> argparse.ArgumentParser:
    from transmissor.cli import access as access_cli
    from transmissor.cli import check_and_copy as check_and_copy_cli
    from transmissor.cli import contract as contract_cli
    from transmissor.cli import db as db_cli
    from transmissor.cli import edge as edge_cli
    from transmissor.cli import first_load as firstload_cli
    from transmissor.cli import municipio as municipio_cli
    from transmissor.cli import reconcile as reconcile_cli
    from transmissor.cli import run as fleet_cli
    from transmissor.cli import sandbox as sandbox_cli
    from transmissor.cli import snapshot as snapshot_cli
    from transmissor.cli import status as status_cli
    from transmissor.dev import demo
    from transmissor.load import preflight
    from transmissor.warehouse import dbt_build, dbt_ready

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
        firstload_cli,
        snapshot_cli,
        check_and_copy_cli,
        dbt_ready,
        dbt_build,
        demo,
        fleet_cli,
        status_cli,
        access_cli,
        preflight,
        edge_cli,
    ):
        module.register(commands)
    _no_abbreviations(parser)
    return parser


def _no_abbreviations(parser: argparse.ArgumentParser) -> None:
    """Refuse shortened options everywhere: `--sslmod` must not silently mean `--sslmode`."""
    parser.allow_abbrev = False
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _no_abbreviations(child)


def _reject_unknown(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list) -> None:
    """Refuse unknown options with the usage of the (sub)command given and the município named."""
    target = parser
    for dest in ("command", "action"):
        choices = next(
            (a.choices for a in target._actions if isinstance(a, argparse._SubParsersAction)), {}
        )
        if getattr(args, dest, None) in choices:
            target = choices[getattr(args, dest)]
    code = next(
        (
            str(getattr(args, k))
            for k in ("ibge", "municipio")
            if isinstance(getattr(args, k, None), str)
        ),
        None,
    )
    about = ""
    if code:
        try:
            from transmissor.load.pec_check import label

            about = f" (for {label(code)})"
        except TransmissorError:
            about = f" (for IBGE code {code})"
    target.error(
        f"unrecognized arguments: {' '.join(extra)}{about}; nothing was done. "
        f"See `{target.prog} --help` for the options"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        _reject_unknown(parser, args, extra)
    try:
        return int(args.func(args) or 0)
    except TransmissorError as error:
        print(f"transmissor: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
