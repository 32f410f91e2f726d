"""`transmissor municipio`: register the municipalities of the fleet (Meltano environments)."""

from __future__ import annotations

import argparse

from transmissor.municipios import environments
from transmissor.settings import project_root


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
    add.set_defaults(func=_add)

    listing = actions.add_parser("list", help="list the registered municipalities")
    listing.set_defaults(func=_list)

    from transmissor.cli import municipio_check as check_cli

    check_cli.register_actions(actions)


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
