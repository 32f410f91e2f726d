"""The banco analítico: its connections, its schemas, and a database ready for the project."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

from transmissor.errors import TransmissorError
from transmissor.settings import Warehouse

RAW_SCHEMA = "raw_pec"
# Meltano's system database (state, run history) lives in this schema of the warehouse, so an
# edge box or a second runner resumes from the same state.
MELTANO_SCHEMA = "meltano"


# Nearly every read of the project's sessions is one município's rows, found through the keys
# that start with co_municipio_ibge, and those rows sit together on disk (each município's
# loads write them). With PostgreSQL's default random_page_cost (4, a spinning disk's) the
# planner assumes the opposite: with 20 municipalities of equal size it scanned whole raw tables
# (3 s) instead of the município's pages (0.2 s), and dbt's build took 27 s instead of 18 s.
# work_mem 32MB (the default is 4MB): a 10,000-citizen município's models sorted and hashed
# on disk (e.g. int_procedimentos_registrados, 20 MB), and its dbt build took 17.4-19.6 s
# instead of 15.3-16.0 s (64MB gave no more). It bounds each sort or hash of a query, so a
# build on two threads stays within a few hundred MB even for a large city, which spills.
# Set per session (ours and dbt's, via PGOPTIONS), never for the database. A connection pooler
# that refuses startup options (PgBouncer without `ignore_startup_parameters = options`) needs
# TRANSMISSOR_PLANNER_OPTIONS set empty.
PLANNER_VARIABLE = "TRANSMISSOR_PLANNER_OPTIONS"
DEFAULT_PLANNER_OPTIONS = "-c random_page_cost=1.5 -c work_mem=32MB"


def planner_options() -> str:
    return os.environ.get(PLANNER_VARIABLE, DEFAULT_PLANNER_OPTIONS).strip()


def connect(warehouse: Warehouse, database: str | None = None) -> psycopg.Connection:
    try:
        extra = {"sslrootcert": warehouse.sslrootcert} if warehouse.sslrootcert else {}
        if options := planner_options():
            extra["options"] = options
        return psycopg.connect(
            warehouse.url(database),
            autocommit=True,
            connect_timeout=10,
            sslmode=warehouse.sslmode,
            **extra,
        )
    except psycopg.OperationalError as error:
        raise TransmissorError(connection_error(warehouse, error)) from error


def connection_error(warehouse: Warehouse, error: psycopg.OperationalError) -> str:
    """What went wrong connecting to the banco analítico, and which setting fixes it.

    A certificate that fails verification is no network trouble: saying "cannot reach" would
    send the operator to the firewall instead of the CA file or the host name."""
    text = str(error).strip()
    last = text.splitlines()[-1] if text else type(error).__name__
    # libpq: 'connection to server at "h", port p failed: <reason>'
    reason = last.rsplit(" failed: ", 1)[-1]
    where = f"banco analítico at {warehouse.host}:{warehouse.port}"
    ca = warehouse.sslrootcert or "not set"
    lower = text.lower()
    if "certificate verify failed" in lower:
        return (
            f"{where}: TLS verification failed ({reason}): its certificate is not signed by the "
            f"CA in WAREHOUSE_SSLROOTCERT ({ca}); check WAREHOUSE_SSLROOTCERT: it must be the "
            "CA certificate that signed the banco analítico's (`transmissor edge install "
            "--warehouse-ca`)"
        )
    if "does not match host name" in lower:
        return (
            f"{where}: TLS verification failed ({reason}): its certificate is for another host; "
            "check WAREHOUSE_HOST: it must be a name the certificate carries "
            f"(`transmissor edge install --warehouse-host`), and WAREHOUSE_SSLROOTCERT ({ca})"
        )
    if "root certificate file" in lower:
        return (
            f"{where}: TLS verification impossible ({text.splitlines()[0]}); check "
            "WAREHOUSE_SSLROOTCERT: the CA certificate file of the banco analítico"
        )
    return (
        f"cannot reach the banco analítico at {warehouse.host}:{warehouse.port} as "
        f"{warehouse.user}: {last}. Check WAREHOUSE_HOST, WAREHOUSE_PORT, WAREHOUSE_USER and "
        "WAREHOUSE_PASSWORD (or run `transmissor db start`)"
    )


def ensure_database(warehouse: Warehouse) -> None:
    """Create the database (when we may) and the schemas the project writes to."""
    with connect(warehouse, "postgres") as conn:
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (warehouse.database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(warehouse.database)))
    with connect(warehouse) as conn:
        for schema in (MELTANO_SCHEMA, RAW_SCHEMA):
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
