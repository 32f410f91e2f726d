"""Reconciliation against real sandboxes: deletions and reprocessing marked, gaps re-synced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.project import ProjectCopy
from tests.test_transmission_e2e import assert_converged
from transmissor.dev import sandbox
from transmissor.dev.localpg import LocalPostgres

pytestmark = pytest.mark.e2e

M = "2304400"  # Fortaleza (CE)


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("reconcile"), pg_server, deployed=True)
    project.add_municipio(M, citizens=250, seed=21)
    project.el(M)
    yield project


def _reconcile(project: ProjectCopy, *args: str) -> str:
    result = project.meltano(["invoke", "transmissor", "reconcile", "--municipio", M, *args])
    assert result.ok, result.output[-2000:]
    return result.output


def test_reprocessed_facts_are_marked_deleted_and_their_new_ids_loaded(
    project: ProjectCopy,
) -> None:
    changes = sandbox.advance(project.sources[M], days=1, seed=3)
    deleted = {table: c.deleted for table, c in changes.items() if c.deleted}
    assert deleted
    project.el(M)
    # Before reconciliation the deleted rows are still live in the banco analítico.
    table = next(iter(deleted))
    key = project.contract().table(table).primary_key[0]
    assert (
        len(project.warehouse_keys(M, table, key))
        == len(project.source_snapshot(M, table, key)) + deleted[table]
    )
    output = _reconcile(project, "--days", "93")
    assert f"{sum(deleted.values())} rows marked deleted" in output
    assert_converged(project, M)
    # Marked, not erased: the rows stay, flagged with the time they were found gone.
    assert len(project.warehouse_keys(M, table, key, live=False)) > len(
        project.warehouse_keys(M, table, key)
    )


def test_a_gap_below_the_bookmark_is_resynced_by_the_next_transmission(
    project: ProjectCopy,
) -> None:
    # A row committed late with a key below the bookmark never reaches the warehouse:
    # simulate it by removing two old rows from the warehouse.
    table, key = "tb_fat_visita_domiciliar", "co_seq_fat_visita_domiciliar"
    keys = project.warehouse_keys(M, table, key)
    lost = [keys[3], keys[len(keys) // 2]]
    with project.warehouse() as conn:
        conn.execute(
            "delete from raw_pec.tb_fat_visita_domiciliar "
            "where co_municipio_ibge = %s and co_seq_fat_visita_domiciliar = any(%s)",
            (M, lost),
        )
    output = _reconcile(project)
    assert "2 missing" in output and "bookmarks rewound for tb_fat_visita_domiciliar" in output
    project.el(M)
    assert set(lost) <= set(project.warehouse_keys(M, table, key))
    assert_converged(project, M)
    assert "0 rows marked deleted, 0 missing" in _reconcile(project)


def test_since_limits_the_months_compared(project: ProjectCopy) -> None:
    table, key = "tb_fat_atd_ind_problemas", "co_seq_fat_atend_ind_problemas"
    oldest = min(project.source_snapshot(M, table, key))
    with project.warehouse() as conn:
        conn.execute(
            "update raw_pec.tb_fat_atd_ind_problemas set _sdc_deleted_at = now() "
            "where co_municipio_ibge = %s and co_seq_fat_atend_ind_problemas = %s",
            (M, oldest),
        )
    # The row is years old: a reconciliation of the last months does not look at it...
    assert "0 rows marked deleted, 0 missing" in _reconcile(project, "--days", "60")
    # ...the weekly one, over every month, finds it and has it re-read.
    assert "1 missing" in _reconcile(project)
    project.el(M)
    assert_converged(project, M)
