"""Reaching a município's banco do município (its PEC) directly, as the COPY steps do."""

from __future__ import annotations

import os

import psycopg
from psycopg.conninfo import make_conninfo

from transmissor.errors import TransmissorError
from transmissor.municipios.environments import MunicipioEnvironment, label, password_variable


def source_conninfo(env: MunicipioEnvironment) -> str:
    """libpq connection string for the banco do município, password from the environment.

    Direct connections only: a município reached through an SSH tunnel is read by Meltano,
    which opens the tunnel itself.
    """
    variable = password_variable(env.ibge)
    password = os.environ.get(variable)
    if not password:
        msg = (
            f"{label(env)}: the password of {env.user} is not set; put it in {variable} "
            "(environment or .env)"
        )
        raise TransmissorError(msg)
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


def connect_source(env: MunicipioEnvironment) -> psycopg.Connection:
    """A connection to the banco do município, or a TransmissorError naming it."""
    try:
        return psycopg.connect(source_conninfo(env))
    except psycopg.OperationalError as error:
        msg = (
            f"{label(env)}: cannot reach the banco do município at "
            f"{env.host}:{env.port}/{env.database}: {str(error).strip().splitlines()[-1]}"
        )
        raise TransmissorError(msg) from error
