"""The `transmissor` command: one entry point for operators, subcommands per capability.

`cli/` is argparse only: each module registers a command group and calls into the domain
(transmissor.load, .warehouse, .fleet, .edge, .dev, ...); nothing imports `cli/`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from transmissor import __version__
from transmissor.cli import (
    access,
    contract,
    db,
    dbt,
    demo,
    edge,
    freshness,
    load,
    municipio,
    run,
    sandbox,
    status,
)
from transmissor.errors import TransmissorError
from transmissor.municipios.environments import label


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="transmissor",
        description="Daily transmission of e-SUS APS PEC data into the banco analítico.",
    )
    parser.add_argument("--version", action="version", version=f"transmissor {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order `transmissor --help` lists them.
    for register in (
        db.register,
        sandbox.register,
        municipio.register,
        contract.register,
        load.register_reconcile,
        load.register_first_load,
        load.register_snapshot,
        load.register_check_and_copy,
        dbt.register_ready,
        dbt.register_build,
        demo.register,
        run.register,
        status.register,
        freshness.register,
        access.register,
        load.register_preflight,
        edge.register,
    ):
        register(commands)
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
    code = _named_code(args)
    about = ""
    if code:
        try:
            about = f" (for {label(code)})"
        except TransmissorError:
            about = f" (for IBGE code {code})"
    target.error(
        f"unrecognized arguments: {' '.join(extra)}{about}; nothing was done. "
        f"See `{target.prog} --help` for the options"
    )


def _named_code(args: argparse.Namespace) -> str | None:
    """The one IBGE code the command line names (`--ibge`, `--municipio`, once or repeated
    once), to say which município the refused command was about."""
    for key in ("ibge", "municipio"):
        value = getattr(args, key, None)
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
        if isinstance(value, str):
            return value.strip()
    return None


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
