"""`transmissor demo`: the whole daily routine on local sandboxes, with a summary to check.

It starts the local PostgreSQL (unless WAREHOUSE_HOST names another banco analítico), creates
three synthetic municipalities of different sizes, registers them with `municipio add`, runs
the daily job for each, advances every sandbox one day, runs again, and prints per município
and table: rows at the source, live rows in the banco analítico, rows the second run moved,
and each run's time. It ends with `transmissor freshness --all` and `transmissor status`, as an
operator would type them. It exits non-zero when any count disagrees or the status reports a
município late, failed or stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
    status = print_status(root)
    print(f"\ndemo finished in {time.monotonic() - started:.0f} s")
    if disagreements:
        print(f"{disagreements} counts disagree between the sources and the banco analítico")
        return 1
    print("every count agrees between the bancos dos municípios and the banco analítico")
    if status != 0:
        print("`transmissor status` reports a município late or failed (above)")
        return 1
    return 0


def print_status(root: Path) -> int:
    """`transmissor freshness --all`, then `transmissor status` (the table); status's exit code.

    Separate processes, as an operator runs them: they read only what the warehouse recorded."""
    command = str(Path(sys.executable).parent / "transmissor")
    for args in (["freshness", "--all"], ["status"]):
        print(f"\n$ transmissor {' '.join(args)}", flush=True)
        code = subprocess.call([command, *args], cwd=root, env=os.environ.copy())
    return code


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


INDICADORES = {
    "C1": "C1 Mais acesso",
    "C2": "C2 Desenvolvimento infantil",
    "C3": "C3 Gestação e puerpério",
    "C4": "C4 Diabetes",
    "C5": "C5 Hipertensão",
    "C6": "C6 Pessoa idosa",
    "C7": "C7 Prevenção do câncer",
}
SUMMARY_SQL = """
select r.co_municipio_ibge, m.no_municipio, r.dt_competencia, r.co_indicador, r.nu_denominador,
       r.vl_resultado, r.ds_classificacao, r.ds_quadrimestre, r.vl_resultado_quadrimestre,
       r.ds_classificacao_quadrimestre, r.vl_nota_final, r.ds_classificacao_final
from marts.resumo_qualidade_municipio r
left join staging.stg_pec__dim_municipio m
  on m.co_municipio_ibge = r.co_municipio_ibge and m.co_ibge = r.co_municipio_ibge
where r.co_municipio_ibge = any(%s)
  and r.dt_competencia = (select max(dt_competencia) from marts.resumo_qualidade_municipio)
order by r.co_municipio_ibge, r.co_indicador
"""


def _result(value: object, band: object) -> str:
    return "-" if value is None else f"{float(value):.1f} {band}"


def print_indicators(warehouse: psycopg.Connection, ibges: list[str]) -> None:
    """Per município: C1-C7 of the current competência (result and band) and the Nota Final.

    The results pool the município's eSF and eAP teams (marts.resumo_qualidade_municipio);
    payment is per team (marts.indicadores_qualidade, marts.nota_final_qualidade).
    """
    rows = warehouse.execute(SUMMARY_SQL, (ibges,))
    columns = [c.name for c in rows.description or []]
    found = [dict(zip(columns, row, strict=True)) for row in rows.fetchall()]
    if not found:
        print("\nno indicators yet (marts.resumo_qualidade_municipio is empty)")
        return
    municipios = list(dict.fromkeys((r["co_municipio_ibge"], r["no_municipio"]) for r in found))
    by_key = {(r["co_municipio_ibge"], r["co_indicador"]): r for r in found}
    first = found[0]
    print(
        "\nindicadores de qualidade da APS (Portaria GM/MS 3.493/2024), "
        f"competência {first['dt_competencia']:%Y-%m}, quadrimestre {first['ds_quadrimestre']}"
    )
    print("(the município's eSF and eAP teams pooled; the result of the month, band)")
    header = "".join(f"{f'{ibge} {nome or chr(63)}'[:21]:>23}" for ibge, nome in municipios)
    print(f"{'':<30}{header}")
    for codigo, label in INDICADORES.items():
        cells = []
        for ibge, _ in municipios:
            row = by_key.get((ibge, codigo))
            cells.append(_result(row and row["vl_resultado"], row and row["ds_classificacao"]))
        print(f"{label:<30}" + "".join(f"{cell:>23}" for cell in cells))
    finals = []
    for ibge, _ in municipios:
        row = next(r for r in found if r["co_municipio_ibge"] == ibge)
        nota = row["vl_nota_final"]
        finals.append("-" if nota is None else f"{float(nota):.2f} {row['ds_classificacao_final']}")
    print(f"{'Nota Final (quadrimestre)':<30}" + "".join(f"{cell:>23}" for cell in finals))
