"""A warehouse loaded with an older contract, upgraded, equals a fresh load row by row.

Three municipalities read the same sandbox PEC. Two are loaded with an older contract: FAI
without its blood pressure, tb_fat_cidadao_pec without the gender identity, and neither
tb_fat_proced_atend nor the team types. The project then moves to the current contract: the
first município's next transmissão adds the raw columns and re-reads the tables its rows lack
them in, and must equal the third município, loaded fresh with the current contract, on every
contract column of every table; the second keeps its rows without the new values until its
own transmissão, which then converges too.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.project import PROJECT_ROOT, ProjectCopy
from tests.test_firstload_e2e import difference
from tests.test_transmission_e2e import assert_converged
from transmissor.dev.localpg import LocalPostgres

pytestmark = pytest.mark.e2e

FIRST, SECOND, FRESH = "2927408", "3304557", "2611606"  # Salvador, Rio de Janeiro, Recife
OLD_CONTRACT_LACKS = {
    "tb_fat_atendimento_individual": ["nu_pressao_sistolica", "nu_pressao_diastolica"],
    "tb_fat_cidadao_pec": ["co_dim_identidade_genero"],
}
OLD_CONTRACT_TABLES_LACKING = ("tb_fat_proced_atend", "tb_equipe", "tb_tipo_equipe")


def _write_contract(project: ProjectCopy, old: bool) -> None:
    """The project's contract and the files generated from it, or the older contract."""
    shutil.copytree(PROJECT_ROOT / "extract", project.root / "extract", dirs_exist_ok=True)
    sources = Path("transform/models/staging/pec/_pec__sources.yml")
    shutil.copy2(PROJECT_ROOT / sources, project.root / sources)
    if not old:
        return
    path = project.root / "extract" / "contract.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    tables = [t for t in document["tables"] if t["name"] not in OLD_CONTRACT_TABLES_LACKING]
    for table in tables:
        lacks = OLD_CONTRACT_LACKS.get(table["name"], [])
        table["columns"] = [c for c in table["columns"] if c not in lacks]
    document["tables"] = tables
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    done = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "transmissor"), "contract", "render"],
        env=project.process_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _transmit(project: ProjectCopy, ibge: str) -> str:
    """The loading part of the daily job (dbt needs the current contract's columns), without
    the preflight, which rightly refuses to read another município's PEC."""
    result = project.meltano(
        ["run", "transmissor:first-load", "transmissor:snapshot", "tap-pec", "target-postgres"],
        environment=ibge,
    )
    assert result.ok, result.output[-3000:]
    return result.output


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("upgrade"), pg_server)
    url = project.add_municipio(FIRST, citizens=250, seed=61)
    project.register(SECOND, url)
    project.register(FRESH, url)
    _write_contract(project, old=True)
    _transmit(project, FIRST)
    _transmit(project, SECOND)
    _write_contract(project, old=False)
    yield project


def test_an_upgraded_municipio_equals_a_fresh_load_and_the_other_waits_its_turn(
    project: ProjectCopy,
) -> None:
    contract = project.contract()
    with project.warehouse() as conn:
        before = conn.execute(
            "select count(*) from raw_pec.tb_fat_atendimento_individual "
            "where co_municipio_ibge = %s",
            (FIRST,),
        ).fetchone()[0]
    assert before > 100

    upgraded = _transmit(project, FIRST)
    assert "added the contract's new columns nu_pressao_sistolica" in upgraded
    assert "tb_fat_atendimento_individual" in upgraded and "read again" in upgraded
    _transmit(project, FRESH)
    for table in contract.tables:
        assert difference(project, table.name, list(table.columns), FIRST, FRESH) == 0, table.name
    assert_converged(project, FIRST)

    # The second município still has its rows of before: the new values wait for its turn.
    fai = contract.table("tb_fat_atendimento_individual")
    assert difference(project, fai.name, list(fai.columns), SECOND, FRESH) > 0
    _transmit(project, SECOND)
    for table in contract.tables:
        assert difference(project, table.name, list(table.columns), SECOND, FRESH) == 0, table.name

    # Nothing is re-read once every table has the contract's columns.
    again = _transmit(project, FIRST)
    assert "read again" not in again
    assert "nothing to copy" in again
