"""`transmissor municipio check`: is this município's banco do município ready, and safe, to read?

Connects the way the extractor will (environments/<IBGE>.meltano.yml, PEC_PASSWORD_<IBGE>,
through the SSH bastion with PEC_SSH_PRIVATE_KEY_<IBGE> when it has one) and reports, for that
município:

- TLS: whether the session is encrypted; a host that is not this machine must *require* it;
- origin: `tb_dim_municipio.co_ibge` holds the município's code (a PEC of another município
  behind the configured address is a configuration error, not data to load);
- least privilege: the role is no superuser, cannot write any table or sequence of the PEC
  schema (privileges of the role and of every role it may SET ROLE to, plus real INSERT,
  UPDATE and DELETE attempts, with zero rows, in a transaction that is always rolled back),
  cannot create schemas, and reads nothing beyond the contract;
- compatibility: which contract tables and columns this PEC version has, and whether the role
  may read each of them.

The same checks, minus the write attempts and with privilege excess as a warning, are the
daily job's preflight (transmissor.load.preflight): a column an older PEC lacks would otherwise be
dropped silently by the extractor's selection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import yaml
from psycopg import errors, sql

from transmissor.contract import readonly_role
from transmissor.contract.model import Contract
from transmissor.errors import TransmissorError
from transmissor.municipios import environments
from transmissor.municipios.environments import MunicipioEnvironment, is_local_host, label
from transmissor.municipios.ibge import is_code, lookup
from transmissor.municipios.pec import open_source

OK, WARN, FAIL = "ok", "WARN", "FAIL"
TLS_REQUIRED = ("require", "verify-ca", "verify-full")
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")


@dataclass
class Finding:
    level: str
    topic: str
    message: str


@dataclass
class Report:
    env: MunicipioEnvironment
    findings: list[Finding] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # table -> columns ([] = table)
    ungranted: dict[str, list[str]] = field(default_factory=dict)

    def add(self, level: str, topic: str, message: str) -> None:
        self.findings.append(Finding(level, topic, message))

    @property
    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.level == FAIL]

    @property
    def ok(self) -> bool:
        return not self.failures

    def lines(self) -> Iterator[str]:
        env = self.env
        how = f" through the SSH bastion {env.ssh.host}:{env.ssh.port}" if env.ssh else ""
        yield f"{label(env)}: {env.user}@{env.host}:{env.port}/{env.database}{how}"
        for finding in self.findings:
            yield f"  [{finding.level:>4}] {finding.topic}: {finding.message}"


# -- locating and connecting -------------------------------------------------------------------


def registered_environment(root: Path, ibge: str) -> MunicipioEnvironment:
    """The município's environment, or an error naming the município and what to do."""
    municipio = lookup(ibge)  # names no municipality / not 7 digits: refused here
    path = environments.environment_path(root, municipio.codigo_ibge)
    if not path.exists():
        msg = (
            f"{label(municipio.codigo_ibge)} is not registered (no {path.relative_to(root)}); "
            f"register it with `transmissor municipio add --ibge {municipio.codigo_ibge} ...`"
        )
        raise TransmissorError(msg)
    try:
        env = MunicipioEnvironment.from_file(path)
    except TransmissorError as error:
        raise TransmissorError(f"{label(municipio.codigo_ibge)}: {error}") from None
    unknown = unknown_settings(root, path)
    if unknown:
        msg = (
            f"{label(env)}: {path.relative_to(root)} sets {', '.join(unknown)}, which tap-pec "
            "does not know (a typo would be ignored silently, e.g. TLS left at its default); "
            f"correct or remove it (settings: plugins/extractors.meltano.yml)"
        )
        raise TransmissorError(msg)
    return env


# tap-postgres settings when plugins/extractors.meltano.yml cannot be read.
_KNOWN_SETTINGS = {
    "host", "port", "user", "password", "database", "filter_schemas", "ssl_enable", "ssl_mode",
    "ssl_certificate_authority", "ssh_tunnel", "stream_maps", "stream_map_config",
    "max_record_count", "dates_as_string",
}  # fmt: skip


def unknown_settings(root: Path, path: Path) -> list[str]:
    """Keys of the environment's tap-pec config that the extractor does not define."""
    known = set(_KNOWN_SETTINGS)
    plugins = root / "plugins" / "extractors.meltano.yml"
    if plugins.exists():
        document = yaml.safe_load(plugins.read_text(encoding="utf-8")) or {}
        for plugin in document.get("plugins", {}).get("extractors", []):
            if plugin.get("name") == "tap-postgres":
                known |= {str(s["name"]).split(".", 1)[0] for s in plugin.get("settings", [])}
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (environment,) = document["environments"]
    (tap,) = environment["config"]["plugins"]["extractors"]
    return sorted(str(key) for key in tap.get("config", {}) if str(key) not in known)


def _connection_error(env: MunicipioEnvironment, error: psycopg.OperationalError) -> str:
    text = str(error).strip()
    last = text.splitlines()[-1] if text else type(error).__name__
    where = f"{env.host}:{env.port}/{env.database}"
    if env.ssh:
        where += f" through the SSH bastion {env.ssh.host}:{env.ssh.port}"
    variable = environments.password_variable(env.ibge)
    file = f"environments/{env.ibge}.meltano.yml"
    lower = text.lower()
    if "password authentication failed" in lower:
        fix = (
            f"the password in {variable} is wrong for role {env.user}; put the right one in "
            f"{variable} (environment or .env), or ask the municipal DBA to reset it with "
            f"\\password {env.user}"
        )
    elif "does not exist" in lower and "database" in lower:
        fix = f"there is no database {env.database} there; correct `database:` in {file}"
    elif "does not exist" in lower and "role" in lower:
        fix = (
            f"there is no role {env.user} there; ask the municipal DBA to run "
            f"{readonly_role.SCRIPT_PATH}, or correct `user:` in {file}"
        )
    elif "no pg_hba.conf entry" in lower:
        fix = (
            "the server refuses this address or user; ask the municipal DBA for a `hostssl` "
            f"line for {env.user} in pg_hba.conf (see {readonly_role.SCRIPT_PATH})"
        )
    elif "ssl" in lower and ("not support" in lower or "required" in lower):
        fix = (
            "TLS could not be negotiated; ask the municipal DBA to enable ssl on the server "
            f"(`ssl_mode:` in {file} is {env.sslmode})"
        )
    else:
        fix = f"check host, port, firewall or VPN, and `host:`/`port:` in {file}"
    return f"{label(env)}: cannot connect to the banco do município at {where} ({last}); {fix}"


def connect(env: MunicipioEnvironment) -> psycopg.Connection:
    """The way the extractor will connect: directly, or through the município's SSH tunnel
    (a missing password or key, or a bastion that refuses, is a clear error first)."""
    try:
        return open_source(env, autocommit=True)
    except psycopg.OperationalError as error:
        raise TransmissorError(_connection_error(env, error)) from None


# -- the checks --------------------------------------------------------------------------------


def _tls(conn: psycopg.Connection, report: Report) -> None:
    env = report.env
    in_use = bool(conn.pgconn.ssl_in_use)
    detail = ""
    if in_use:
        row = conn.execute(
            "select version, cipher from pg_stat_ssl where pid = pg_backend_pid()"
        ).fetchone()
        if row and row[0]:
            detail = f" ({row[0]}, {row[1]})"
    state = f"in use{detail}" if in_use else "not in use"
    required = env.sslmode in TLS_REQUIRED
    if is_local_host(env.host):
        level = OK if in_use else WARN
        note = "" if in_use else "; acceptable only because the PEC is on this machine"
        report.add(level, "TLS", f"{state}, sslmode {env.sslmode}{note}")
    elif not required:
        report.add(
            FAIL,
            "TLS",
            f"{state}, but sslmode {env.sslmode} does not require it for remote host "
            f"{env.host}; set `ssl_mode: require` (or verify-full) in "
            f"environments/{env.ibge}.meltano.yml",
        )
    else:
        report.add(OK if in_use else FAIL, "TLS", f"{state}, sslmode {env.sslmode}")


def _present_columns(conn: psycopg.Connection, schema: str) -> dict[str, set[str]]:
    rows = conn.execute(
        "select c.relname, a.attname from pg_catalog.pg_attribute a "
        "join pg_catalog.pg_class c on c.oid = a.attrelid "
        "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') "
        "and a.attnum > 0 and not a.attisdropped",
        (schema,),
    ).fetchall()
    present: dict[str, set[str]] = {}
    for table, column in rows:
        present.setdefault(table, set()).add(column)
    return present


def _compatibility(conn: psycopg.Connection, contract: Contract, report: Report) -> set[str]:
    """Which contract tables and columns exist and are readable; returns the present tables."""
    env = report.env
    present = _present_columns(conn, contract.schema)
    wanted = {t.name for t in contract.tables}
    if not wanted & present.keys():
        msg = (
            f"{label(env)}: database {env.database} at {env.host}:{env.port} has none of the "
            f"{len(wanted)} PEC tables transmissor reads (e.g. tb_fat_cidadao_pec) in schema "
            f"{contract.schema}: it is not an e-SUS APS PEC database. Correct `database:` in "
            f"environments/{env.ibge}.meltano.yml (the PEC's database is often esus)"
        )
        raise TransmissorError(msg)
    columns_total = sum(len(t.columns) for t in contract.tables)
    columns_ok = 0
    for table in contract.tables:
        if table.name not in present:
            report.missing[table.name] = []
            continue
        absent = [c for c in table.columns if c not in present[table.name]]
        if absent:
            report.missing[table.name] = absent
        existing = [c for c in table.columns if c in present[table.name]]
        qualified = f"{contract.schema}.{table.name}"
        granted = conn.execute(
            sql.SQL("select {}").format(
                sql.SQL(", ").join(
                    sql.SQL("has_column_privilege({}, {}, 'SELECT')").format(
                        sql.Literal(qualified), sql.Literal(c)
                    )
                    for c in existing
                )
            )
        ).fetchone()
        denied = [c for c, ok in zip(existing, granted, strict=True) if not ok]
        if denied:
            report.ungranted[table.name] = denied
        columns_ok += len(existing) - len(denied)
    tables_ok = len(contract.tables) - sum(1 for cols in report.missing.values() if not cols)
    summary = (
        f"{tables_ok}/{len(contract.tables)} tables present, "
        f"{columns_ok}/{columns_total} columns present and readable"
    )
    if not report.missing and not report.ungranted:
        report.add(OK, "compatibility", summary)
    else:
        report.add(FAIL, "compatibility", summary)
        for name, cols in report.missing.items():
            what = "table missing" if not cols else f"column(s) missing: {', '.join(cols)}"
            report.add(
                FAIL,
                "compatibility",
                f"{contract.schema}.{name}: {what} (an older or different PEC version: update "
                "the PEC, or take them out of extract/contract.yml and the models that read them)",
            )
        for name, cols in report.ungranted.items():
            report.add(
                FAIL,
                "compatibility",
                f"{contract.schema}.{name}: {env.user} may not read {', '.join(cols)}; ask the "
                f"municipal DBA to run {readonly_role.SCRIPT_PATH} again",
            )
    return {t.name for t in contract.tables if t.name in present}


def _origin(conn: psycopg.Connection, contract: Contract, report: Report) -> None:
    env = report.env
    table = "tb_dim_municipio"
    if table in report.missing or table in report.ungranted:
        report.add(FAIL, "origin", f"cannot read {table}.co_ibge to confirm the município")
        return
    codes = {
        str(code).strip()
        for (code,) in conn.execute(
            sql.SQL("select distinct co_ibge from {}").format(
                sql.Identifier(contract.schema, table)
            )
        )
        if code is not None
    }
    codes = {c for c in codes if is_code(c)}
    if env.ibge in codes:
        others = len(codes) - 1
        extra = f" (and {others} other municipalities)" if others else ""
        report.add(OK, "origin", f"{table}.co_ibge has {env.ibge}{extra}")
        return
    shown = ", ".join(sorted(codes)[:5]) or "no IBGE code"
    report.add(
        FAIL,
        "origin",
        f"{table}.co_ibge has {shown} but not {env.ibge}: this is the PEC of another "
        f"município. Correct host/database in environments/{env.ibge}.meltano.yml",
    )


def _role(conn: psycopg.Connection, report: Report, strict: bool) -> None:
    env = report.env
    row = conn.execute(
        "select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "from pg_catalog.pg_roles where rolname = current_user"
    ).fetchone()
    names = ("superuser", "createrole", "createdb", "replication", "bypassrls")
    powers = [name for name, value in zip(names, row, strict=True) if value]
    read_only = conn.execute("show default_transaction_read_only").fetchone()[0] == "on"
    if powers:
        report.add(
            FAIL if strict else WARN,
            "role",
            f"{env.user} has {', '.join(powers)}: use the read-only role of "
            f"{readonly_role.SCRIPT_PATH} instead",
        )
    else:
        extra = "; sessions start read-only" if read_only else ""
        report.add(OK, "role", f"{env.user}: no superuser or other role attributes{extra}")


def _privileges(conn: psycopg.Connection, contract: Contract, report: Report, strict: bool) -> None:
    """Write privileges of the role and every role it may SET ROLE to, on the PEC schema."""
    env = report.env
    writes = conn.execute(
        "with roles as (select r.oid, r.rolname from pg_catalog.pg_roles r "
        "  where pg_has_role(current_user, r.oid, 'MEMBER')), "
        "objects as (select c.oid, c.relname, c.relkind from pg_catalog.pg_class c "
        "  join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "  where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')) "
        "select r.rolname, o.relname, p.priv from roles r cross join objects o "
        "cross join unnest(%s::text[]) as p(priv) "
        "where case when o.relkind = 'S' then p.priv in ('UPDATE', 'USAGE') "
        "  and has_sequence_privilege(r.oid, o.oid, p.priv) "
        "  else p.priv <> 'USAGE' and has_table_privilege(r.oid, o.oid, p.priv) end "
        "order by 1, 2, 3",
        (contract.schema, [*WRITE_PRIVILEGES, "USAGE"]),
    ).fetchall()
    level = FAIL if strict else WARN
    if writes:
        objects = sorted({f"{table}" for _, table, _ in writes})
        roles = sorted({role for role, _, _ in writes})
        privileges = sorted({priv for _, _, priv in writes})
        report.add(
            level,
            "writes",
            f"{', '.join(roles)} may {'/'.join(privileges)} on {len(objects)} object(s) of "
            f"schema {contract.schema} (e.g. {', '.join(objects[:3])}); use the read-only role "
            f"of {readonly_role.SCRIPT_PATH}",
        )
    else:
        report.add(
            OK, "writes", f"no write privilege on any table or sequence of {contract.schema}"
        )
    database_create, schema_create = conn.execute(
        "select has_database_privilege(current_database(), 'CREATE'), "
        "has_schema_privilege(%s, 'CREATE')",
        (contract.schema,),
    ).fetchone()
    if database_create:
        report.add(level, "writes", f"{env.user} may create schemas in {env.database}")
    if schema_create:
        report.add(
            WARN,
            "writes",
            f"{env.user} may create tables in schema {contract.schema} (granted to PUBLIC before "
            f"PostgreSQL 15); the DBA can close it with REVOKE CREATE ON SCHEMA "
            f"{contract.schema} FROM PUBLIC",
        )
    wanted = {t.name: set(t.columns) for t in contract.tables}
    readable = conn.execute(
        "select c.relname, array_agg(a.attname::text order by a.attnum) "
        "from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
        "join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 "
        "  and not a.attisdropped "
        "where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm', 'f') "
        "and has_column_privilege(c.oid, a.attnum, 'SELECT') group by c.relname",
        (contract.schema,),
    ).fetchall()
    beyond = sorted(
        f"{table}" if table not in wanted else f"{table}({', '.join(extra)})"
        for table, columns in readable
        if (extra := [c for c in columns if c not in wanted.get(table, set())])
    )
    if beyond:
        report.add(
            WARN,
            "least privilege",
            f"{env.user} may read beyond the contract: {len(beyond)} table(s), e.g. "
            f"{'; '.join(beyond[:3])}; {readonly_role.SCRIPT_PATH} grants the contract only",
        )
    else:
        report.add(OK, "least privilege", "reads nothing beyond extract/contract.yml")


@contextmanager
def _rolled_back(conn: psycopg.Connection) -> Iterator[bool]:
    """A read-write transaction that is always rolled back; yields False on a standby."""
    try:
        conn.execute("begin isolation level read committed read write")
    except psycopg.Error:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.execute("rollback")
        yield False
        return
    try:
        yield True
    finally:
        conn.execute("rollback")


def _attempt_writes(
    conn: psycopg.Connection, contract: Contract, present: set[str], report: Report
) -> None:
    """Try INSERT, UPDATE and DELETE of zero rows on every replicated table; always roll back.

    Privileges are checked when a statement starts, before any row is touched, so a refused
    role gets `permission denied` and an allowed one changes nothing (no row matches, no
    default or sequence is evaluated) inside a transaction that is rolled back anyway.
    """
    if conn.execute("select pg_is_in_recovery()").fetchone()[0]:
        report.add(OK, "write attempts", "the server is a standby: it accepts no writes at all")
        return
    allowed: list[str] = []
    other: list[str] = []
    tried = 0
    with _rolled_back(conn) as writable:
        if not writable:
            report.add(WARN, "write attempts", "could not open a read-write transaction to try")
            return
        for table in contract.tables:
            if table.name not in present:
                continue
            target = sql.Identifier(contract.schema, table.name)
            key = sql.Identifier(table.primary_key[0])
            statements = {
                "INSERT": sql.SQL("insert into {t} ({k}) select {k} from {t} where false"),
                "UPDATE": sql.SQL("update {t} set {k} = {k} where false"),
                "DELETE": sql.SQL("delete from {t} where false"),
            }
            for verb, statement in statements.items():
                tried += 1
                # A savepoint per attempt: a refusal must not end the probing transaction.
                conn.execute("savepoint transmissor_probe")
                try:
                    conn.execute(statement.format(t=target, k=key))
                except psycopg.Error as error:
                    conn.execute("rollback to savepoint transmissor_probe")
                    if not isinstance(error, errors.InsufficientPrivilege):
                        other.append(f"{verb} {table.name}: {type(error).__name__}")
                    continue
                allowed.append(f"{verb} {table.name}")
    if other:
        report.add(WARN, "write attempts", f"refused for another reason: {'; '.join(other[:3])}")
    if allowed:
        report.add(
            FAIL,
            "write attempts",
            f"{len(allowed)} of {tried} accepted (rolled back), e.g. {', '.join(allowed[:3])}",
        )
    else:
        report.add(
            OK,
            "write attempts",
            f"all {tried} INSERT/UPDATE/DELETE attempts refused (permission denied; rolled back)",
        )


def inspect(
    env: MunicipioEnvironment, contract: Contract, conn: psycopg.Connection, strict: bool = True
) -> Report:
    """Every check on an open connection. strict: the operator's check, with write attempts."""
    report = Report(env)
    version = conn.execute("show server_version").fetchone()[0]
    report.add(OK, "server", f"PostgreSQL {version}")
    _tls(conn, report)
    present = _compatibility(conn, contract, report)
    _origin(conn, contract, report)
    _role(conn, report, strict)
    _privileges(conn, contract, report, strict)
    if strict:
        _attempt_writes(conn, contract, present, report)
    return report


def check(root: Path, ibge: str, strict: bool = True) -> Report:
    env = registered_environment(root, ibge)
    contract = Contract.load(root)
    with connect(env) as conn:
        return inspect(env, contract, conn, strict=strict)


def failure_message(report: Report, what: str) -> str:
    problems = "; ".join(f"{f.topic}: {f.message}" for f in report.failures)
    return f"{label(report.env)} {what}: {problems}"
