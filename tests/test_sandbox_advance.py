"""`sandbox.advance`: what it reports is exactly what changed in the database."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest

from transmissor.dev.sandbox import advance, create
from transmissor.dev.sandbox.dates import key
from transmissor.dev.sandbox.reference import load

IBGE = "2927408"
REFERENCE = date(2024, 8, 20)
DAYS = 30


def snapshot(url: str) -> dict[str, dict[int, str]]:
    """Primary key -> md5 of the row, for every public table."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in load().values():
            pk = table.primary_key
            out[table.name] = dict(
                conn.execute(f"SELECT t.{pk}, md5(t::text) FROM public.{table.name} t").fetchall()
            )
    return out


@pytest.fixture(scope="module")
def advanced(pg_server):
    url = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    create(url, IBGE, citizens=500, seed=7, reference_date=REFERENCE)
    before = snapshot(url)
    with psycopg.connect(url) as conn:
        dt_atualizado = dict(conn.execute("SELECT co_seq_cidadao, dt_atualizado FROM tb_cidadao"))
    changes = advance(url, DAYS)
    return url, before, dt_atualizado, changes, snapshot(url)


def test_reported_changes_are_exact(advanced) -> None:
    _, before, _, changes, after = advanced
    for table in load():
        old, new = before[table], after[table]
        inserted = len(new.keys() - old.keys())
        deleted = len(old.keys() - new.keys())
        updated = sum(1 for k in old.keys() & new.keys() if old[k] != new[k])
        reported = changes.get(table)
        got = (reported.inserted, reported.updated, reported.deleted) if reported else (0, 0, 0)
        assert got == (inserted, updated, deleted), table


def test_a_realistic_night(advanced) -> None:
    url, before, dt_atualizado, changes, after = advanced
    for table in (
        "tb_fat_atendimento_individual",
        "tb_fat_atd_ind_problemas",
        "tb_fat_proced_atend_proced",
        "tb_fat_visita_domiciliar",
        "tb_fat_cad_individual",
        "tb_fat_cidadao_pec",
        "tb_cidadao",
    ):
        assert changes[table].inserted > 0, table
    for table in ("tb_fat_cidadao_pec", "tb_cidadao", "tb_cds_cad_individual"):
        assert changes[table].updated > 0, table
    # reprocessing: recent encounters and procedures deleted, re-inserted under higher ids
    for table in (
        "tb_fat_atendimento_individual",
        "tb_fat_atd_ind_problemas",
        "tb_fat_proced_atend_proced",
    ):
        assert changes[table].deleted > 0, table
        assert min(after[table].keys() - before[table].keys()) > max(before[table]), table
    with psycopg.connect(url) as conn:
        deleted = sorted(
            before["tb_fat_atendimento_individual"].keys()
            - after["tb_fat_atendimento_individual"].keys()
        )
        assert conn.execute("SELECT current_date_ FROM sandbox.state").fetchone()[
            0
        ] == REFERENCE + timedelta(days=DAYS)
        # the children of re-inserted encounters point to the new headers
        assert (
            conn.execute(
                "SELECT count(*) FROM tb_fat_atd_ind_problemas WHERE co_fat_atd_ind = ANY(%s)",
                (deleted,),
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM tb_fat_atd_ind_problemas p WHERE NOT EXISTS (SELECT 1 FROM "
                "tb_fat_atendimento_individual h WHERE h.co_seq_fat_atd_ind = p.co_fat_atd_ind)"
            ).fetchone()[0]
            == 0
        )
        # late facts: new ids with a clinical date before the days just simulated
        late = 0
        for table in ("tb_fat_visita_domiciliar", "tb_fat_proced_atend"):
            pk = load()[table].primary_key
            late += conn.execute(
                f"SELECT count(*) FROM {table} WHERE {pk} > %s AND co_dim_tempo <= %s",
                (max(before[table]), key(REFERENCE)),
            ).fetchone()[0]
        assert late > 0
        # tb_cidadao.dt_atualizado moves forward to the simulated days
        changed = [
            k
            for k in before["tb_cidadao"].keys() & after["tb_cidadao"].keys()
            if before["tb_cidadao"][k] != after["tb_cidadao"][k]
        ]
        now = dict(
            conn.execute(
                "SELECT co_seq_cidadao, dt_atualizado FROM tb_cidadao "
                "WHERE co_seq_cidadao = ANY(%s)",
                (changed,),
            )
        )
        assert changed and all(now[k] > dt_atualizado[k] for k in changed)
        assert all(now[k].date() > REFERENCE for k in changed)
        # the dimension of time still reaches two years ahead
        assert conn.execute(
            "SELECT max(co_seq_dim_tempo) FROM tb_dim_tempo WHERE nu_ano < 3000"
        ).fetchone()[0] == key(date(2026, 9, 19))
        # every FK still holds (constraints are immediate) and one version is current
        assert (
            conn.execute(
                "SELECT count(*) FROM (SELECT co_fat_cidadao_pec FROM tb_fat_cad_individual f "
                "JOIN tb_cds_cad_individual c ON c.co_unico_ficha = f.nu_uuid_ficha "
                "WHERE c.st_versao_atual = 1 GROUP BY 1 HAVING count(*) > 1) x"
            ).fetchone()[0]
            == 0
        )


def test_advance_is_deterministic(pg_server, advanced) -> None:
    _, _, _, changes, after = advanced
    twin = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    create(twin, IBGE, citizens=500, seed=7, reference_date=REFERENCE)
    assert advance(twin, DAYS) == changes
    assert snapshot(twin) == after
    again = advance(twin, 2)
    assert again["tb_dim_tempo"].inserted == 2
