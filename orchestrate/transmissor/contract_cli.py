"""`transmissor contract`: regenerate (or check) what is generated from extract/contract.yml."""

from __future__ import annotations

import argparse

from transmissor.contract import render
from transmissor.errors import TransmissorError
from transmissor.settings import project_root


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "contract", help="regenerate the extractor and dbt sources from extract/contract.yml"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("render", help="write the generated files").set_defaults(func=_render)
    actions.add_parser("check", help="fail if a generated file is out of date").set_defaults(
        func=_check
    )


def _render(_: argparse.Namespace) -> int:
    changed = render(project_root())
    print("\n".join(f"wrote {path}" for path in changed) or "generated files are up to date")
    return 0


def _check(_: argparse.Namespace) -> int:
    stale = render(project_root(), check=True)
    if stale:
        names = ", ".join(str(path) for path in stale)
        msg = f"out of date with extract/contract.yml: {names}; run `transmissor contract render`"
        raise TransmissorError(msg)
    print("generated files are up to date")
    return 0
