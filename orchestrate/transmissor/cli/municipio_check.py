"""`transmissor municipio check` and `transmissor municipio role-sql`."""

from __future__ import annotations

import argparse
import sys

from transmissor.contract import readonly_role
from transmissor.errors import TransmissorError
from transmissor.load import pec_check as check
from transmissor.settings import load_dotenv, project_root


def register_actions(actions: argparse._SubParsersAction) -> None:
    """Add the actions to `transmissor municipio`."""
    checking = actions.add_parser(
        "check",
        help="connect to a município's PEC: TLS, origin, read-only role, compatibility",
    )
    checking.add_argument("ibge", metavar="CODE", help="7-digit IBGE code of the município")
    checking.set_defaults(func=_check)

    role_sql = actions.add_parser(
        "role-sql",
        help="print the SQL script that creates the read-only role on a PEC (PostgreSQL 9.6+)",
    )
    role_sql.add_argument(
        "--role", default=readonly_role.DEFAULT_ROLE, help="role name (default: %(default)s)"
    )
    role_sql.add_argument(
        "--write",
        action="store_true",
        help=f"(re)write {readonly_role.SCRIPT_PATH} instead of printing",
    )
    role_sql.set_defaults(func=_role_sql)


def _check(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    report = check.check(root, args.ibge, strict=True)
    for line in report.lines():
        print(line)
    if not report.ok:
        raise TransmissorError(check.failure_message(report, "is not ready"))
    print(f"{check.label(report.env)}: ready (compatible, read-only)")
    return 0


def _role_sql(args: argparse.Namespace) -> int:
    root = project_root()
    if args.write:
        if args.role != readonly_role.DEFAULT_ROLE:
            raise TransmissorError("--write renders the default role name only; drop --role")
        changed = readonly_role.write(root)
        print(f"{'wrote' if changed else 'up to date:'} {readonly_role.SCRIPT_PATH}")
        return 0
    sys.stdout.write(readonly_role.rendered(root, args.role))
    return 0
