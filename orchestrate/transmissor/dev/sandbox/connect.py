"""Connections for the sandbox: URL checks and clear errors before anything is created."""

from __future__ import annotations

import psycopg
from psycopg import conninfo, sql

from transmissor.errors import TransmissorError

PROTECTED = {"postgres", "template0", "template1"}


def parse(url: str) -> tuple[str, str, str]:
    """(database name, host:port, maintenance URL) of a PostgreSQL URL."""
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as error:
        raise TransmissorError(f"invalid PostgreSQL URL {url!r}: {error}") from None
    name = params.get("dbname")
    if not name:
        raise TransmissorError(
            f"the URL must name a database, e.g. postgresql://user:<password>@host:5432/"
            f"sandbox_recife (got {redact(url)})"
        )
    where = f"{params.get('host', 'localhost')}:{params.get('port', 5432)}"
    return name, where, conninfo.make_conninfo(url, dbname="postgres")


def redact(url: str) -> str:
    try:
        params = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable URL>"
    params.pop("password", None)
    return conninfo.make_conninfo(**params)


def connect(url: str, where: str, **kwargs) -> psycopg.Connection:
    try:
        return psycopg.connect(url, connect_timeout=10, **kwargs)
    except psycopg.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else "no answer"
        raise TransmissorError(
            f"cannot connect to PostgreSQL at {where} ({first}); check that the server is "
            "running, the host/port are right and the user/password in the URL are valid"
        ) from None


def database_exists(admin: psycopg.Connection, name: str) -> bool:
    row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


def drop_database(admin: psycopg.Connection, name: str) -> None:
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()",
        (name,),
    )
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def create_database(admin: psycopg.Connection, name: str) -> None:
    admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
            sql.Identifier(name)
        )
    )


def is_sandbox(conn: psycopg.Connection) -> bool:
    row = conn.execute("SELECT to_regclass('sandbox.state') IS NOT NULL").fetchone()
    return bool(row and row[0])


def has_public_tables(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public')"
    ).fetchone()
    return bool(row and row[0])
