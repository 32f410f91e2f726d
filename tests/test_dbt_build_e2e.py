"""The daily dbt step skips a município whose rows, models and reference date are unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.project import ProjectCopy
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres
from transmissor.warehouse.dbt_build import project_digest

pytestmark = pytest.mark.e2e

M = "2927408"  # Salvador (BA)
DBT_RAN = "Completed successfully"
SKIPPED = "dbt not run"


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("dbt-build"), pg_server)
    project.add_municipio(M, citizens=200, seed=31)
    yield project


def _job(project: ProjectCopy) -> str:
    result = project.meltano(["run", "transmissao-diaria"], environment=M, timeout=900)
    assert result.ok, result.output[-3000:]
    return result.output


def _marts(project: ProjectCopy) -> dict[str, object]:
    """xmin of the município's mart rows (changes when dbt rewrites them) and their count."""
    with project.warehouse() as conn:
        xmins = conn.execute(
            "select array_agg(xmin::text order by xmin::text), count(*) "
            "from marts.c5_hipertensao where co_municipio_ibge = %s",
            (M,),
        ).fetchone()
        built = conn.execute(
            "select fingerprint from transmissor.dbt_builds where municipio = %s", (M,)
        ).fetchone()
    return {"xmins": xmins[0], "rows": xmins[1], "fingerprint": built and built[0]}


def test_nothing_new_skips_dbt_and_new_rows_rebuild(project: ProjectCopy) -> None:
    first = _job(project)
    assert DBT_RAN in first and SKIPPED not in first
    # Around dbt, in the same task: the first deploy of this new warehouse, then the município's
    # own role for its marts rows.
    assert "dbt project deployed in" in first
    assert f"created role municipio_{M}" in first
    # The município's selection: the raw keys checked by their constraints (one query), not by
    # the 54 key scans of the sources and staging views, nor the IBGE-code pattern tests; the
    # foreign keys, one test per staging model.
    assert "PASS raw_primary_keys_enforced" in first
    assert "source_primary_key_" not in first
    assert "matches_pattern_stg_pec__" not in first
    assert "PASS references_by_municipio_stg_pec__" in first
    built = _marts(project)
    assert built["rows"] > 0 and built["fingerprint"]

    # Nothing new at the source: the load re-sends the dimension tables (full table) and
    # the last row of each incremental table, which changes no content; dbt is skipped.
    again = _job(project)
    assert SKIPPED in again and DBT_RAN not in again
    assert _marts(project) == built

    # A new day at the PEC (new, deleted and re-inserted facts): dbt runs again and
    # rewrites the município's rows.
    sandbox.advance(project.sources[M], days=1, seed=5)
    after = _job(project)
    assert DBT_RAN in after and SKIPPED not in after
    rebuilt = _marts(project)
    assert rebuilt["fingerprint"] != built["fingerprint"]
    assert not set(rebuilt["xmins"]) & set(built["xmins"])


def test_a_changed_model_changes_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    model = tmp_path / "models" / "m.sql"
    model.write_text("select 1\n")
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    before = project_digest(tmp_path)
    assert project_digest(tmp_path) == before
    model.write_text("select 2\n")
    assert project_digest(tmp_path) != before


# A problem recorded under an encounter that is not there (its id negated), and back.
ORPHAN = (
    "update raw_pec.tb_fat_atd_ind_problemas set co_fat_atd_ind = -co_fat_atd_ind "
    "where co_municipio_ibge = %s and co_seq_fat_atend_ind_problemas = (select min("
    "co_seq_fat_atend_ind_problemas) from raw_pec.tb_fat_atd_ind_problemas "
    "where co_municipio_ibge = %s and _sdc_deleted_at is null and co_fat_atd_ind > 0)"
)
RESTORED = (
    "update raw_pec.tb_fat_atd_ind_problemas set co_fat_atd_ind = -co_fat_atd_ind "
    "where co_municipio_ibge = %s and co_fat_atd_ind < 0"
)

UNDATED = (
    "update raw_pec.tb_dim_sexo set _sdc_batched_at = null where co_municipio_ibge = %s "
    "and _sdc_deleted_at is null and co_seq_dim_sexo = (select min(co_seq_dim_sexo) "
    "from raw_pec.tb_dim_sexo where _sdc_deleted_at is null)"
)


def test_the_daily_build_fails_on_an_unenforced_raw_key(project: ProjectCopy) -> None:
    """The raw keys are checked by their constraints (the daily selection leaves out the key
    scans, see above): a build fails when one is gone; and an orphan row warns, naming its
    column, and a row that does not say when it was loaded fails."""
    project.settings["TRANSMISSOR_DBT_ALWAYS"] = "true"
    project.write_env()
    with project.warehouse() as conn:
        marker = "select to_regclass('marts.resumo_qualidade_municipio')"
        if conn.execute(marker).fetchone()[0] is None:
            _job(project)  # this module's first test did not run: deploy through the daily job
    build = ["invoke", "dbt-postgres:build_municipio"]
    try:
        with project.warehouse() as conn:
            conn.execute("alter table raw_pec.tb_dim_sexo drop constraint tb_dim_sexo_pkey")
            # And a problem whose encounter is not there: a warning naming the column.
            conn.execute(ORPHAN, (M, M))
            # And a row that does not say when it was loaded.
            conn.execute(UNDATED, (M,))
        broken = project.meltano(build, environment=M, timeout=900)
        assert not broken.ok
        assert "FAIL 1 raw_primary_keys_enforced" in broken.output
        assert "WARN 1 references_by_municipio_stg_pec__fat_atd_ind_problemas" in broken.output
        assert "FAIL 1 loaded_at_recorded" in broken.output
    finally:
        with project.warehouse() as conn:
            conn.execute(RESTORED, (M,))
            conn.execute(
                "update raw_pec.tb_dim_sexo set _sdc_batched_at = now() "
                "where _sdc_batched_at is null"
            )
            conn.execute(
                "alter table raw_pec.tb_dim_sexo drop constraint if exists tb_dim_sexo_pkey; "
                "alter table raw_pec.tb_dim_sexo "
                "add primary key (co_municipio_ibge, co_seq_dim_sexo)"
            )
        del project.settings["TRANSMISSOR_DBT_ALWAYS"]
        project.write_env()
