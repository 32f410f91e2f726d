"""`transmissor municipio`: register the municipalities of the fleet (Meltano environments),
check a município's PEC, and print the read-only role's script for its DBA."""

from __future__ import annotations

import argparse
import sys

from transmissor.contract import readonly_role
from transmissor.errors import TransmissorError
from transmissor.load import pec_check
from transmissor.municipios import environments
from transmissor.settings import load_dotenv, project_root


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("municipio", help="register municipalities (Meltano environments)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="write environments/<IBGE>.meltano.yml")
    add.add_argument("--ibge", required=True, help="7-digit IBGE code of the município")
    add.add_argument("--host", required=True, help="host of the banco do município (PEC)")
    add.add_argument("--port", type=int, default=5432)
    add.add_argument("--database", required=True, help="PEC database name (often esus)")
    add.add_argument("--user", required=True, help="read-only role on the PEC database")
    add.add_argument(
        "--sslmode",
        choices=environments.SSL_MODES,
        help="libpq sslmode (default: require, or prefer for a host on this machine)",
    )
    add.add_argument("--ssh-host", help="reach the database through this SSH host")
    add.add_argument("--ssh-port", type=int, default=22)
    add.add_argument("--ssh-user", help="SSH user on --ssh-host")
    add.set_defaults(func=_add, parser_error=add.error)

    listing = actions.add_parser("list", help="list the registered municipalities")
    listing.set_defaults(func=_list)

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


def _add(args: argparse.Namespace) -> int:
    ssh = None
    if args.ssh_host:
        if not args.ssh_user:
            args.parser_error("--ssh-user is required with --ssh-host")
        ssh = environments.SshTunnel(args.ssh_host, args.ssh_port, args.ssh_user)
    env = environments.add(
        project_root(), args.ibge, args.host, args.port, args.database, args.user, args.sslmode, ssh
    )
    m = env.municipio
    print(f"registered {m.nome} ({m.uf}), IBGE {m.codigo_ibge}, time zone {m.fuso_horario}")
    print(f"  wrote environments/{m.codigo_ibge}.meltano.yml (sslmode {env.sslmode})")
    print(f"  set the password of {env.user} in {environments.password_variable(m.codigo_ibge)}")
    if ssh:
        print(f"  and the SSH private key in {environments.ssh_key_variable(m.codigo_ibge)}")
    print(f"  then run: meltano --environment={m.codigo_ibge} run transmissao-diaria")
    return 0


def _list(_: argparse.Namespace) -> int:
    for env in environments.registered(project_root()):
        m = env.municipio
        where = f"{env.user}@{env.host}:{env.port}/{env.database}"
        print(f"{m.codigo_ibge}  {m.nome} ({m.uf})  {where}")
    return 0


def _check(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    report = pec_check.check(root, args.ibge, strict=True)
    for line in report.lines():
        print(line)
    if not report.ok:
        raise TransmissorError(pec_check.failure_message(report, "is not ready"))
    print(f"{environments.label(report.env)}: ready (compatible, read-only)")
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
