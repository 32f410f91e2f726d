"""`transmissor demo`: the whole daily routine on local sandboxes, with a summary to check.

It starts the local PostgreSQL (unless WAREHOUSE_HOST names another banco analítico), creates
three synthetic municipalities of different sizes, registers them with `municipio add`, runs
the daily job for each, advances every sandbox one day, runs again, and prints per município
and table: rows at the source, live rows in the banco analítico, rows the second run moved,
and each run's time. It exits non-zero when any count disagrees.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from dotenv import set_key
from psycopg import sql

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, LocalPostgres, local_server
from transmissor.errors import TransmissorError
from transmissor.meltano.project import JOB
from transmissor.meltano.run import run_meltano
from transmissor.meltano.state import state_id
from transmissor.municipios import environments
from transmissor.settings import Warehouse, load_dotenv
from transmissor.warehouse.database import RAW_SCHEMA, connect, ensure_database
from transmissor.warehouse.raw_tables import raw_table_exists

# (IBGE, citizens): synthetic sizes, not the real populations. Quixaba's code is one of the
# nine real codes that fail the check-digit rule; Rio Branco runs on UTC-5.
DEMO_MUNICIPIOS: tuple[tuple[str, int], ...] = (
    ("2611533", 1_000),
    ("1200401", 3_000),
    ("3509502", 6_000),
)
DEMO_SEED = 20261129
MELTANO_DATABASE_URI = (
    "postgresql+psycopg://${WAREHOUSE_USER}:${WAREHOUSE_PASSWORD}@${WAREHOUSE_HOST}:"
    "${WAREHOUSE_PORT}/${WAREHOUSE_DATABASE}?options=-csearch_path%3Dmeltano"
)


@dataclass
class MunicipioRun:
    ibge: str
    nome: str
    seconds: list[float] = field(default_factory=list)
    source_rows: dict[str, int] = field(default_factory=dict)
    warehouse_rows: dict[str, int] = field(default_factory=dict)
    moved_second_run: dict[str, int] = field(default_factory=dict)


def configure_local_env(root: Path, server: LocalPostgres) -> None:
    """Point .env at the local server, unless the environment names another warehouse."""
    env_file = root / ".env"
    env_file.touch(mode=0o600, exist_ok=True)
    host, port = os.environ.get("WAREHOUSE_HOST"), os.environ.get("WAREHOUSE_PORT", "5432")
    if host and not (environments.is_local_host(host) and port == str(server.port)):
        print(f"using the banco analítico at {host}:{port} (WAREHOUSE_HOST)")
    else:
        values = {
            "WAREHOUSE_HOST": "127.0.0.1",
            "WAREHOUSE_PORT": str(server.port),
            "WAREHOUSE_USER": SUPERUSER,
            "WAREHOUSE_PASSWORD": server.password(),
            "WAREHOUSE_DATABASE": os.environ.get("WAREHOUSE_DATABASE", "transmissor"),
        }
        for key, value in values.items():
            set_key(env_file, key, value, quote_mode="never")
            os.environ[key] = value
    if not os.environ.get("MELTANO_DATABASE_URI"):
        set_key(env_file, "MELTANO_DATABASE_URI", MELTANO_DATABASE_URI, quote_mode="never")


def _count(conn: psycopg.Connection, query: sql.Composable, params: tuple = ()) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def _counts(
    contract: Contract, source: psycopg.Connection, warehouse: psycopg.Connection, ibge: str
) -> tuple[dict[str, int], dict[str, int]]:
    at_source, in_warehouse = {}, {}
    for table in contract.tables:
        at_source[table.name] = _count(
            source, sql.SQL("select count(*) from {}").format(sql.Identifier("public", table.name))
        )
        in_warehouse[table.name] = _count(
            warehouse,
            sql.SQL("select count(*) from {} where {} = %s and _sdc_deleted_at is null").format(
                sql.Identifier(RAW_SCHEMA, table.name), sql.Identifier(MUNICIPIO_COLUMN)
            ),
            (ibge,),
        )
    return at_source, in_warehouse


def _batched_marks(
    contract: Contract, warehouse: psycopg.Connection, ibge: str
) -> dict[str, object]:
    marks = {}
    for table in contract.tables:
        row = warehouse.execute(
            sql.SQL("select max(_sdc_batched_at) from {} where {} = %s").format(
                sql.Identifier(RAW_SCHEMA, table.name), sql.Identifier(MUNICIPIO_COLUMN)
            ),
            (ibge,),
        ).fetchone()
        marks[table.name] = row[0] if row else None
    return marks


def _moved_since(
    contract: Contract, warehouse: psycopg.Connection, ibge: str, marks: dict[str, object]
) -> dict[str, int]:
    moved = {}
    for table in contract.tables:
        moved[table.name] = _count(
            warehouse,
            sql.SQL("select count(*) from {} where {} = %s and _sdc_batched_at > %s").format(
                sql.Identifier(RAW_SCHEMA, table.name), sql.Identifier(MUNICIPIO_COLUMN)
            ),
            (ibge, marks[table.name]),
        )
    return moved


def _forget(root: Path, contract: Contract, warehouse: psycopg.Connection, ibge: str) -> None:
    """Start a demo município afresh: its raw rows and its Meltano state."""
    for table in contract.tables:
        if raw_table_exists(warehouse, table.name):
            warehouse.execute(
                sql.SQL("delete from {} where {} = %s").format(
                    sql.Identifier(RAW_SCHEMA, table.name), sql.Identifier(MUNICIPIO_COLUMN)
                ),
                (ibge,),
            )
    run_meltano(root, ["state", "clear", "--force", state_id(ibge)])


def _daily_job(root: Path, ibge: str, label: str) -> float:
    log = root / "logs" / "demo" / f"{ibge}-{label}.log"
    result = run_meltano(root, ["run", JOB], environment=ibge, log_path=log)
    if not result.ok:
        tail = "\n".join(result.output.strip().splitlines()[-15:])
        msg = f"município {ibge}: the daily job failed ({label}); log in {log}\n{tail}"
        raise TransmissorError(msg)
    return result.seconds


def run_demo(root: Path) -> int:
    started = time.monotonic()
    load_dotenv(root)
    server = local_server(root).start()
    print(f"local PostgreSQL on 127.0.0.1:{server.port}")
    configure_local_env(root, server)
    warehouse_settings = Warehouse.from_env()
    ensure_database(warehouse_settings)
    contract = Contract.load(root)
    env_file = root / ".env"
    runs: list[MunicipioRun] = []

    with connect(warehouse_settings) as warehouse:
        for ibge, citizens in DEMO_MUNICIPIOS:
            url = server.url(f"pec_{ibge}")
            t0 = time.monotonic()
            sandbox.create(
                url, ibge, citizens=citizens, seed=DEMO_SEED, reference_date=date.today()
            )
            print(f"sandbox {ibge}: {citizens} citizens created in {time.monotonic() - t0:.1f} s")
            path = environments.environment_path(root, ibge)
            if not path.exists():
                environments.add(root, ibge, "127.0.0.1", server.port, f"pec_{ibge}", SUPERUSER)
            variable = environments.password_variable(ibge)
            set_key(env_file, variable, server.password(), quote_mode="never")
            os.environ[variable] = server.password()
            _forget(root, contract, warehouse, ibge)
            runs.append(
                MunicipioRun(ibge, environments.MunicipioEnvironment.from_file(path).municipio.nome)
            )

        for run in runs:
            run.seconds.append(_daily_job(root, run.ibge, "first"))
            print(f"{run.ibge} {run.nome}: first transmissão in {run.seconds[-1]:.1f} s")

        for run in runs:
            changes = sandbox.advance(server.url(f"pec_{run.ibge}"), days=1, seed=DEMO_SEED)
            touched = sum(c.inserted + c.updated + c.deleted for c in changes.values())
            print(f"{run.ibge} {run.nome}: sandbox advanced one day ({touched} rows changed)")

        for run in runs:
            marks = _batched_marks(contract, warehouse, run.ibge)
            run.seconds.append(_daily_job(root, run.ibge, "second"))
            print(f"{run.ibge} {run.nome}: second transmissão in {run.seconds[-1]:.1f} s")
            run.moved_second_run = _moved_since(contract, warehouse, run.ibge, marks)
            with psycopg.connect(server.url(f"pec_{run.ibge}")) as source:
                run.source_rows, run.warehouse_rows = _counts(contract, source, warehouse, run.ibge)

    disagreements = print_summary(runs, contract)
    with connect(warehouse_settings) as warehouse:
        print_indicators(warehouse, [run.ibge for run in runs])
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    if disagreements:
        print(f"{disagreements} counts disagree between the sources and the banco analítico")
        return 1
    print("every count agrees between the bancos dos municípios and the banco analítico")
    return 0


def print_summary(runs: list[MunicipioRun], contract: Contract) -> int:
    disagreements = 0
    header = f"{'município':<24} {'table':<30} {'source':>9} {'warehouse':>9} {'moved 2nd':>9}"
    print("\n" + header)
    print("-" * len(header))
    for run in runs:
        name = f"{run.ibge} {run.nome}"[:24]
        for table in contract.tables:
            source, warehouse = run.source_rows[table.name], run.warehouse_rows[table.name]
            flag = "" if source == warehouse else "  << DISAGREES"
            disagreements += bool(flag)
            print(
                f"{name:<24} {table.name:<30} {source:>9} {warehouse:>9} "
                f"{run.moved_second_run[table.name]:>9}{flag}"
            )
        total_s = sum(run.source_rows.values())
        total_w = sum(run.warehouse_rows.values())
        total_m = sum(run.moved_second_run.values())
        print(f"{name:<24} {'TOTAL':<30} {total_s:>9} {total_w:>9} {total_m:>9}")
        print(f"{name:<24} run times: first {run.seconds[0]:.1f} s, second {run.seconds[1]:.1f} s")
        print()
    return disagreements


INDICADORES = (
    "1 gestantes 6+ consultas",
    "2 gestantes sífilis/HIV",
    "3 gestantes odonto",
    "4 citopatológico",
    "5 vacinação polio/penta",
    "6 hipertensos PA",
    "7 diabéticos HbA1c",
)


def print_indicators(warehouse: psycopg.Connection, ibges: list[str]) -> None:
    """Per município: the size of each lista nominal and the seven Previne percentages."""
    rows = warehouse.execute(
        "select * from marts.resumo_municipio where co_municipio_ibge = any(%s) "
        "order by co_municipio_ibge",
        (ibges,),
    )
    columns = [c.name for c in rows.description or []]
    found = [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]
    if not found:
        print("\nno indicators yet (marts.resumo_municipio is empty)")
        return
    print(f"\nlistas nominais and indicadores Previne, quadrimestre {found[0]['ds_quadrimestre']}")
    names = [f"{r['co_municipio_ibge']} {r['no_municipio']}"[:20] for r in found]
    print(f"{'':<26}" + "".join(f"{n:>21}" for n in names))
    for lista in ("hipertensos", "diabeticos", "gestantes", "citopatologico", "vacinacao"):
        values = "".join(f"{r[f'nu_lista_{lista}']:>21}" for r in found)
        print(f"{'lista ' + lista:<26}{values}")
    for number, label in enumerate(INDICADORES, start=1):
        values = "".join(
            f"{'-' if r[f'pc_indicador_{number}'] is None else r[f'pc_indicador_{number}']:>20}%"
            for r in found
        )
        print(f"{label:<26}{values}")
