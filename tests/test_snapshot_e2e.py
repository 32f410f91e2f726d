"""Full-table tables by COPY: new and changed rows written, vanished ones marked, the rest kept."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.project import ProjectCopy
from tests.test_transmission_e2e import assert_converged
from transmissor.dev.localpg import LocalPostgres

pytestmark = [pytest.mark.e2e, pytest.mark.warehouse_versions]

M = "3106200"  # Belo Horizonte (MG)
PEOPLE = "tb_fat_cidadao_pec"
GROUPS = "tb_dim_cidadao_pec_grupo"


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("snapshot"), pg_server)
    project.add_municipio(M, citizens=200, seed=41)
    project.el(M)
    yield project


def _snapshot(project: ProjectCopy) -> str:
    result = project.meltano(["invoke", "transmissor", "snapshot"], environment=M)
    assert result.ok, result.output[-3000:]
    return result.output


def _xmins(project: ProjectCopy, table: str, key: str) -> dict[int, str]:
    with project.warehouse() as conn:
        rows = conn.execute(
            f"select {key}, xmin::text from raw_pec.{table} where co_municipio_ibge = %s",
            (M,),
        ).fetchall()
    return dict(rows)


def test_the_first_transmission_loaded_every_full_table_table(project: ProjectCopy) -> None:
    assert_converged(project, M)
    assert "0 written, 0 marked deleted" in _snapshot(project)


def test_only_changed_new_and_vanished_rows_are_written(project: ProjectCopy) -> None:
    before = _xmins(project, PEOPLE, "co_seq_fat_cidadao_pec")
    with psycopg.connect(project.sources[M], autocommit=True) as conn:
        changed = conn.execute(
            "update tb_fat_cidadao_pec set st_faleceu = 1 - coalesce(st_faleceu, 0) "
            "where co_seq_fat_cidadao_pec = (select min(co_seq_fat_cidadao_pec) "
            "from tb_fat_cidadao_pec) returning co_seq_fat_cidadao_pec"
        ).fetchone()[0]
        gone = conn.execute(
            "delete from tb_dim_cidadao_pec_grupo where co_seq_dim_cidadao_pec_grupo = "
            "(select max(co_seq_dim_cidadao_pec_grupo) from tb_dim_cidadao_pec_grupo) "
            "returning co_seq_dim_cidadao_pec_grupo"
        ).fetchone()[0]
        conn.execute(
            "insert into tb_dim_cidadao_pec_grupo (co_seq_dim_cidadao_pec_grupo, "
            "co_identificacao, tp_identificacao, co_fat_cidadao_pec, co_cidadao, "
            "co_cidadao_master) select %s, co_identificacao, tp_identificacao, "
            "co_fat_cidadao_pec, co_cidadao, co_cidadao_master from tb_dim_cidadao_pec_grupo "
            "where co_seq_dim_cidadao_pec_grupo = (select min(co_seq_dim_cidadao_pec_grupo) "
            "from tb_dim_cidadao_pec_grupo)",
            (gone + 1000,),
        )

    output = _snapshot(project)
    assert f"{PEOPLE} +1/-0" in output and f"{GROUPS} +1/-1" in output
    assert "2 written, 1 marked deleted" in output
    assert_converged(project, M)

    after = _xmins(project, PEOPLE, "co_seq_fat_cidadao_pec")
    rewritten = {k for k in before if after[k] != before[k]}
    assert rewritten == {changed}, "unchanged rows must not be rewritten"
    with project.warehouse() as conn:
        marked = conn.execute(
            "select _sdc_deleted_at is not null from raw_pec.tb_dim_cidadao_pec_grupo "
            "where co_municipio_ibge = %s and co_seq_dim_cidadao_pec_grupo = %s",
            (M, gone),
        ).fetchone()[0]
    assert marked, "a row gone from the source is kept, marked deleted"

    assert "0 written, 0 marked deleted" in _snapshot(project)
