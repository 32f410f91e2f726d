"""Reaching a município's banco do município (its PEC): directly, or through its SSH tunnel."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from transmissor.errors import TransmissorError
from transmissor.municipios.environments import MunicipioEnvironment, label, password_variable
from transmissor.municipios.tunnel import Tunnel


def password_of(env: MunicipioEnvironment, environ: Mapping[str, str] = os.environ) -> str:
    """The password in PEC_PASSWORD_<IBGE>; refused, naming the variable, when unset."""
    variable = password_variable(env.ibge)
    password = environ.get(variable)
    if not password:
        msg = (
            f"{label(env)}: the password of {env.user} is not set; put it in {variable} "
            "(environment or .env)"
        )
        raise TransmissorError(msg)
    return password


def source_conninfo(env: MunicipioEnvironment) -> str:
    """libpq connection string for the banco do município, password from the environment.

    The PEC's own address: a município reached through SSH is connected to through its tunnel
    by `open_source` (and by tap-postgres's own tunnel on the Singer path).
    """
    password = password_of(env)
    return make_conninfo(
        host=env.host,
        port=env.port,
        dbname=env.database,
        user=env.user,
        password=password,
        sslmode=env.sslmode,
        connect_timeout=10,
        application_name="transmissor",
    )


class TunnelledConnection(psycopg.Connection):
    """A PEC connection through an SSH tunnel, which closes with it."""

    tunnel: Tunnel | None = None

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self.tunnel is not None:
                self.tunnel.close()


def open_source(env: MunicipioEnvironment, **options: Any) -> psycopg.Connection:
    """A connection to the PEC, through the município's SSH tunnel when it has one.

    The database's refusals are psycopg.OperationalError, for the caller to explain; the
    tunnel's (key, bastion, forwarding) are a TransmissorError naming the município.
    """
    conninfo = source_conninfo(env)  # a missing password first, before any connection
    if env.ssh is None:
        return psycopg.connect(conninfo, **options)
    tunnel = Tunnel(env).open()
    # libpq connects to the tunnel (hostaddr) but keeps the PEC's host name for TLS (a
    # verify-full certificate names the PEC, not this machine).
    through = make_conninfo(conninfo, hostaddr="127.0.0.1", port=tunnel.port)
    try:
        conn = TunnelledConnection.connect(through, **options)
    except psycopg.OperationalError as error:
        tunnel.close()
        if tunnel.failure:
            raise TransmissorError(tunnel.failure) from error
        raise
    tunnel.seal()
    conn.tunnel = tunnel
    return conn


def connect_source(env: MunicipioEnvironment) -> psycopg.Connection:
    """A connection to the banco do município, or a TransmissorError naming it."""
    try:
        return open_source(env)
    except psycopg.OperationalError as error:
        how = f" through the SSH bastion {env.ssh.host}:{env.ssh.port}" if env.ssh else ""
        msg = (
            f"{label(env)}: cannot reach the banco do município at "
            f"{env.host}:{env.port}/{env.database}{how}: {str(error).strip().splitlines()[-1]}"
        )
        raise TransmissorError(msg) from error
