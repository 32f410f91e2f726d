"""Per-município access to the banco analítico: each município reads only its own mart rows.

Roles (cluster-wide, NOLOGIN, created by `transmissor access apply`):

- `municipios`: the group every per-município role belongs to. It holds the only privileges:
  USAGE on schema `marts` and SELECT on each mart table protected below. Nothing on raw_pec,
  staging, intermediate or meltano, and no write anywhere.
- `municipio_<IBGE>`: one per município, member of `municipios`. People log in with their own
  roles made members of it (`CREATE ROLE ana LOGIN IN ROLE municipio_2611606`), so access is
  granted and revoked per person and a regional analyst may belong to several.

Rows: every table of `marts` with a `co_municipio_ibge` column gets row-level security and one
policy, the same on every table:

    co_municipio_ibge is one of the IBGE codes of the municipio_<IBGE> roles the current user
    belongs to

so a new município needs a role, not new policies. The table owner (the warehouse role that
loads and runs dbt) is exempt from row-level security as owner and stays the only writer.

Fail closed: nothing grants SELECT by default. dbt's `table` materialisation drops and
recreates a table on every build, which loses its policy *and* its grant, so until `apply`
runs again the new table is unreadable to the município roles (permission denied), never
readable without its policy. Tables without `co_municipio_ibge`, views and materialised views
are not shared (views would run with their owner's rights and bypass the policies).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN
from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import CODE_PATTERN, lookup
from transmissor.settings import Warehouse
from transmissor.warehouse.database import MELTANO_SCHEMA, RAW_SCHEMA, connect

MARTS_SCHEMA = "marts"
GROUP_ROLE = "municipios"
ROLE_PREFIX = "municipio_"
POLICY = "municipio_rows"
# Schemas only the warehouse role writes (dbt's staging/intermediate views included).
PROTECTED_SCHEMAS = (RAW_SCHEMA, "staging", "intermediate", MARTS_SCHEMA, MELTANO_SCHEMA)
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_LOCK_KEY = 7_262_633  # pg_advisory_xact_lock: one `apply` at a time per database
# The only other writers: edge boxes' loaders (transmissor.edge.loader_role), members of this
# group, each confined to its município's rows by this policy.
LOADERS_GROUP = "transmissor_loaders"
LOADERS_POLICY = "loader_rows"

# The IBGE codes of the per-município roles the current user belongs to. Uncorrelated, so it
# is evaluated once per query, not per row.
POLICY_CODES = sql.SQL(
    "select substr(r.rolname, {start}) from pg_catalog.pg_roles r "
    "where r.rolname ~ {pattern} and pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')"
).format(
    start=sql.Literal(len(ROLE_PREFIX) + 1),
    pattern=sql.Literal(f"^{ROLE_PREFIX}{CODE_PATTERN}$"),
)


def role_name(ibge: str) -> str:
    return f"{ROLE_PREFIX}{lookup(ibge).codigo_ibge}"


@dataclass
class Applied:
    roles_created: list[str] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)
    not_shared: list[tuple[str, str]] = field(default_factory=list)  # (relation, why)


def _ensure_role(conn: psycopg.Connection, role: str) -> bool:
    """Create a NOLOGIN role unless it exists; refuse one that could bypass the policies."""
    row = conn.execute(
        "select rolsuper or rolbypassrls from pg_catalog.pg_roles where rolname = %s", (role,)
    ).fetchone()
    if row is not None:
        if row[0]:
            msg = (
                f"role {role} exists with SUPERUSER or BYPASSRLS, which ignore row-level "
                f"security; a DBA must run `ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS` first"
            )
            raise TransmissorError(msg)
        return False
    try:
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(role)))
    except psycopg.errors.InsufficientPrivilege as error:
        msg = (
            f"the warehouse role may not create role {role}: grant it CREATEROLE, or have a "
            f"DBA run `CREATE ROLE {role} NOLOGIN` and apply again"
        )
        raise TransmissorError(msg) from error
    return True


def _policy_statements(table: sql.Composable) -> list[sql.Composable]:
    return [
        sql.SQL("alter table {} enable row level security").format(table),
        sql.SQL("drop policy if exists {} on {}").format(sql.Identifier(POLICY), table),
        sql.SQL("create policy {} on {} as permissive for select to {} using ({} in ({}))").format(
            sql.Identifier(POLICY),
            table,
            sql.Identifier(GROUP_ROLE),
            sql.SQL("{}::text").format(sql.Identifier(MUNICIPIO_COLUMN)),
            POLICY_CODES,
        ),
        sql.SQL("grant select on {} to {}").format(table, sql.Identifier(GROUP_ROLE)),
    ]


def policy_sql(schema: str, table: str) -> str:
    """The statements that protect one table, as text (e.g. for a dbt post-hook)."""
    target = sql.Identifier(schema, table)
    return ";\n".join(s.as_string() for s in _policy_statements(target)) + ";"


def _relations(conn: psycopg.Connection, schema: str) -> list[tuple[str, str, bool]]:
    """(name, relkind, has co_municipio_ibge) of every relation in the schema."""
    return conn.execute(
        "select c.relname, c.relkind::text, exists (select 1 from pg_catalog.pg_attribute a "
        "  where a.attrelid = c.oid and a.attname = %s and a.attnum > 0 and not a.attisdropped) "
        "from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') order by 1",
        (MUNICIPIO_COLUMN, schema),
    ).fetchall()


def apply(conn: psycopg.Connection, municipios: Iterable[str]) -> Applied:
    """Create the roles and protect every table of `marts`, in one transaction. Re-runnable."""
    result = Applied()
    codes = sorted({lookup(code).codigo_ibge for code in municipios})
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        if _ensure_role(conn, GROUP_ROLE):
            result.roles_created.append(GROUP_ROLE)
        for code in codes:
            role = role_name(code)
            if _ensure_role(conn, role):
                result.roles_created.append(role)
            conn.execute(
                sql.SQL("grant {} to {}").format(sql.Identifier(GROUP_ROLE), sql.Identifier(role))
            )
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(MARTS_SCHEMA)))
        conn.execute(
            sql.SQL("grant usage on schema {} to {}").format(
                sql.Identifier(MARTS_SCHEMA), sql.Identifier(GROUP_ROLE)
            )
        )
        for name, kind, has_column in _relations(conn, MARTS_SCHEMA):
            target = sql.Identifier(MARTS_SCHEMA, name)
            qualified = f"{MARTS_SCHEMA}.{name}"
            if kind in ("r", "p") and has_column:
                for statement in _policy_statements(target):
                    conn.execute(statement)
                result.protected.append(qualified)
                continue
            conn.execute(
                sql.SQL("revoke all on {} from {}").format(target, sql.Identifier(GROUP_ROLE))
            )
            why = (
                f"no {MUNICIPIO_COLUMN} column"
                if kind in ("r", "p")
                else "a view runs with its owner's rights and would bypass row-level security"
            )
            result.not_shared.append((qualified, why))
    return result


def apply_and_report(codes: list[str]) -> None:
    """`apply` on the banco analítico for `codes`, and what it did, printed."""
    with connect(Warehouse.from_env()) as conn:
        result = apply(conn, codes)
    for role in result.roles_created:
        print(f"created role {role}")
    print(
        f"{len(codes)} município role(s); {len(result.protected)} marts table(s) readable by "
        f"{GROUP_ROLE} under row-level security ({POLICY})"
    )
    for relation, why in result.not_shared:
        print(f"  not shared: {relation} ({why})")


# -- verification ------------------------------------------------------------------------------


@dataclass
class Status:
    protected: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    unprotected: list[str] = field(default_factory=list)  # tables the group cannot read yet
    writers: list[tuple[str, str, str]] = field(default_factory=list)  # (role, relation, priv)
    roles: list[str] = field(default_factory=list)


def status(conn: psycopg.Connection) -> Status:
    """What the município roles can read, and who besides the owner may write."""
    result = Status()
    group = conn.execute(
        "select oid from pg_catalog.pg_roles where rolname = %s", (GROUP_ROLE,)
    ).fetchone()
    result.roles = [
        row[0]
        for row in conn.execute(
            "select rolname from pg_catalog.pg_roles where rolname ~ %s order by 1",
            (f"^{ROLE_PREFIX}{CODE_PATTERN}$",),
        )
    ]
    for name, kind, has_column in _relations(conn, MARTS_SCHEMA):
        qualified = f"{MARTS_SCHEMA}.{name}"
        readable = (
            group is not None
            and conn.execute(
                "select has_table_privilege(%s, %s, 'SELECT')", (GROUP_ROLE, qualified)
            ).fetchone()[0]
        )
        rls, policy = conn.execute(
            "select c.relrowsecurity, exists (select 1 from pg_catalog.pg_policy p "
            "  where p.polrelid = c.oid and p.polname = %s) "
            "from pg_catalog.pg_class c where c.oid = %s::regclass",
            (POLICY, qualified),
        ).fetchone()
        if readable and not (kind in ("r", "p") and has_column and rls and policy):
            result.leaks.append(qualified)
        elif readable:
            result.protected.append(qualified)
        elif kind in ("r", "p") and has_column:
            result.unprotected.append(qualified)
    owner_oid = conn.execute(
        "select oid from pg_catalog.pg_roles where rolname = current_user"
    ).fetchone()[0]
    result.writers = conn.execute(
        "select r.rolname, n.nspname || '.' || c.relname, p.priv "
        "from pg_catalog.pg_roles r cross join pg_catalog.pg_class c "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "cross join unnest(%s::text[]) as p(priv) "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'f') "
        "and not r.rolsuper and r.oid <> %s and r.rolname !~ '^pg_' "
        "and has_table_privilege(r.oid, c.oid, p.priv) "
        # Edge boxes' loaders (transmissor.edge.loader_role) write where their row-level
        # security policy confines them to their own município's rows: expected, not an extra
        # writer.
        "and not (c.relrowsecurity and exists (select 1 from pg_catalog.pg_policy pol "
        "  where pol.polrelid = c.oid and pol.polname = %s) "
        "  and (r.rolname = %s or exists (select 1 "
        "    from pg_catalog.pg_auth_members m join pg_catalog.pg_roles g on g.oid = m.roleid "
        "    where m.member = r.oid and g.rolname = %s))) "
        "order by 1, 2, 3",
        (
            list(WRITE_PRIVILEGES),
            list(PROTECTED_SCHEMAS),
            owner_oid,
            LOADERS_POLICY,
            LOADERS_GROUP,
            LOADERS_GROUP,
        ),
    ).fetchall()
    return result
