"""The Airflow DAG: it loads in a DagBag with one task group per município, and `dag.test()`
runs one sandbox município end to end.

Airflow lives in its own virtual environment (`make airflow-setup`: .local/airflow/venv,
pinned by orchestrate/airflow/constraints.txt), so these tests drive it in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.project import ProjectCopy
from transmissor.dev.localpg import LocalPostgres
from transmissor.municipios import environments

pytestmark = pytest.mark.e2e

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AIRFLOW_VENV = PROJECT_ROOT / ".local" / "airflow" / "venv"
DAGS = PROJECT_ROOT / "orchestrate" / "airflow" / "dags"

LOAD = f"""
import json
from airflow.dag_processing.dagbag import DagBag
bag = DagBag({str(DAGS)!r}, safe_mode=False)
dag = bag.get_dag("transmissor_fleet")
print("RESULT " + json.dumps({{
    "errors": {{k: str(v) for k, v in bag.import_errors.items()}},
    "groups": sorted(k for k, v in dag.task_group.children.items() if hasattr(v, "children")),
    "tasks": {{t.task_id: {{"pool": t.pool, "retries": t.retries, "bash": t.bash_command,
               "upstream": sorted(t.upstream_task_ids),
               "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule))}}
              for t in dag.tasks}},
}}))
"""

TEST = f"""
import json
from airflow.dag_processing.dagbag import DagBag
dag = DagBag({str(DAGS)!r}, safe_mode=False).get_dag("transmissor_fleet")
run = dag.test()
print("RESULT " + json.dumps({{"state": str(run.state)}}))
"""


def airflow_env(home: Path, base: dict[str, str], project: Path) -> dict[str, str]:
    return {
        **base,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "TRANSMISSOR_PROJECT_ROOT": str(project),
        "TRANSMISSOR_RETRIES": "0",
        "TRANSMISSOR_TIMEOUT": "600",
    }


def airflow(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    python = AIRFLOW_VENV / "bin" / "python"
    if not python.exists():
        pytest.fail(f"Airflow is not installed in {AIRFLOW_VENV}: run `make airflow-setup`")
    completed = subprocess.run(
        [str(python), *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-5000:]
    return output


def result(output: str) -> dict:
    (line,) = [line for line in output.splitlines() if line.startswith("RESULT ")]
    return json.loads(line.removeprefix("RESULT "))


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow")
    env = airflow_env(home, dict(os.environ), PROJECT_ROOT)
    cli = str(AIRFLOW_VENV / "bin" / "airflow")
    airflow(env, cli, "db", "migrate")
    airflow(env, cli, "pools", "set", "transmissor", "4", "extract-loads at once")
    airflow(env, cli, "pools", "set", "transmissor_dbt", "1", "dbt, one município at a time")
    return home


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    yield ProjectCopy.create(tmp_path_factory.mktemp("airflow-project"), pg_server, deployed=True)


def test_the_dag_loads_with_one_task_group_per_municipio(
    airflow_home: Path, tmp_path: Path
) -> None:
    root = tmp_path / "project"
    for code in ("2611533", "1200401", "3509502"):
        environments.add(root, code, "10.0.0.1", 5432, f"pec_{code}", "transmissor")
    (root / "orchestrate").symlink_to(PROJECT_ROOT / "orchestrate")
    loaded = result(airflow(airflow_env(airflow_home, dict(os.environ), root), "-c", LOAD))
    assert loaded["errors"] == {}
    assert loaded["groups"] == ["m_1200401", "m_2611533", "m_3509502"]
    tasks = loaded["tasks"]
    el, dbt = tasks["m_2611533.extract_load"], tasks["m_2611533.dbt"]
    assert el["pool"] == "transmissor" and dbt["pool"] == "transmissor_dbt"
    assert "--municipio 2611533 --step extract-load" in el["bash"]
    assert "--step transform" in dbt["bash"]
    assert dbt["upstream"] == ["m_2611533.extract_load"]
    status = tasks["fleet_status"]
    assert status["upstream"] == sorted(f"m_{c}.dbt" for c in ("1200401", "2611533", "3509502"))
    assert status["trigger_rule"] == "all_done"


def test_dag_test_runs_a_sandbox_municipio_end_to_end(
    airflow_home: Path, project: ProjectCopy
) -> None:
    ibge = "2611533"
    project.add_municipio(ibge, citizens=100, seed=21)
    env = airflow_env(airflow_home, project.process_env(), project.root)
    output = airflow(env, "-c", TEST, timeout=1200)
    assert result(output)["state"] == "success", output[-5000:]
    with project.warehouse() as conn:
        rows = conn.execute(
            "select status, step, trigger, rows from transmissor.transmissoes where municipio = %s",
            (ibge,),
        ).fetchall()
        loaded = conn.execute(
            "select count(*) from raw_pec.tb_cidadao where co_municipio_ibge = %s", (ibge,)
        ).fetchone()[0]
    assert [(r[0], r[1], r[2]) for r in rows] == [("success", "transform", "airflow")]
    assert rows[0][3]["tb_cidadao"] == loaded > 0
