"""The quality marts (C1-C7), cross-checked person by person against plain SQL on the PEC.

One sandbox município (a few hundred random citizens plus the scripted people of
`transmissor.dev.sandbox.cases`) is loaded by the daily job's tasks, its build pinned to the
reference date R; the marts' list of R's competência, denominator flags and points must then
equal what `tests/qualidade_pec.py` computes straight on the banco do município by the rules of
transform/models/marts/qualidade/_qualidade__docs.md (no dbt model involved), for every
person (C2, C6, C7) and every gestation (C3). A second test holds every scripted person of
C1-C7 to the expectation recorded with it in `sandbox.edge_case`; a third checks, on the
sandbox alone, that the plain SQL itself gives those expectations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from tests import qualidade_pec
from tests.project import EXTRACT_LOAD_TASKS, REFERENCE_DATE, ProjectCopy
from transmissor.dev.localpg import LocalPostgres

pytestmark = pytest.mark.e2e

IBGE = "2611533"  # Quixaba (PE)
CITIZENS = 300
DBT_VARS = ["--vars", f"{{reference_date: '{REFERENCE_DATE.isoformat()}'}}"]
COMPETENCIA = REFERENCE_DATE.replace(day=1)
# The marts of the quality component, one row per person (C3: per gestation) x competência,
# keyed by co_municipio_ibge, dt_competencia, co_pessoa (+ dt_dum for C3). C1 is per team:
# its monthly result vl_resultado (0-100) per nu_ine. C4/C5 and C1 are named here as the
# lead's marts are expected to be; this table is the one place to adjust.
MARTS = {
    "C1": "marts.c1_mais_acesso",
    "C2": "marts.c2_desenvolvimento_infantil",
    "C3": "marts.c3_gestacao_puerperio",
    "C4": "marts.c4_diabetes",
    "C5": "marts.c5_hipertensao",
    "C6": "marts.c6_pessoa_idosa",
    "C7": "marts.c7_prevencao_cancer",
}
CROSSCHECKED = ("C2", "C3", "C6", "C7")

Key = tuple[int, date | None]


@pytest.fixture(scope="module")
def pec(pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    """A project copy with one sandbox município, not loaded yet."""
    project = ProjectCopy.create(tmp_path_factory.mktemp("qualidade"), pg_server, deployed=True)
    project.add_municipio(IBGE, citizens=CITIZENS, seed=13)
    return project


@pytest.fixture(scope="module")
def loaded(pec: ProjectCopy) -> Iterator[ProjectCopy]:
    """The daily job's extract-load tasks, then its dbt task pinned to R (the job's own
    build would use today: a build more, for nothing)."""
    result = pec.meltano(["run", *EXTRACT_LOAD_TASKS], environment=IBGE, timeout=1200)
    assert result.ok, result.output[-3000:]
    result = pec.meltano(
        ["invoke", "dbt-postgres:build_municipio", *DBT_VARS], environment=IBGE, timeout=900
    )
    assert result.ok, result.output[-3000:]
    yield pec


def _source(project: ProjectCopy) -> psycopg.Connection:
    return psycopg.connect(project.sources[IBGE])


def _mart(project: ProjectCopy, indicator: str) -> dict[Key, tuple]:
    """key -> (is_denominador, vl_pontos, vl_pontos_possiveis) of R's competência."""
    dum = "dt_dum" if indicator == "C3" else "null::date"
    possible = "vl_pontos_possiveis" if indicator == "C7" else "null::numeric"
    with project.warehouse() as conn:
        rows = conn.execute(
            f"select co_pessoa, {dum}, is_denominador, vl_pontos, {possible} "
            f"from {MARTS[indicator]} where co_municipio_ibge = %s and dt_competencia = %s",
            (IBGE, COMPETENCIA),
        ).fetchall()
    return {
        (int(pessoa), dt): (bool(den), Decimal(points), None if pos is None else Decimal(pos))
        for pessoa, dt, den, points, pos in rows
    }


def _edge_cases(project: ProjectCopy) -> list[tuple]:
    with _source(project) as conn:
        return conn.execute(
            "select case_name, indicator, co_fat_cidadao_pec, expected_in_list, "
            "expected_denominator, expected_points, expected_possible, expected_dum, "
            "expected_practices, expectation from sandbox.edge_case "
            "where indicator ~ '^C[1-7]$' order by indicator, case_name"
        ).fetchall()


@pytest.mark.parametrize("indicator", CROSSCHECKED)
def test_every_person_and_their_points_match_plain_sql_on_the_pec(
    loaded: ProjectCopy, indicator: str
) -> None:
    with _source(loaded) as conn:
        expected = qualidade_pec.person_results(conn, indicator, REFERENCE_DATE)
    actual = _mart(loaded, indicator)
    assert len(expected) > 20, "the sandbox should put people in every list"
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    differing = [
        (key, expected[key], actual[key])
        for key in sorted(set(expected) & set(actual))
        if (expected[key].is_denominador, Decimal(expected[key].vl_pontos)) != actual[key][:2]
        or (
            indicator == "C7"
            and Decimal(expected[key].vl_pontos_possiveis or 0) != (actual[key][2] or 0)
        )
    ]
    assert not missing and not extra and not differing, (
        f"{indicator}: missing {missing[:20]}, extra {extra[:20]}, "
        f"differing (key, plain SQL, mart) {differing[:20]}"
    )
    # the list is not trivial: someone in and someone out of the denominator, points vary
    assert any(row.is_denominador for row in expected.values())
    assert len({row.vl_pontos for row in expected.values()}) > 2


def test_scripted_people_land_where_their_expectations_put_them(loaded: ProjectCopy) -> None:
    cases = _edge_cases(loaded)
    marts = {ind: _mart(loaded, ind) for ind in MARTS if ind != "C1"}
    wrong = []
    for name, ind, pessoa, in_list, den, points, possible, dum, practices, text in cases:
        if ind == "C1":
            continue
        row = marts[ind].get((pessoa, dum if ind == "C3" else None))
        if not in_list:
            if row is not None:
                wrong.append((name, text, "expected out of the list", row))
            continue
        want = (den, Decimal(points), None if possible is None else Decimal(possible))
        got = row if ind == "C7" else row and (*row[:2], None)
        if got != want:
            wrong.append((name, text, f"expected {want} ({practices})", got))
    assert not wrong, "\n".join(map(str, wrong))

    # C1 is per team: the scripted team holds only the scripted attendances
    with _source(loaded) as conn:
        ine = conn.execute("select nu_ine from sandbox.team where scripted").fetchone()[0]
        other = conn.execute("select nu_ine from sandbox.team where nu_ms = '49'").fetchone()[0]
    counted = [c for c in cases if c[1] == "C1" and c[3]]
    assert len(counted) >= 5
    result = round(sum(Decimal(c[5]) for c in counted) / len(counted), 2)
    with loaded.warehouse() as conn:
        rows = dict(
            conn.execute(
                f"select nu_ine, vl_resultado from {MARTS['C1']} "
                "where co_municipio_ibge = %s and dt_competencia = %s",
                (IBGE, COMPETENCIA),
            ).fetchall()
        )
    assert round(Decimal(rows[ine]), 2) == result
    assert other not in rows  # a team of MS type 49 has no C1


def test_plain_sql_gives_the_scripted_expectations(pec: ProjectCopy) -> None:
    """The cross-check's own SQL agrees with every scripted person (no pipeline involved)."""
    cases = _edge_cases(pec)
    assert {c[1] for c in cases} == {f"C{n}" for n in range(1, 8)}
    wrong = []
    with _source(pec) as conn:
        results = {
            ind: qualidade_pec.person_results(conn, ind, REFERENCE_DATE)
            for ind in ("C2", "C3", "C4", "C5", "C6", "C7")
        }
        c1 = qualidade_pec.team_c1(conn, REFERENCE_DATE)
        ine = conn.execute("select nu_ine from sandbox.team where scripted").fetchone()[0]
    for name, ind, pessoa, in_list, den, points, possible, dum, practices, _ in cases:
        if ind == "C1":
            continue
        row = results[ind].get((pessoa, dum if ind == "C3" else None))
        got = row and (row.is_denominador, row.vl_pontos, row.vl_pontos_possiveis, row.praticas)
        want = (
            (den, int(points), None if possible is None else int(possible), practices)
            if in_list
            else None
        )
        if got != want:
            wrong.append((name, want, got))
    assert not wrong, "\n".join(map(str, wrong))
    programadas = sum(1 for c in cases if c[1] == "C1" and c[8] == "P")
    espontaneas = sum(1 for c in cases if c[1] == "C1" and c[8] == "E")
    assert c1[ine] == (programadas, espontaneas)
