"""The read-only role a municipal DBA creates on the banco do município (PEC).

`render(contract)` writes a SQL script, generated from extract/contract.yml, that creates (or
brings back in line) a login role with SELECT on exactly the contract's columns of exactly the
contract's tables, and nothing else. `extract/sql/pec_readonly_role.sql` is that script for the
default role name; a test fails when it drifts from the contract.

The script must run unchanged on every PEC in the field, from PostgreSQL 9.6 up. What it
avoids for that reason:

- `CREATE ROLE IF NOT EXISTS` (exists in no version): a DO block looks the role up in pg_roles;
- `GRANT ... ON ALL TABLES` (too wide anyway) and predefined roles such as `pg_read_all_data`
  (14+): every grant is a column-level `GRANT SELECT (cols) ON table`, available since 8.4;
- `to_regclass(text)` and `format('%I')` with newer specifiers: lookups go through
  pg_catalog joins and `quote_ident`; no procedures (11+), no `\\if` or other psql-only syntax,
  so pgAdmin or any client can run it;
- no password in the script: the DBA sets it with psql's `\\password`, which sends a hash, so
  the password never reaches the server log or a shell history.

Columns an older PEC lacks are skipped with a WARNING rather than aborting the script, so the
role still works for what exists; `transmissor municipio check` then reports exactly what is
missing for that município's PEC version.
"""

from __future__ import annotations

import re
from pathlib import Path

from transmissor.contract.model import Contract
from transmissor.errors import TransmissorError

SCRIPT_PATH = Path("extract/sql/pec_readonly_role.sql")
DEFAULT_ROLE = "transmissor_leitura"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_role_name(role: str) -> str:
    if not _ROLE_NAME.match(role):
        msg = (
            f"{role!r} is not a usable role name: use lower-case letters, digits and _ "
            f"(e.g. {DEFAULT_ROLE})"
        )
        raise TransmissorError(msg)
    return role


def render(contract: Contract, role: str = DEFAULT_ROLE) -> str:
    """The SQL script for `role`, following the contract table by table."""
    check_role_name(role)
    schema = contract.schema
    rows = ",\n".join(
        f"        ({_literal(t.name)}, {_literal(','.join(t.columns))})" for t in contract.tables
    )
    return f"""\
-- GENERATED from extract/contract.yml by `transmissor municipio role-sql`: do not edit.
--
-- Read-only role for transmissor on a banco do município (e-SUS APS PEC), PostgreSQL 9.6+.
-- Run it as the PEC's database owner or a superuser, connected to the PEC database:
--
--     psql -v ON_ERROR_STOP=1 -h <host> -U postgres -d esus -f pec_readonly_role.sql
--     psql -h <host> -U postgres -d esus -c '\\password {role}'
--
-- The role gets: LOGIN; CONNECT on this database; USAGE on schema {schema}; SELECT on
-- exactly the {len(contract.tables)} tables and columns transmissor replicates
-- (extract/contract.yml). Nothing else: no other table, no write, no DDL, no superuser
-- or replication attributes, and every session starts read-only.
-- Re-running the script is safe: it revokes whatever else the role was granted on the
-- schema's tables and grants the contract again (e.g. after an update of transmissor
-- adds a column). Columns an older PEC lacks are skipped with a WARNING;
-- `transmissor municipio check <IBGE>` reports them.
--
-- Then give the password to the transmissor operator, who stores it in PEC_PASSWORD_<IBGE>,
-- and allow the role in pg_hba.conf with TLS only, e.g.
--     hostssl  esus  {role}  <transmissor address>/32  scram-sha-256
-- (md5 instead of scram-sha-256 before PostgreSQL 10)

BEGIN;

DO $role$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {_literal(role)}) THEN
        CREATE ROLE {role} LOGIN;
    END IF;
END
$role$;

-- Whatever the role was before, it is now a plain login role (re-runs repair drift).
ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
-- Every session starts read-only: a second lock behind the missing privileges.
ALTER ROLE {role} SET default_transaction_read_only = on;

DO $grants$
DECLARE
    wanted RECORD;
    col TEXT;
    present TEXT[];
    missing TEXT[];
BEGIN
    EXECUTE 'GRANT CONNECT ON DATABASE ' || quote_ident(current_database()) || ' TO {role}';
    EXECUTE 'GRANT USAGE ON SCHEMA {schema} TO {role}';
    -- Start from nothing on every table of the schema (column grants go with the table's).
    EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}';
    EXECUTE 'REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}';
    FOR wanted IN
        SELECT t.table_name, t.column_list FROM (VALUES
{rows}
        ) AS t (table_name, column_list)
    LOOP
        present := ARRAY[]::TEXT[];
        missing := ARRAY[]::TEXT[];
        FOREACH col IN ARRAY string_to_array(wanted.column_list, ',') LOOP
            IF EXISTS (
                SELECT 1
                FROM pg_catalog.pg_attribute a
                JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
                JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = {_literal(schema)} AND c.relname = wanted.table_name
                  AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
            ) THEN
                present := present || quote_ident(col);
            ELSE
                missing := missing || col;
            END IF;
        END LOOP;
        IF array_length(present, 1) IS NULL THEN
            RAISE WARNING 'transmissor: table {schema}.% is missing: not granted',
                wanted.table_name;
        ELSE
            EXECUTE 'GRANT SELECT (' || array_to_string(present, ', ') || ') ON TABLE {schema}.'
                || quote_ident(wanted.table_name) || ' TO {role}';
            IF array_length(missing, 1) IS NOT NULL THEN
                RAISE WARNING 'transmissor: {schema}.% lacks column(s) %: not granted',
                    wanted.table_name, array_to_string(missing, ', ');
            END IF;
        END IF;
    END LOOP;
END
$grants$;

COMMIT;

-- Optional, recommended on PostgreSQL 14 and older, where every role may create tables in
-- schema public (PostgreSQL 15 no longer allows it). It changes the database for all roles,
-- so check with the PEC's maintainers first; `transmissor municipio check` warns until then:
--     REVOKE CREATE ON SCHEMA public FROM PUBLIC;
"""


def rendered(root: Path, role: str = DEFAULT_ROLE) -> str:
    return render(Contract.load(root), role)


def write(root: Path) -> bool:
    """Write extract/sql/pec_readonly_role.sql; True when it changed."""
    path = root / SCRIPT_PATH
    text = rendered(root)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
