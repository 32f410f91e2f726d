"""`transmissor access`: per-município roles and row-level security on the marts."""

from __future__ import annotations

import argparse

from transmissor.errors import TransmissorError
from transmissor.municipios import environments
from transmissor.municipios.ibge import lookup
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse import access
from transmissor.warehouse.database import connect


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "access", help="per-município read access to the marts (roles, row-level security)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    applying = actions.add_parser(
        "apply",
        help="create the município roles and protect every marts table (run after dbt build)",
    )
    applying.add_argument(
        "--municipio",
        action="append",
        default=[],
        metavar="CODE",
        help="IBGE code to create a role for (repeatable; default: every registered município)",
    )
    applying.set_defaults(func=_apply)
    checking = actions.add_parser(
        "status",
        help="show what the município roles read; fail on an unprotected table or extra writer",
    )
    checking.set_defaults(func=_status)


def _apply(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    # Codes are checked before anything connects or is created.
    codes = [lookup(code).codigo_ibge for code in args.municipio] or [
        env.ibge for env in environments.registered(root)
    ]
    access.apply_and_report(codes)
    return 0


def _status(_: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    with connect(Warehouse.from_env()) as conn:
        state = access.status(conn)
    print(f"município roles: {len(state.roles)}")
    for relation in state.protected:
        print(f"  protected: {relation}")
    for relation in state.unprotected:
        print(f"  not readable yet (run `transmissor access apply`): {relation}")
    problems = []
    if state.leaks:
        problems.append(
            f"{access.GROUP_ROLE} may read {', '.join(state.leaks)} without row-level security; "
            "run `transmissor access apply` (it revokes what it cannot protect)"
        )
    if state.writers:
        shown = ", ".join(f"{r} {p} {t}" for r, t, p in state.writers[:5])
        problems.append(
            f"roles other than the warehouse role may write: {shown}; revoke those privileges"
        )
    if problems:
        raise TransmissorError("; ".join(problems))
    print("only the warehouse role writes; every shared marts table is row-level secured")
    return 0
