"""`transmissor freshness`: dbt's source freshness per município, recorded for `status`."""

from __future__ import annotations

import argparse
import os

from transmissor.cli.options import positive
from transmissor.errors import TransmissorError
from transmissor.fleet.freshness import check_all
from transmissor.municipios import environments
from transmissor.municipios.ibge import is_code
from transmissor.settings import load_dotenv, project_root
from transmissor.warehouse.freshness import FRESH, WARN


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "freshness",
        help="dbt source freshness per município, recorded for `transmissor status`",
        description=(
            "Run `dbt source freshness` (dbt-postgres:freshness) in each chosen município's "
            "environment: how long ago its fact tables last received rows, warned after "
            "26 h and an error after 50 h. The result is recorded in the banco analítico and "
            "shown by `transmissor status`. Exits 1 when any município is stale or its "
            "check failed."
        ),
    )
    parser.add_argument(
        "--municipio", action="append", default=[], metavar="CODE", help="IBGE code; repeat"
    )
    parser.add_argument("--all", action="store_true", help="every município in environments/")
    parser.add_argument(
        "--parallel",
        type=positive(int),
        default=int(os.environ.get("TRANSMISSOR_PARALLEL", "2")),
        metavar="N",
        help="municipalities at once (default 2, or $TRANSMISSOR_PARALLEL)",
    )
    parser.set_defaults(func=_freshness)


def _codes(args: argparse.Namespace) -> list[str]:
    root = project_root()
    if args.all and args.municipio:
        raise TransmissorError("use either --all or --municipio, not both")
    if args.all:
        return environments.registered_codes(root)
    if not args.municipio:
        raise TransmissorError("name the municipalities with --municipio CODE ... or --all")
    codes = [code.strip() for code in args.municipio]
    for code in codes:
        if not is_code(code):
            raise TransmissorError(f"{code!r} is not an IBGE code (7 digits)")
        if not environments.environment_path(root, code).exists():
            raise TransmissorError(
                f"{environments.label(code)} is not registered: run `transmissor municipio add`"
            )
    return codes


def _freshness(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    codes = _codes(args)
    checked = check_all(root, codes, parallel=args.parallel)
    return 0 if all(found.verdict in (FRESH, WARN) for found in checked) else 1
