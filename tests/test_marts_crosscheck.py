"""The Previne Brasil lists (2022-2024 rules), cross-checked against plain SQL on the PEC.

A project copy with two sandbox municipalities is loaded by the real Meltano pipeline and
transformed by dbt: once fleet-wide (`dbt-postgres:run`, which creates the views and tables,
Previne's included), then by the daily per-município command (`dbt-postgres:build_municipio`,
which also runs the data tests and leaves the Previne models alone). The hypertension and
diabetes lists are then recomputed by hand-written SQL straight on the município's PEC (its
own tables and codes, no dbt model involved), by the rules documented in transform/README.md,
and the marts must hold exactly those people. The quality component's lists (C1-C7) have
their own cross-check, tests/test_qualidade_crosscheck.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from tests.project import REFERENCE_DATE, ProjectCopy
from transmissor.dev.localpg import LocalPostgres

pytestmark = pytest.mark.e2e

A, B = "2611533", "1200401"  # Quixaba (PE) and Rio Branco (AC)
DBT_VARS = ["--vars", f"{{reference_date: '{REFERENCE_DATE.isoformat()}'}}"]
Q_END = date(2026, 12, 31)  # end of REFERENCE_DATE's quadrimester (Q3 2026)

# Plain SQL on the PEC, independent of the dbt models: the person is the PEC's own grouping
# (tb_dim_cidadao_pec_grupo), a person's identifier the smallest tb_fat_cidadao_pec id of
# the group. Dates are YYYYMMDD keys, 30001231 unknown; CBOs are matched by prefix.
PEC_LIST_SQL = """
with recursive
params as (
    select %(r)s::date as r, (%(q)s::date - interval '6 months')::date as inicio
),
grupo as (
    select co_fat_cidadao_pec as fat, coalesce(co_cidadao_master, co_cidadao) as pessoa
    from tb_dim_cidadao_pec_grupo
),
registro as (
    select f.co_seq_fat_cidadao_pec as fat,
           coalesce(min(g.pessoa)::text, 'fat' || f.co_seq_fat_cidadao_pec) as pessoa
    from tb_fat_cidadao_pec f
    left join grupo g on g.fat = f.co_seq_fat_cidadao_pec
    group by f.co_seq_fat_cidadao_pec
),
pessoa as (
    select pessoa, min(fat) as co_pessoa from registro group by pessoa
),
registro_pessoa as (
    select r.fat, p.co_pessoa from registro r join pessoa p using (pessoa)
),
ultimo_cadastro as (
    select distinct on (rp.co_pessoa)
        rp.co_pessoa, c.{flag} as flag, s.nu_identificador as saida
    from tb_fat_cad_individual c
    join registro_pessoa rp on rp.fat = c.co_fat_cidadao_pec
    left join tb_dim_tipo_saida_cadastro s
        on s.co_seq_dim_tipo_saida_cadastro = c.co_dim_tipo_saida_cadastro
    order by rp.co_pessoa, nullif(c.co_dim_tempo, 30001231) desc nulls last,
             c.co_seq_fat_cad_individual desc
),
falecido as (
    select rp.co_pessoa
    from tb_fat_cidadao_pec f
    join registro_pessoa rp on rp.fat = f.co_seq_fat_cidadao_pec
    left join tb_cidadao c on c.co_seq_cidadao = f.co_cidadao
    where f.st_faleceu = 1 or c.st_faleceu = 1 or c.dt_obito is not null
       or c.st_dados_obito_cadsus = 1  -- a death CadSUS sent, without a date
    union
    select co_pessoa from ultimo_cadastro where saida = '135'
),
medico_enfermeiro as (
    select co_seq_dim_cbo from tb_dim_cbo
    where left(nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235')
),
consulta as (
    select rp.co_pessoa, max(to_date(p.co_dim_tempo::text, 'YYYYMMDD')) as dt
    from tb_fat_atd_ind_problemas p
    join registro_pessoa rp on rp.fat = p.co_fat_cidadao_pec
    left join tb_dim_ciap ciap on ciap.co_seq_dim_ciap = p.co_dim_ciap
    left join tb_dim_cid cid on cid.co_seq_dim_cid = p.co_dim_cid
    where p.co_dim_cbo_1 in (select co_seq_dim_cbo from medico_enfermeiro)
      and p.co_dim_tempo <> 30001231
      and to_date(p.co_dim_tempo::text, 'YYYYMMDD') <= (select r from params)
      and ({condition})
    group by rp.co_pessoa
),
seguimento as (
    {follow_up}
),
lista as (
    select p.co_pessoa from pessoa p
    left join ultimo_cadastro u on u.co_pessoa = p.co_pessoa
    where (u.flag = 1 or p.co_pessoa in (select co_pessoa from consulta))
      and p.co_pessoa not in (select co_pessoa from falecido)
)
select l.co_pessoa,
       coalesce(c.dt >= params.inicio and s.dt >= params.inicio, false) as numerador
from lista l
cross join params
left join consulta c on c.co_pessoa = l.co_pessoa
left join seguimento s on s.co_pessoa = l.co_pessoa
"""

HYPERTENSION = {
    "flag": "st_hipertensao_arterial",
    "condition": (
        "ciap.nu_ciap in ('K86', 'K87', 'ABP005') or cid.nu_cid in ('I10', 'I11', 'I110', "
        "'I119', 'I12', 'I120', 'I129', 'I13', 'I130', 'I131', 'I132', 'I139', 'I15', 'I150', "
        "'I151', 'I152', 'I158', 'I159', 'O10', 'O100', 'O101', 'O102', 'O103', 'O104', "
        "'O109', 'O11')"
    ),
    # Blood pressure performed by médico, enfermeiro or técnico/auxiliar de enfermagem
    # (3222, except the técnico em ACS 322255).
    "follow_up": """
        select rp.co_pessoa, max(to_date(pa.co_dim_tempo::text, 'YYYYMMDD')) as dt
        from tb_fat_proced_atend_proced pa
        join registro_pessoa rp on rp.fat = pa.co_fat_cidadao_pec
        join tb_dim_procedimento d on d.co_seq_dim_procedimento = pa.co_dim_procedimento
        join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = pa.co_dim_cbo
        where d.co_proced in ('0301100039', 'ABPG033')
          and (left(cbo.nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235')
               or (left(cbo.nu_cbo, 4) = '3222' and cbo.nu_cbo <> '322255'))
          and pa.co_dim_tempo <> 30001231
          and to_date(pa.co_dim_tempo::text, 'YYYYMMDD') <= (select r from params)
        group by rp.co_pessoa
    """,
}

DIABETES = {
    "flag": "st_diabete",
    "condition": (
        "ciap.nu_ciap in ('T89', 'T90', 'ABP006') or left(cid.nu_cid, 3) in "
        "('E10', 'E11', 'E12', 'E13', 'E14') or cid.nu_cid in ('O240', 'O241', 'O242', 'O243')"
    ),
    # HbA1c requested by médico or enfermeiro.
    "follow_up": """
        select rp.co_pessoa, max(to_date(x.co_dim_tempo::text, 'YYYYMMDD')) as dt
        from tb_fat_atd_ind_procedimentos x
        join registro_pessoa rp on rp.fat = x.co_fat_cidadao_pec
        join tb_dim_procedimento d on d.co_seq_dim_procedimento = x.co_dim_procedimento_solicitado
        where d.co_proced in ('0202010503', 'ABEX008')
          and x.co_dim_cbo_1 in (select co_seq_dim_cbo from medico_enfermeiro)
          and x.co_dim_tempo <> 30001231
          and to_date(x.co_dim_tempo::text, 'YYYYMMDD') <= (select r from params)
        group by rp.co_pessoa
    """,
}


@pytest.fixture(scope="module")
def project(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("marts"), pg_server)
    project.add_municipio(A, citizens=400, seed=21)
    project.add_municipio(B, citizens=200, seed=22)
    project.el(A)
    project.el(B)
    result = project.meltano(["invoke", "dbt-postgres:run", *DBT_VARS], timeout=900)
    assert result.ok, result.output[-3000:]
    yield project


def _pec_list(project: ProjectCopy, ibge: str, rule: dict[str, str]) -> dict[int, bool]:
    query = PEC_LIST_SQL.format(**rule)
    with psycopg.connect(project.sources[ibge]) as conn:
        rows = conn.execute(query, {"r": REFERENCE_DATE, "q": Q_END}).fetchall()
    return {int(co_pessoa): bool(numerador) for co_pessoa, numerador in rows}


def _mart(project: ProjectCopy, ibge: str, mart: str) -> dict[int, bool]:
    with project.warehouse() as conn:
        rows = conn.execute(
            f"select co_pessoa, is_numerador from marts.{mart} where co_municipio_ibge = %s",
            (ibge,),
        ).fetchall()
    return {int(co_pessoa): bool(numerador) for co_pessoa, numerador in rows}


def _edge_cases(project: ProjectCopy, ibge: str) -> dict[str, int]:
    with psycopg.connect(project.sources[ibge]) as conn:
        rows = conn.execute("select case_name, co_fat_cidadao_pec from sandbox.edge_case")
        return dict(rows.fetchall())


def _xmins(project: ProjectCopy, ibge: str) -> set[str]:
    with project.warehouse() as conn:
        rows = conn.execute(
            "select xmin::text from marts.c5_hipertensao where co_municipio_ibge = %s",
            (ibge,),
        ).fetchall()
    return {row[0] for row in rows}


def test_daily_build_of_one_municipio_rewrites_only_its_rows(project: ProjectCopy) -> None:
    before_a, before_b = _xmins(project, A), _xmins(project, B)
    result = project.meltano(
        ["invoke", "dbt-postgres:build_municipio", *DBT_VARS], environment=A, timeout=900
    )
    assert result.ok, result.output[-3000:]
    assert before_a and before_b
    assert not (_xmins(project, A) & before_a), "A's rows were not recomputed"
    assert _xmins(project, B) == before_b, "B's rows changed in A's daily build"


@pytest.mark.parametrize(
    ("mart", "rule"),
    [
        pytest.param("previne_lista_nominal_hipertensos", HYPERTENSION, id="hipertensos"),
        pytest.param("previne_lista_nominal_diabeticos", DIABETES, id="diabeticos"),
    ],
)
def test_lists_hold_exactly_the_people_of_plain_sql_on_the_pec(
    project: ProjectCopy, mart: str, rule: dict[str, str]
) -> None:
    for ibge in (A, B):
        expected = _pec_list(project, ibge, rule)
        actual = _mart(project, ibge, mart)
        assert len(expected) > 10
        missing = sorted(set(expected) - set(actual))
        extra = sorted(set(actual) - set(expected))
        assert not missing and not extra, f"{ibge} {mart}: missing {missing}, extra {extra}"
        differing = sorted(p for p in expected if expected[p] != actual[p])
        assert not differing, f"{ibge} {mart}: numerator differs for {differing}"
        assert 0 < sum(actual.values()) < len(actual)


def test_scripted_edge_cases_land_where_the_rules_put_them(project: ProjectCopy) -> None:
    case = _edge_cases(project, A)
    has = _mart(project, A, "previne_lista_nominal_hipertensos")
    dm = _mart(project, A, "previne_lista_nominal_diabeticos")
    # person = smallest tb_fat_cidadao_pec id of the person; the scripted duplicates' second
    # rows have higher ids, so the first row's id is the person.
    assert has[case["has_pa_6m_exato"]] is True
    assert has[case["has_pa_6m_mais_1d"]] is False
    assert has[case["has_pa_tecnico_ab"]] is True
    assert has[case["has_duplicado"]] is True  # problem on one record, PA on the other
    assert has[case["has_pa_tardio"]] is True  # late-arriving PA row
    assert has[case["has_sem_pa"]] is False
    assert has[case["has_autorreferida"]] is False  # in the list by self-report only
    for absent in ("has_cbo_outro", "has_falecida", "has_autorreferida_revogada"):
        assert case[absent] not in has, absent
    assert dm[case["dm_hba1c_solicitada"]] is True
    assert dm[case["dm_hba1c_abex008"]] is True
    assert dm[case["dm_hba1c_6m_exato"]] is True
    assert dm[case["dm_hba1c_avaliada"]] is False
    assert dm[case["dm_hba1c_6m_mais_1d"]] is False
    assert dm[case["dm_autorreferida"]] is False
    assert case["dm_cbo_outro"] not in dm
    with project.warehouse() as conn:
        summary = conn.execute(
            "select nu_lista_hipertensos, nu_lista_diabeticos, pc_indicador_6, pc_indicador_7 "
            "from marts.previne_resumo_municipio where co_municipio_ibge = %s",
            (A,),
        ).fetchone()
        persons = conn.execute(
            "select count(*) from intermediate.int_cidadaos_unificados "
            "where co_municipio_ibge = %s and co_pessoa in (%s, %s) "
            "group by co_pessoa",
            (A, case["duplicado_sem_cns"], case["has_duplicado"]),
        ).fetchall()
    assert summary[0] == len(has) and summary[1] == len(dm)
    assert float(summary[2]) == round(100 * sum(has.values()) / len(has), 1)
    assert [row[0] for row in persons] == [2, 2]  # each duplicate: one person, two records
