"""`transmissor db`: the local PostgreSQL used by the demo, development and the tests."""

from __future__ import annotations

import argparse

from transmissor.dev.localpg import LocalPostgres, LocalPostgresError, local_server
from transmissor.dev.pg_binaries import ServerBinariesError, server_binaries
from transmissor.errors import TransmissorError
from transmissor.settings import project_root


def _server() -> LocalPostgres:
    return local_server(project_root())


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("db", help="start, stop or inspect the local PostgreSQL")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("start", help="start the local server (reuses a running one)").set_defaults(
        func=_start
    )
    actions.add_parser("stop", help="stop the local server").set_defaults(func=_stop)
    actions.add_parser("status", help="say whether the local server runs").set_defaults(
        func=_status
    )
    url = actions.add_parser("url", help="print a connection URL for a database on it")
    url.add_argument("database", nargs="?", default="postgres")
    url.set_defaults(func=_url)
    binaries = actions.add_parser(
        "binaries",
        help="find (10: fetch once into .local/pg-binaries/) a PostgreSQL version's server "
        "programs for the tests; prints their folder",
    )
    binaries.add_argument("version", choices=("18", "15", "10"))
    binaries.set_defaults(func=_binaries)


def _start(_: argparse.Namespace) -> int:
    server = _server()
    was_running = server.is_running()
    try:
        server.start()
    except LocalPostgresError as error:
        raise TransmissorError(str(error)) from error
    state = "already running" if was_running else "started"
    print(f"local PostgreSQL {state} on 127.0.0.1:{server.port} (data in {server.data_dir})")
    return 0


def _stop(_: argparse.Namespace) -> int:
    server = _server()
    print("local PostgreSQL stopped" if server.stop() else "local PostgreSQL was not running")
    return 0


def _status(_: argparse.Namespace) -> int:
    server = _server()
    running = server.is_running()
    print(f"local PostgreSQL {'running' if running else 'stopped'} on 127.0.0.1:{server.port}")
    return 0 if running else 1


def _url(args: argparse.Namespace) -> int:
    server = _server()
    if not server.password_file.exists():
        raise TransmissorError("the local server was never started: run `transmissor db start`")
    print(server.url(args.database))
    return 0


def _binaries(args: argparse.Namespace) -> int:
    try:
        found = server_binaries(args.version, project_root())
    except ServerBinariesError as error:
        raise TransmissorError(str(error)) from error
    print(found.bin_dir)
    return 0
