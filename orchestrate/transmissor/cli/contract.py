"""`transmissor contract`: regenerate (or check) what is generated from extract/contract.yml."""

from __future__ import annotations

import argparse

from transmissor.contract import singer_catalog as catalog
from transmissor.contract.model import Contract
from transmissor.contract.render import render
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
    discover = actions.add_parser(
        "catalog",
        help="rewrite extract/tap-pec.catalog.json from tap-postgres's discovery of a PEC",
    )
    discover.add_argument(
        "--pec-url",
        required=True,
        help="postgresql://user:<password>@host:port/database of a PEC of the version to follow",
    )
    discover.set_defaults(func=_catalog)


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


def _catalog(args: argparse.Namespace) -> int:
    root = project_root()
    contract = Contract.load(root)
    discovered = catalog.discover(root, args.pec_url, contract.schema)
    path = root / catalog.CATALOG_PATH
    path.write_text(catalog.text(catalog.render(contract, discovered)), encoding="utf-8")
    print(f"wrote {catalog.CATALOG_PATH} ({len(contract.tables)} streams)")
    return 0
