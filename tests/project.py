"""A throwaway copy of the Meltano project for end-to-end tests.

The copy shares the installed plugins (`.meltano/`) and the virtual environment with the real
project, but has its own `environments/`, `.env`, banco analítico and Meltano system database,
so tests never touch the developer's registrations or data.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from transmissor.contract import pec_schema
from transmissor.contract.model import CONTRACT_PATH, MUNICIPIO_COLUMN, Contract
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, LocalPostgres
from transmissor.edge.install import copy_project
from transmissor.meltano.run import PLUGIN_KINDS, MeltanoResult, run_meltano
from transmissor.municipios import environments
from transmissor.warehouse import raw_columns
from transmissor.warehouse.database import RAW_SCHEMA
from transmissor.warehouse.raw_tables import ensure_raw_indexes, ensure_raw_tables

PROJECT_ROOT = Path(__file__).resolve().parents[1]
COPIED = ("meltano.yml", "plugins", "extract", "transform", "orchestrate")
LINKED = (".venv",)
REFERENCE_DATE = date(2026, 11, 27)
# The daily job's tasks before dbt (orchestrate/jobs.meltano.yml), for tests of what it loads.
EXTRACT_LOAD_TASKS = ("transmissor:check-and-copy", "tap-pec", "target-postgres",
                      "transmissor:reconcile")  # fmt: skip


def link_installed_plugins(root: Path) -> None:
    """A Meltano system directory of the copy's own whose plugin folders link to the
    checkout's installed plugins; a kind with nothing installed gets an empty folder of the
    copy's own (not a dangling link, and nothing made in the checkout)."""
    (root / ".meltano").mkdir()
    for kind in PLUGIN_KINDS:
        installed = PROJECT_ROOT / ".meltano" / kind
        if installed.is_dir():
            (root / ".meltano" / kind).symlink_to(installed)
        else:
            (root / ".meltano" / kind).mkdir()


def installed_root(base: Path) -> Path:
    """A folder to give `edge install --reuse-venv`: the checkout's virtual environment and a
    .meltano/ of its own linking the installed plugins (a box linked to the checkout's own
    .meltano/ would make its missing plugin folders there)."""
    root = base / "installed"
    if not root.exists():
        root.mkdir()
        (root / ".venv").symlink_to(PROJECT_ROOT / ".venv")
        link_installed_plugins(root)
    return root


@dataclass
class _E2EMarks:
    """Whether the test being set up, run or torn down carries the e2e mark (set by
    tests/conftest.py), so that a Meltano process started by an unmarked test fails it."""

    test: str = ""
    current: bool = True


E2E_MARKS = _E2EMarks()


def comparable_value(column: str, source_type: str) -> sql.Composable:
    """A column as text that compares values, whichever path loaded it: cast to its source
    type, numerics as doubles (Singer loads 130 as 130.0, the same number; trim_scale would
    need PostgreSQL 13 at the PEC)."""
    if source_type.startswith("numeric"):
        return sql.SQL("{}::numeric::float8").format(sql.Identifier(column))
    return sql.SQL("{}::{}").format(sql.Identifier(column), sql.SQL(source_type))


@dataclass
class ProjectCopy:
    """A project copy wired to one test server."""

    root: Path
    server: LocalPostgres
    warehouse_db: str
    sources: dict[str, str] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # more .env lines
    passwords: dict[str, str] = field(default_factory=dict)  # of sources not on `server`
    _contract: tuple[tuple[int, int], Contract] | None = field(default=None, repr=False)

    @classmethod
    def create(cls, base: Path, server: LocalPostgres, deployed: bool = False) -> ProjectCopy:
        """A copy with an empty banco analítico of its own; `deployed`: one where the dbt
        project is already deployed (a copy of `deployed_template`), as on any day after a
        warehouse's first, which spares the first transmissão dbt's first deploy."""
        root = base / "project"
        root.mkdir()
        copy_project(PROJECT_ROOT, root, COPIED)
        for name in LINKED:
            (root / name).symlink_to(PROJECT_ROOT / name)
        # Its own Meltano system directory whose plugin folders link to the installed ones:
        # run files and dbt's target folder of runs without an environment stay in the copy,
        # so test modules can run in parallel (pytest -n).
        link_installed_plugins(root)
        (root / "environments").mkdir()
        warehouse_db = f"warehouse_{uuid.uuid4().hex[:8]}"
        if deployed:
            template = sql.Identifier(deployed_template(server))
            with psycopg.connect(server.url(), autocommit=True) as conn:
                conn.execute(
                    sql.SQL("create database {} template {}").format(
                        sql.Identifier(warehouse_db), template
                    )
                )
        else:
            with psycopg.connect(server.url(), autocommit=True) as conn:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(warehouse_db)))
            with psycopg.connect(server.url(warehouse_db), autocommit=True) as conn:
                conn.execute("create schema meltano")
        project = cls(root=root, server=server, warehouse_db=warehouse_db)
        project.write_env()
        return project

    # -- configuration ---------------------------------------------------------------------

    def base_env(self) -> dict[str, str]:
        password = self.server.password()
        values = {
            "WAREHOUSE_HOST": "127.0.0.1",
            "WAREHOUSE_PORT": str(self.server.port),
            "WAREHOUSE_USER": SUPERUSER,
            "WAREHOUSE_PASSWORD": password,
            "WAREHOUSE_DATABASE": self.warehouse_db,
            "MELTANO_DATABASE_URI": (
                f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{self.server.port}/"
                f"{self.warehouse_db}?options=-csearch_path%3Dmeltano"
            ),
        }
        for ibge in self.sources:
            values[environments.password_variable(ibge)] = self.passwords.get(ibge, password)
        return {**values, **self.settings}

    def write_env(self) -> None:
        # A value of several lines (an SSH private key) in double quotes, as the README tells
        # operators to write it: python-dotenv, and so Meltano, read it whole.
        lines = [
            f'{key}="{value}"' if "\n" in value else f"{key}={value}"
            for key, value in self.base_env().items()
        ]
        (self.root / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def process_env(self) -> dict[str, str]:
        """The environment for child processes: none of the developer's own settings leak in."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("WAREHOUSE_", "PEC_"))}
        keep.pop("MELTANO_DATABASE_URI", None)
        return {**keep, **self.base_env(), "MELTANO_PROJECT_ROOT": str(self.root)}

    # -- municipalities --------------------------------------------------------------------

    def add_municipio(self, ibge: str, citizens: int = 200, seed: int = 7) -> str:
        """Create a sandbox PEC for `ibge` and register it; returns the source URL."""
        database = f"pec_{ibge}_{uuid.uuid4().hex[:6]}"
        url = self.server.url(database)
        sandbox.create(url, ibge, citizens=citizens, seed=seed, reference_date=REFERENCE_DATE)
        environments.add(self.root, ibge, "127.0.0.1", self.server.port, database, SUPERUSER)
        self.sources[ibge] = url
        self.write_env()
        return url

    def register(self, ibge: str, source_url: str) -> None:
        """Register `ibge` to read an existing source database (e.g. another's sandbox), on
        any server and as any role: host, port, role and password come from the URL."""
        parts = conninfo_to_dict(source_url)
        port = int(parts.get("port") or self.server.port)
        environments.add(self.root, ibge, parts["host"], port, parts["dbname"], parts["user"])
        self.sources[ibge] = source_url
        if parts.get("password"):
            self.passwords[ibge] = str(parts["password"])
        self.write_env()

    # -- running ---------------------------------------------------------------------------

    def meltano(
        self, args: list[str], environment: str | None = None, timeout: float = 600
    ) -> MeltanoResult:
        if not E2E_MARKS.current:
            raise AssertionError(
                f"{E2E_MARKS.test} runs `meltano {' '.join(args)}` without the e2e mark: mark it "
                "(pytest.mark.e2e), so that `make test-fast` leaves it out"
            )
        return run_meltano(
            self.root, args, environment=environment, timeout=timeout, base_env=self.process_env()
        )

    def el(self, ibge: str) -> MeltanoResult:
        """Extract-load as the daily job does it: full-table tables by COPY, then Singer."""
        result = self.meltano(
            ["run", "transmissor:snapshot", "tap-pec", "target-postgres"], environment=ibge
        )
        assert result.ok, result.output[-3000:]
        return result

    # -- inspection ------------------------------------------------------------------------

    def warehouse(self) -> psycopg.Connection:
        return psycopg.connect(self.server.url(self.warehouse_db), autocommit=True)

    def contract(self) -> Contract:
        """The copy's contract, read again only when its file changed (a test may edit it):
        a check of every table asks for it twice a table."""
        path = self.root / CONTRACT_PATH
        stamp = (path.stat().st_mtime_ns, path.stat().st_size)
        if self._contract is None or self._contract[0] != stamp:
            self._contract = (stamp, Contract.load(self.root))
        return self._contract[1]

    def source(self, ibge: str) -> psycopg.Connection:
        return psycopg.connect(self.sources[ibge], autocommit=True)

    def source_snapshot(
        self, ibge: str, table: str, key: str, conn: psycopg.Connection | None = None
    ) -> dict[int, str]:
        """key -> md5 of the contract columns of each row at the source (comparable_value)."""
        columns = self.contract().table(table).columns
        with reused(conn, lambda: self.source(ibge)) as source:
            types = self.source_types(ibge, table, source)
            query = sql.SQL("select {key}, md5(row({cols})::text) from {table}").format(
                key=sql.Identifier(key),
                cols=sql.SQL(", ").join(comparable_value(c, types[c]) for c in columns),
                table=sql.Identifier("public", table),
            )
            return dict(source.execute(query).fetchall())

    def source_types(
        self, ibge: str, table: str, conn: psycopg.Connection | None = None
    ) -> dict[str, str]:
        """column -> its SQL type at the source (e.g. `character varying(500)`)."""
        query = (
            "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
            "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped"
        )
        with reused(conn, lambda: self.source(ibge)) as source:
            return dict(source.execute(query, (f"public.{table}",)).fetchall())

    def assert_nothing_of(self, ibge: str) -> None:
        """No row of the município in any raw table, and no Meltano state: a refusal wrote
        nothing."""
        with self.warehouse() as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "select table_name from information_schema.tables where table_schema = %s",
                    (RAW_SCHEMA,),
                )
            ]
            for table in tables:
                rows = conn.execute(
                    sql.SQL("select count(*) from {} where {} = %s").format(
                        sql.Identifier(RAW_SCHEMA, table), sql.Identifier(MUNICIPIO_COLUMN)
                    ),
                    (ibge,),
                ).fetchone()[0]
                assert rows == 0, f"{table}: {rows} rows of {ibge}"
            states = conn.execute(
                "select count(*) from meltano.state where state_id like %s", (f"{ibge}:%",)
            ).fetchone()[0]
        assert states == 0, f"Meltano state for {ibge}"

    def warehouse_keys(
        self,
        ibge: str,
        table: str,
        key: str,
        live: bool = True,
        conn: psycopg.Connection | None = None,
    ) -> list[int]:
        query = sql.SQL("select {key} from {table} where {m} = %s {live} order by 1").format(
            key=sql.Identifier(key),
            table=sql.Identifier(RAW_SCHEMA, table),
            m=sql.Identifier(MUNICIPIO_COLUMN),
            live=sql.SQL("and _sdc_deleted_at is null" if live else ""),
        )
        with reused(conn, self.warehouse) as warehouse:
            return [row[0] for row in warehouse.execute(query, (ibge,))]


@contextmanager
def reused(
    conn: psycopg.Connection | None, connect: Callable[[], psycopg.Connection]
) -> Iterator[psycopg.Connection]:
    """`conn` as it is, or a connection of the call's own: a check of every table passes one
    (a connection costs the test, the server and SCRAM authentication a few milliseconds)."""
    if conn is not None:
        yield conn
        return
    with connect() as opened:
        yield opened


_DEPLOYED: dict[tuple[str, int], str] = {}  # (server root, port) -> template database


def deployed_template(server: LocalPostgres) -> str:
    """A database on `server` holding a banco analítico where the dbt project is deployed and
    no município is loaded, made once per server: the raw tables as `edge grant` creates them
    before any load (from the PEC schema reference), Meltano's system tables, then the
    deploy's models on them (`dbt run --full-refresh`, its tests left to the modules that
    deploy a new warehouse). Copies of it (CREATE DATABASE ... TEMPLATE) start where a
    warehouse is on any day after its first; a first transmissão there builds its município
    into the deployed models instead of deploying them (about 50 s less per module)."""
    key = (str(server.root), server.port)
    if key not in _DEPLOYED:
        project = ProjectCopy.create(Path(tempfile.mkdtemp(prefix="deployed-")), server)
        contract = project.contract()
        with project.warehouse() as conn:
            ensure_raw_tables(conn, contract.tables, pec_schema.shapes)
            raw_columns.ensure_table(conn)
            ensure_raw_indexes(conn, [table.name for table in contract.tables])
        # The deploy's models without its tests (on empty tables, they prove nothing here;
        # the modules that deploy a new warehouse themselves run them): the same relations.
        result = project.meltano(["invoke", "dbt-postgres:run", "--full-refresh"], timeout=900)
        assert result.ok, result.output[-3000:]
        _DEPLOYED[key] = project.warehouse_db
        shutil.rmtree(project.root.parent, ignore_errors=True)
    return _DEPLOYED[key]
