"""The loader role of an edge box: it writes only its own município's rows.

An edge box (see transmissor.edge.box) loads into the banco analítico with a login role of its
own, `loader_<IBGE>`, created centrally by `transmissor edge grant`. Whatever runs on that box
(a misconfigured environment, a compromised machine) can then insert, update or delete only
rows of its município:

- `raw_pec.*`: every raw table has row-level security and one policy for the group
  `transmissor_loaders`, for all commands, USING and WITH CHECK
  `co_municipio_ibge = <the IBGE code in the role's name>`. Another município's rows are
  invisible to it (UPDATE and DELETE touch none) and a row of another município is refused
  (INSERT, or an UPDATE moving a row to another code).
- `meltano.state` and `meltano.runs` (Meltano's system database, kept centrally so the central
  team sees every box's state and an edge box reinstalled resumes where it stopped): the same,
  on the state ID / job name `<IBGE>:...`.
- `transmissor.transmissoes` (written by the trigger on meltano.runs, which runs as the
  loader) and `transmissor.edge_boxes`: the same, on `municipio`.

The tables stay owned by the central warehouse role, which is exempt from its own policies (no
FORCE ROW LEVEL SECURITY) and remains the only role that creates or alters them. So the raw
tables must exist before an edge box's first load: `grant` creates every missing one from the
contract, with the column types of the standard PEC schema, as target-postgres would. The
loader has no CREATE anywhere: target-postgres then only reflects the tables, loads into a
temporary table (TEMP on the database, as every role has by default) and upserts from it.

Fail closed: privileges are granted table by table, never by default privileges, so a raw
table created later (a contract change) is unwritable to every loader until `grant` runs
again, never writable without its policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from transmissor.contract import pec_schema
from transmissor.contract.model import MUNICIPIO_COLUMN, Contract
from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import CODE_PATTERN, lookup
from transmissor.warehouse import raw_columns, transmissions
from transmissor.warehouse.access import LOADERS_GROUP, LOADERS_POLICY
from transmissor.warehouse.database import MELTANO_SCHEMA, RAW_SCHEMA
from transmissor.warehouse.raw_tables import (
    DDL_LOCK,
    ensure_raw_indexes,
    ensure_raw_tables,
)

GROUP_ROLE = LOADERS_GROUP
ROLE_PREFIX = "loader_"
POLICY = LOADERS_POLICY
EDGE_SCHEMA = transmissions.SCHEMA
EDGE_TABLE = f"{EDGE_SCHEMA}.edge_boxes"
CENTRAL_VERSION_TABLE = f"{EDGE_SCHEMA}.central_version"
CONNECTION_LIMIT = 60  # target-postgres holds a connection per stream (27) plus Meltano

# The IBGE code of the loader role running the statement. Policies apply to the group only,
# whose members are loader_<IBGE> login roles.
CODE = sql.SQL("pg_catalog.substr(current_user::text, {})").format(
    sql.Literal(len(ROLE_PREFIX) + 1)
)

EDGE_DDL = f"""
create schema if not exists {EDGE_SCHEMA};
create table if not exists {EDGE_TABLE} (
    municipio text primary key check (municipio ~ '^{CODE_PATTERN}$'),
    hostname text not null,
    version text not null,
    installed_at timestamptz not null default now(),
    last_seen timestamptz not null default now(),
    last_run_at timestamptz,
    last_run_status text,
    timer text
);
comment on table {EDGE_TABLE} is
    'One row per edge box (transmissor edge install): the version it runs and when it was last '
    'seen. Each box writes only its own row (row-level security for transmissor_loaders).';
create table if not exists {CENTRAL_VERSION_TABLE} (
    id integer primary key default 1 check (id = 1),
    version text not null,
    updated_at timestamptz not null default now()
);
comment on table {CENTRAL_VERSION_TABLE} is
    'The transmissor version the central team runs; edge boxes running another are outdated.';
"""


def role_name(ibge: str) -> str:
    return f"{ROLE_PREFIX}{lookup(ibge).codigo_ibge}"


@dataclass
class Granted:
    role: str
    created: bool
    tables_created: list[str] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)


def ensure_edge_tables(conn: psycopg.Connection, version: str | None = None) -> None:
    """The edge boxes' record and, when given, the central version (run by the central role)."""
    conn.execute(EDGE_DDL)
    if version:
        conn.execute(
            f"insert into {CENTRAL_VERSION_TABLE} (id, version) values (1, %s) "
            "on conflict (id) do update set version = excluded.version, updated_at = now()",
            (version,),
        )


def _ensure_login_role(conn: psycopg.Connection, role: str, password: str | None) -> bool:
    row = conn.execute(
        "select rolsuper or rolbypassrls or rolcreaterole or rolcreatedb "
        "from pg_catalog.pg_roles where rolname = %s",
        (role,),
    ).fetchone()
    created = row is None
    if row is not None and row[0]:
        msg = (
            f"role {role} exists with SUPERUSER, BYPASSRLS, CREATEROLE or CREATEDB; a loader "
            f"must have none: `ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS NOCREATEROLE "
            "NOCREATEDB` first"
        )
        raise TransmissorError(msg)
    ident = sql.Identifier(role)
    try:
        if created:
            conn.execute(
                sql.SQL("create role {} login inherit connection limit {}").format(
                    ident, sql.Literal(CONNECTION_LIMIT)
                )
            )
        else:
            conn.execute(sql.SQL("alter role {} inherit login").format(ident))
    except psycopg.errors.InsufficientPrivilege as error:
        msg = f"the warehouse role may not create or alter role {role}: grant it CREATEROLE"
        raise TransmissorError(msg) from error
    if password is not None:
        # Hashed here (SCRAM), so the password never reaches the server's statement log.
        verifier = conn.pgconn.encrypt_password(
            password.encode(), role.encode(), b"scram-sha-256"
        ).decode()
        conn.execute(sql.SQL("alter role {} password {}").format(ident, sql.Literal(verifier)))
    return created


def _ensure_group(conn: psycopg.Connection) -> None:
    exists = conn.execute(
        "select 1 from pg_catalog.pg_roles where rolname = %s", (GROUP_ROLE,)
    ).fetchone()
    if not exists:
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(GROUP_ROLE)))


def _protect(
    conn: psycopg.Connection,
    table: sql.Composable,
    predicate: sql.Composable,
    privileges: str,
) -> None:
    group = sql.Identifier(GROUP_ROLE)
    for statement in (
        sql.SQL("alter table {} enable row level security").format(table),
        sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(POLICY), table),
        sql.SQL(
            "create policy {} on {} as permissive for all to {} using ({}) with check ({})"
        ).format(sql.Identifier(POLICY), table, group, predicate, predicate),
        sql.SQL("revoke all on {} from {}").format(table, group),
        sql.SQL("grant {} on {} to {}").format(sql.SQL(privileges), table, group),
    ):
        conn.execute(statement)


def _sequences_of(conn: psycopg.Connection, qualified: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "select pg_get_serial_sequence(%s, a.attname) from pg_catalog.pg_attribute a "
            "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped "
            "and pg_get_serial_sequence(%s, a.attname) is not null",
            (qualified, qualified, qualified),
        )
    ]


def apply_policies(conn: psycopg.Connection, contract: Contract) -> list[str]:
    """Grants and policies of the loader group on every table an edge box writes."""
    group = sql.Identifier(GROUP_ROLE)
    protected = []
    for schema in (RAW_SCHEMA, MELTANO_SCHEMA, EDGE_SCHEMA):
        conn.execute(
            sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(schema), group)
        )
    own_rows = sql.SQL("{}::text = {}").format(sql.Identifier(MUNICIPIO_COLUMN), CODE)
    for table in contract.tables:
        target = sql.Identifier(RAW_SCHEMA, table.name)
        _protect(conn, target, own_rows, "select, insert, update, delete")
        protected.append(f"{RAW_SCHEMA}.{table.name}")
    # Meltano: state and run history keyed '<IBGE>:tap-pec-to-target-postgres'.
    for name, column in (("state", "state_id"), ("runs", "job_name")):
        target = sql.Identifier(MELTANO_SCHEMA, name)
        predicate = sql.SQL("{} like {} || ':%'").format(sql.Identifier(column), CODE)
        _protect(conn, target, predicate, "select, insert, update, delete")
        protected.append(f"{MELTANO_SCHEMA}.{name}")
    conn.execute(
        sql.SQL("grant select on {} to {}").format(
            sql.Identifier(MELTANO_SCHEMA, "alembic_version"), group
        )
    )
    # Meltano reads settings stored in the system database on every command; they may hold
    # the central team's secrets, so the loaders read the table but none of its rows.
    _protect(conn, sql.Identifier(MELTANO_SCHEMA, "plugin_settings"), sql.SQL("false"), "select")
    by_municipio = sql.SQL("municipio = {}").format(CODE)
    for qualified, privileges in (
        (transmissions.TABLE, "select, insert, update"),
        (EDGE_TABLE, "select, insert, update"),
        (raw_columns.TABLE, "select, insert, update"),
    ):
        target = sql.Identifier(*qualified.split("."))
        _protect(conn, target, by_municipio, privileges)
        protected.append(qualified)
    conn.execute(
        sql.SQL("grant select on {} to {}").format(
            sql.Identifier(*CENTRAL_VERSION_TABLE.split(".")), group
        )
    )
    for qualified in (f"{MELTANO_SCHEMA}.runs", transmissions.TABLE):
        for sequence in _sequences_of(conn, qualified):
            conn.execute(
                sql.SQL("grant usage on sequence {} to {}").format(sql.SQL(sequence), group)
            )
    return protected


def meltano_tables_exist(conn: psycopg.Connection) -> bool:
    return bool(
        conn.execute(
            "select to_regclass('meltano.state') is not null "
            "and to_regclass('meltano.runs') is not null "
            "and to_regclass('meltano.alembic_version') is not null"
        ).fetchone()[0]
    )


def grant(
    conn: psycopg.Connection,
    contract: Contract,
    ibge: str,
    password: str | None,
    central_version: str | None = None,
) -> Granted:
    """Create (or bring in line) `loader_<IBGE>` and the policies it writes under. Re-runnable.

    Run as the central warehouse role (owner of the tables, with CREATEROLE), after Meltano's
    system database exists in schema `meltano`.
    """
    role = role_name(ibge)
    if not meltano_tables_exist(conn):
        msg = (
            "Meltano's system database is not in schema meltano of the banco analítico yet: "
            "run any meltano command centrally first (e.g. `meltano state list`)"
        )
        raise TransmissorError(msg)
    transmissions.ensure_schema(conn)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (DDL_LOCK,))
        tables_created = ensure_raw_tables(conn, contract.tables, pec_schema.shapes)
        raw_columns.add_missing_columns(conn, contract.tables, pec_schema.shapes)
        raw_columns.ensure_table(conn)
        ensure_edge_tables(conn, central_version)
        _ensure_group(conn)
        created = _ensure_login_role(conn, role, password)
        conn.execute(
            sql.SQL("grant {} to {}").format(sql.Identifier(GROUP_ROLE), sql.Identifier(role))
        )
        protected = apply_policies(conn, contract)
    ensure_raw_indexes(conn, [t.name for t in contract.tables])
    return Granted(role, created, tables_created, protected)


def revoke(conn: psycopg.Connection, ibge: str) -> bool:
    """Take the login away from `loader_<IBGE>` and end its sessions. Returns whether it
    existed. The role stays (Meltano's history names it); `grant` gives it a new password."""
    role = role_name(ibge)
    exists = conn.execute(
        "select 1 from pg_catalog.pg_roles where rolname = %s", (role,)
    ).fetchone()
    if not exists:
        return False
    conn.execute(sql.SQL("alter role {} nologin password null").format(sql.Identifier(role)))
    conn.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity where usename = %s", (role,)
    )
    return True
