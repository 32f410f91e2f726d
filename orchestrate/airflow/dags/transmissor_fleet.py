"""The fleet on Apache Airflow: every município's daily transmission, across many workers.

Built at parse time from the project's `environments/` (one Meltano environment per
município): per município a task group `m_<IBGE>` with `extract_load` (load and
reconciliation) then `dbt`, each a `transmissor run --step ...` with Airflow retries; the
`transmissor` pool bounds how many extract-loads run at once across the whole cluster, the
`transmissor_dbt` pool (1 slot) runs dbt one município at a time (the step also re-applies the
marts' row-level security, which locks every marts table; `transmissor run` also takes an
advisory lock in the banco analítico for it).
After every group, `fleet_status` runs `transmissor status` for the day: it fails (exit 1)
when any município is late or failed, which is the fleet-level alert.

Settings (environment of the scheduler and workers):
  TRANSMISSOR_PROJECT_ROOT  the Meltano project (default: three folders up from this file)
  TRANSMISSOR_BIN           the `transmissor` command (default: <project>/.venv/bin/transmissor)
  TRANSMISSOR_POOL          pool of the extract-load tasks (default `transmissor`)
  TRANSMISSOR_DBT_POOL      pool of the dbt tasks (default `transmissor_dbt`, give it 1 slot)
  TRANSMISSOR_DBT           `each` (default): dbt per município, as the job; `once`: one
                            fleet-wide dbt task after every extract-load (large fleets)
  TRANSMISSOR_TIMEOUT       seconds per extract-load attempt (default 3600)
  TRANSMISSOR_RETRIES       Airflow retries per task (default 2, exponential backoff)
"""

from __future__ import annotations

import itertools
import os
import shlex
import sys
from datetime import timedelta
from pathlib import Path

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup

PROJECT = Path(
    os.environ.get("TRANSMISSOR_PROJECT_ROOT") or Path(__file__).resolve().parents[3]
).resolve()
# The project's package, from its checkout: the register of the fleet and the job's tasks come
# from the functions the commands use. Airflow's venv lacks the project's dependencies, and
# these modules need none but PyYAML (a contract of `make lint` keeps it so).
sys.path.insert(0, str(PROJECT / "orchestrate"))

from transmissor.errors import TransmissorError  # noqa: E402
from transmissor.meltano.project import job_blocks, split_blocks  # noqa: E402
from transmissor.municipios.environments import registered_codes  # noqa: E402
from transmissor.municipios.ibge import is_code, lookup  # noqa: E402

TRANSMISSOR = os.environ.get("TRANSMISSOR_BIN") or str(PROJECT / ".venv" / "bin" / "transmissor")
MELTANO = str(Path(TRANSMISSOR).with_name("meltano"))
POOL = os.environ.get("TRANSMISSOR_POOL", "transmissor")
DBT_POOL = os.environ.get("TRANSMISSOR_DBT_POOL", "transmissor_dbt")
DBT = os.environ.get("TRANSMISSOR_DBT", "each")
TIMEOUT = int(os.environ.get("TRANSMISSOR_TIMEOUT", "3600"))
RETRIES = int(os.environ.get("TRANSMISSOR_RETRIES", "2"))


def municipios(project: Path) -> list[tuple[str, str, str]]:
    """(IBGE, nome, UF) of every registered município, without Meltano.

    Names come from the IBGE list. A file that cannot be read still gets its task group: its
    tasks fail at pre-flight with a message naming the file, instead of the município silently
    leaving the DAG.
    """
    found = []
    for ibge in registered_codes(project):
        if not is_code(ibge):
            continue
        try:
            municipio = lookup(ibge)
        except TransmissorError:
            found.append((ibge, "?", "?"))
            continue
        found.append((ibge, municipio.nome, municipio.uf))
    return found


def dbt_blocks(project: Path) -> list[str]:
    """The daily job's dbt tasks (from orchestrate/*.meltano.yml), for the fleet-wide run."""
    return split_blocks(job_blocks(project))[1]


def transmissor(*args: str) -> str:
    return shlex.join([TRANSMISSOR, *args])


def step(ibge: str, name: str) -> str:
    """One município, one step; Airflow does the retrying (and the pools the bounding)."""
    options = ["--retries", "0", "--parallel", "1", "--timeout", str(TIMEOUT)]
    return transmissor("run", "--municipio", ibge, "--step", name, *options, "--trigger", "airflow")


with DAG(
    dag_id="transmissor_fleet",
    description="Daily transmission of every município's PEC into the banco analítico",
    # 06:00 in São Paulo, as the Meltano schedule (09:00 UTC); the deadline is 13:00.
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="America/Sao_Paulo"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
        "cwd": str(PROJECT),
        "env": {"MELTANO_PROJECT_ROOT": str(PROJECT)},
        "append_env": True,
    },
    tags=["transmissor", "meltano", "dbt"],
    doc_md=__doc__,
) as dag:
    groups = []
    for ibge, nome, uf in municipios(PROJECT):
        with TaskGroup(group_id=f"m_{ibge}", tooltip=f"{nome}/{uf} ({ibge})") as group:
            extract_load = BashOperator(
                task_id="extract_load",
                bash_command=step(ibge, "extract-load"),
                pool=POOL,
                execution_timeout=timedelta(seconds=TIMEOUT + 300),
            )
            if DBT == "each":
                dbt = BashOperator(
                    task_id="dbt",
                    bash_command=step(ibge, "transform"),
                    pool=DBT_POOL,
                    execution_timeout=timedelta(seconds=TIMEOUT + 300),
                )
                extract_load >> dbt
        groups.append(group)

    fleet_steps = []
    if DBT == "once":
        fleet_dbt = BashOperator(
            task_id="fleet_dbt",
            # Every município's dbt at once: the job's dbt tasks with MUNICIPIO_IBGE unset.
            bash_command=shlex.join([MELTANO, "--environment=frota", "run", *dbt_blocks(PROJECT)]),
            pool=DBT_POOL,
            trigger_rule="all_done",
        )
        fleet_steps.append(fleet_dbt)
    fleet_status = BashOperator(
        task_id="fleet_status",
        bash_command=transmissor("status", "--format", "table", "--tables"),
        trigger_rule="all_done",
        retries=0,
    )
    fleet_steps.append(fleet_status)
    for upstream, downstream in itertools.pairwise(fleet_steps):
        upstream >> downstream
    for group in groups:
        group >> fleet_steps[0]
