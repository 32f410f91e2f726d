"""`sandbox.create` against a real PostgreSQL: schema, keys, conventions, edge cases."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import psycopg
import pytest

from tests import qualidade_pec
from transmissor.dev.sandbox import create, identity
from transmissor.dev.sandbox.dates import add_months, add_years, key, quadrimester
from transmissor.dev.sandbox.reference import load
from transmissor.municipios.ibge import lookup

IBGE = "2611606"
REFERENCE = date(2024, 6, 15)  # quadrimester May-Aug: Q = 2024-08-31, Q-6m = 2024-02-29
CITIZENS = 150
PG_TYPES = {
    "bigint": "bigint",
    "integer": "integer",
    "smallint": "smallint",
    "date": "date",
    "timestamp": "timestamp without time zone",
    "double precision": "double precision",
    "numeric": "numeric",
}


def checksum(url: str) -> dict[str, str]:
    """md5 of every public table's rows in primary-key order."""
    out = {}
    with psycopg.connect(url) as conn:
        for table in load().values():
            row = conn.execute(
                f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.{table.primary_key})"
                f", '')) FROM public.{table.name} t"
            ).fetchone()
            out[table.name] = row[0]
    return out


@pytest.fixture(scope="module")
def sandbox(pg_server) -> tuple[str, dict[str, int]]:
    url = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    counts = create(url, IBGE, citizens=CITIZENS, seed=42, reference_date=REFERENCE)
    return url, counts


@pytest.fixture(scope="module")
def conn(sandbox):
    with psycopg.connect(sandbox[0]) as connection:
        yield connection


def scalar(conn: psycopg.Connection, query: str, params: tuple | None = None) -> object:
    return conn.execute(query, params).fetchone()[0]


def test_counts_match_the_database(sandbox, conn) -> None:
    _, counts = sandbox
    assert set(counts) == set(load())
    for table, rows in counts.items():
        assert scalar(conn, f"SELECT count(*) FROM public.{table}") == rows, table
    fai = counts["tb_fat_atendimento_individual"]
    people = scalar(conn, "SELECT count(*) FROM sandbox.person")  # random and scripted
    assert 3 * people <= fai <= 12 * people
    assert 0.7 * fai < counts["tb_fat_atd_ind_problemas"] < 1.5 * fai
    # the random population (the scripted people's script is mostly consultations)
    random_people = (
        "co_fat_cidadao_pec NOT IN (SELECT co_fat_cidadao_pec FROM sandbox.person "
        "WHERE case_name IS NOT NULL UNION SELECT co_fat_cidadao_pec_dup FROM sandbox.person "
        "WHERE case_name IS NOT NULL AND co_fat_cidadao_pec_dup IS NOT NULL)"
    )
    random_fai = scalar(
        conn, f"SELECT count(*) FROM tb_fat_atendimento_individual WHERE {random_people}"
    )
    random_proced = scalar(
        conn, f"SELECT count(*) FROM tb_fat_proced_atend_proced WHERE {random_people}"
    )
    assert random_proced > 2 * random_fai


def test_schema_matches_the_reference(conn) -> None:
    tables = load()
    found = conn.execute(
        "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    by_table: dict[str, list[tuple]] = {}
    for table, column, data_type, length, nullable in found:
        by_table.setdefault(table, []).append((column, data_type, length, nullable))
    assert set(by_table) == set(tables)
    for name, table in tables.items():
        expected = []
        for c in table.columns:
            match = re.fullmatch(r"varchar\((\d+)\)", c.type)
            data_type = "character varying" if match else PG_TYPES[c.type]
            expected.append(
                (
                    c.name,
                    data_type,
                    int(match.group(1)) if match else None,
                    "NO" if c.not_null else "YES",
                )
            )
        assert by_table[name] == expected, name
    pks = dict(
        conn.execute(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'p' AND c.connamespace = 'public'::regnamespace"
        ).fetchall()
    )
    assert pks == {name: t.primary_key for name, t in tables.items()}
    fks = conn.execute(
        "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, "
        "f.attname, c.convalidated FROM pg_constraint c "
        "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
        "JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1] "
        "WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace"
    ).fetchall()
    assert all(row[4] for row in fks)
    assert {row[:4] for row in fks} == {
        (name, c.name, c.references, tables[c.references].primary_key)
        for name, t in tables.items()
        for c in t.columns
        if c.references
    }


LINKS = (
    (
        "tb_fat_atd_ind_problemas",
        "co_fat_atd_ind",
        "tb_fat_atendimento_individual",
        "co_seq_fat_atd_ind",
    ),
    (
        "tb_fat_atd_ind_procedimentos",
        "co_fat_atd_ind",
        "tb_fat_atendimento_individual",
        "co_seq_fat_atd_ind",
    ),
    ("tb_fat_vacinacao_vacina", "co_fat_vacinacao", "tb_fat_vacinacao", "co_seq_fat_vacinacao"),
    (
        "tb_fat_proced_atend_proced",
        "co_fat_procedimento",
        "tb_fat_proced_atend",
        "co_fat_procedimento",
    ),
    (
        "tb_fat_cad_dom_familia",
        "co_fat_cad_domiciliar",
        "tb_fat_cad_domiciliar",
        "co_seq_fat_cad_domiciliar",
    ),
    (
        "tb_fat_familia_territorio",
        "co_fat_cad_domiciliar",
        "tb_fat_cad_domiciliar",
        "co_seq_fat_cad_domiciliar",
    ),
    (
        "tb_fat_cidadao_territorio",
        "co_fat_cad_individual",
        "tb_fat_cad_individual",
        "co_seq_fat_cad_individual",
    ),
    (
        "tb_fat_cidadao_territorio",
        "co_fat_familia_territorio",
        "tb_fat_familia_territorio",
        "co_seq_fat_familia_territorio",
    ),
    (
        "tb_fat_cidadao_territorio",
        "co_fat_ciddo_terrtrio_resp",
        "tb_fat_cidadao_territorio",
        "co_seq_fat_cidadao_territorio",
    ),
    ("tb_fat_cidadao_pec", "co_cidadao", "tb_cidadao", "co_seq_cidadao"),
    ("tb_fat_cidadao_pec", "co_dim_tempo_nascimento", "tb_dim_tempo", "co_seq_dim_tempo"),
    ("tb_cidadao", "co_unico_ultima_ficha", "tb_fat_cad_individual", "nu_uuid_ficha"),
    ("tb_cds_cad_individual", "co_unico_ficha", "tb_fat_cad_individual", "nu_uuid_ficha"),
    ("tb_fat_cad_individual", "nu_uuid_ficha", "tb_cds_cad_individual", "co_unico_ficha"),
)


@pytest.mark.parametrize(("child", "column", "parent", "target"), LINKS)
def test_plain_links_resolve(conn, child, column, parent, target) -> None:
    assert scalar(conn, f"SELECT count(*) FROM {child} WHERE {column} IS NOT NULL") > 0
    orphans = scalar(
        conn,
        f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND "
        f"NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{target} = c.{column})",
    )
    assert orphans == 0


def test_children_copy_their_header(conn) -> None:
    for child in ("tb_fat_atd_ind_problemas", "tb_fat_atd_ind_procedimentos"):
        mismatched = scalar(
            conn,
            f"""
            SELECT count(*) FROM {child} c JOIN tb_fat_atendimento_individual h
              ON h.co_seq_fat_atd_ind = c.co_fat_atd_ind
            WHERE (c.co_fat_cidadao_pec, c.co_dim_tempo, c.co_dim_profissional_1, c.co_dim_cbo_1,
                   c.co_dim_equipe_1, c.co_dim_unidade_saude_1, c.nu_uuid_ficha)
               IS DISTINCT FROM
                  (h.co_fat_cidadao_pec, h.co_dim_tempo, h.co_dim_profissional_1, h.co_dim_cbo_1,
                   h.co_dim_equipe_1, h.co_dim_unidade_saude_1, h.nu_uuid_ficha)""",
        )
        assert mismatched == 0, child


def test_conventions(conn) -> None:
    assert conn.execute(
        "SELECT dt_registro, nu_ano FROM tb_dim_tempo WHERE co_seq_dim_tempo = 30001231"
    ).fetchone() == (date(3000, 12, 31), 3000)
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_dim_tempo WHERE co_seq_dim_tempo <> "
            "to_char(dt_registro, 'YYYYMMDD')::bigint",
        )
        == 0
    )
    assert scalar(
        conn, "SELECT max(dt_registro) FROM tb_dim_tempo WHERE nu_ano < 3000"
    ) == add_years(REFERENCE, 2)
    for table in load().values():
        if table.name.startswith("tb_dim_") and table.name not in (
            "tb_dim_tempo",
            "tb_dim_cidadao_pec_grupo",
        ):
            assert (
                scalar(conn, f"SELECT count(*) FROM {table.name} WHERE {table.primary_key} = 1")
                == 1
            ), table.name
    assert conn.execute(
        "SELECT nu_ine, no_equipe FROM tb_dim_equipe WHERE co_seq_dim_equipe = 1"
    ).fetchone() == ("-", "SEM EQUIPE")
    assert (
        scalar(conn, "SELECT nu_cnes FROM tb_dim_unidade_saude WHERE co_seq_dim_unidade_saude = 1")
        == "-"
    )
    assert scalar(conn, "SELECT nu_cbo FROM tb_dim_cbo WHERE co_seq_dim_cbo = 1") == "-"
    municipio = lookup(IBGE)
    assert conn.execute(
        "SELECT co_ibge, no_municipio FROM tb_dim_municipio WHERE co_seq_dim_municipio = 2"
    ).fetchone() == (IBGE, municipio.nome)
    # facts store 1, never NULL, for unknown dimensions
    for name in (
        "tb_fat_atendimento_individual",
        "tb_fat_proced_atend_proced",
        "tb_fat_cad_individual",
        "tb_fat_visita_domiciliar",
        "tb_fat_vacinacao_vacina",
    ):
        for c in load()[name].columns:
            if c.references and c.references.startswith("tb_dim_"):
                assert scalar(conn, f"SELECT count(*) FROM {name} WHERE {c.name} IS NULL") == 0
            if c.name.startswith("st_"):
                assert (
                    scalar(conn, f"SELECT count(*) FROM {name} WHERE {c.name} NOT IN (0, 1)") == 0
                ), c.name
    pattern = r"^\|([A-Z0-9]+\|)+$"
    for column in (
        "ds_filtro_cids",
        "ds_filtro_ciaps",
        "ds_filtro_proced_avaliados",
        "ds_filtro_proced_solicitados",
    ):
        assert (
            scalar(
                conn,
                f"SELECT count(*) FROM tb_fat_atendimento_individual WHERE {column} IS NOT NULL",
            )
            > 0
        )
        assert (
            scalar(
                conn,
                f"SELECT count(*) FROM tb_fat_atendimento_individual WHERE {column} !~ %s",
                (pattern,),
            )
            == 0
        )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_atendimento_individual "
            "WHERE ds_filtro_ciaps LIKE '%|K86|%'",
        )
        > 0
    )
    assert scalar(conn, "SELECT count(*) FROM tb_dim_cid WHERE nu_cid LIKE '%.%'") == 0
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_dim_procedimento WHERE co_seq_dim_procedimento "
            "> 1 AND co_proced !~ '^([0-9]{10}|AB[A-Z]+[0-9]+)$'",
        )
        == 0
    )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_dim_cbo WHERE co_seq_dim_cbo > 1 AND nu_cbo !~ '^[0-9]{6}$'",
        )
        == 0
    )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_dim_equipe WHERE co_seq_dim_equipe > 1 "
            "AND nu_ine !~ '^[0-9]{10}$'",
        )
        == 0
    )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_dim_unidade_saude "
            "WHERE co_seq_dim_unidade_saude > 1 AND nu_cnes !~ '^[0-9]{7}$'",
        )
        == 0
    )


def test_identities_and_people(conn) -> None:
    # everyone's CPF and CNS are valid, except the people scripted without a valid document
    rows = conn.execute(
        "SELECT nu_cpf_cidadao, nu_cns FROM tb_fat_cidadao_pec f WHERE NOT EXISTS (SELECT 1 "
        "FROM sandbox.edge_case e WHERE e.co_fat_cidadao_pec = f.co_seq_fat_cidadao_pec "
        "AND e.case_name LIKE '%%sem_documento')"
    ).fetchall()
    cpfs = [r[0] for r in rows if r[0]]
    cnss = [r[1] for r in rows if r[1]]
    assert cpfs and all(identity.cpf_is_valid(v) for v in cpfs)
    assert cnss and all(identity.cns_is_valid(v) for v in cnss)
    assert all(
        identity.cns_is_valid(v)
        for (v,) in conn.execute(
            "SELECT nu_cns FROM tb_dim_profissional WHERE co_seq_dim_profissional > 1"
        )
    )
    # one row per registration version, several for some people
    assert (
        scalar(
            conn,
            "SELECT max(n) FROM (SELECT count(*) n FROM tb_fat_cad_individual "
            "GROUP BY co_fat_cidadao_pec) v",
        )
        > 1
    )
    assert scalar(
        conn, "SELECT count(*) FROM tb_cds_cad_individual WHERE st_versao_atual = 1"
    ) == scalar(conn, "SELECT count(DISTINCT co_fat_cidadao_pec) FROM tb_fat_cad_individual")
    # deaths are consistent between the DW and the operational table
    assert scalar(conn, "SELECT count(*) FROM tb_fat_cidadao_pec WHERE st_faleceu = 1") > 0
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_cidadao_pec f JOIN tb_cidadao c "
            "ON c.co_seq_cidadao = f.co_cidadao WHERE f.st_faleceu = 1 "
            "AND (c.st_faleceu <> 1 OR c.dt_obito IS NULL)",
        )
        == 0
    )
    # people with several tb_fat_cidadao_pec rows, tied by the grupo's master
    assert (
        scalar(
            conn,
            """
        SELECT count(*) FROM (SELECT co_cidadao_master FROM tb_dim_cidadao_pec_grupo
          WHERE co_cidadao_master IS NOT NULL GROUP BY 1
          HAVING count(DISTINCT co_fat_cidadao_pec) = 2) d""",
        )
        >= 2
    )
    cbos = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT b.nu_cbo FROM tb_fat_atd_ind_problemas p JOIN tb_dim_cbo b "
            "ON b.co_seq_dim_cbo = p.co_dim_cbo_1"
        )
    }
    assert {"225142", "223565"} <= cbos and cbos & {"251510", "223405"}
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_atendimento_odonto o JOIN tb_dim_cbo b "
            "ON b.co_seq_dim_cbo = o.co_dim_cbo_1 WHERE b.nu_cbo NOT LIKE '2232%' "
            "AND b.nu_cbo NOT IN ('322405', '322425')",  # dentists and TSBs
        )
        == 0
    )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_visita_domiciliar v JOIN tb_dim_cbo b "
            "ON b.co_seq_dim_cbo = v.co_dim_cbo WHERE b.nu_cbo NOT IN "
            "('515105', '322255')",
        )
        == 0
    )


def test_ids_grow_with_processing_date(conn) -> None:
    out_of_order = scalar(
        conn,
        """
        SELECT count(*) FROM (SELECT co_dim_tempo, lag(co_dim_tempo) OVER (ORDER BY
          co_seq_fat_atd_ind) AS previous FROM tb_fat_atendimento_individual) t
        WHERE co_dim_tempo < previous""",
    )
    total = scalar(conn, "SELECT count(*) FROM tb_fat_atendimento_individual")
    assert 0 < out_of_order < 0.1 * total  # late facts only


def edge(conn: psycopg.Connection, name: str) -> tuple[int, int | None]:
    return conn.execute(
        "SELECT co_fat_cidadao_pec, co_fat_cidadao_pec_dup FROM "
        "sandbox.edge_case WHERE case_name = %s",
        (name,),
    ).fetchone()


def procedure_days(conn: psycopg.Connection, fat: int, codes: tuple[str, ...]) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT p.co_dim_tempo FROM tb_fat_proced_atend_proced p JOIN tb_dim_procedimento d "
            "ON d.co_seq_dim_procedimento = p.co_dim_procedimento WHERE p.co_fat_cidadao_pec = %s "
            "AND d.co_proced = ANY(%s) ORDER BY 1",
            (fat, list(codes)),
        )
    ]


def test_scripted_edge_cases(conn) -> None:
    names = {r[0] for r in conn.execute("SELECT case_name FROM sandbox.edge_case")}
    assert len(names) >= 40
    quad = quadrimester(REFERENCE)
    q6 = add_months(quad.end, -6)
    assert q6 == date(2024, 2, 29)
    pa = ("0301100039", "ABPG033")
    assert procedure_days(conn, edge(conn, "has_pa_6m_exato")[0], pa) == [key(q6)]
    assert procedure_days(conn, edge(conn, "has_pa_6m_mais_1d")[0], pa) == [
        key(q6 - timedelta(days=1))
    ]
    # hypertension recorded only by a CBO outside médico/enfermeiro
    cbos = {
        r[0]
        for r in conn.execute(
            "SELECT b.nu_cbo FROM tb_fat_atd_ind_problemas p JOIN tb_dim_cbo b "
            "ON b.co_seq_dim_cbo = p.co_dim_cbo_1 WHERE p.co_fat_cidadao_pec = %s",
            (edge(conn, "has_cbo_outro")[0],),
        )
    }
    assert cbos and cbos <= {"251510", "223405"}
    # one person, two records: the problem on one, the PA on the other (without CPF)
    first, second = edge(conn, "has_duplicado")
    assert second and procedure_days(conn, second, pa) and not procedure_days(conn, first, pa)
    assert (
        scalar(
            conn,
            "SELECT nu_cpf_cidadao FROM tb_fat_cidadao_pec WHERE co_seq_fat_cidadao_pec = %s",
            (second,),
        )
        is None
    )
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_atd_ind_problemas WHERE co_fat_cidadao_pec = %s",
            (first,),
        )
        == 1
    )
    # the late PA: an old co_dim_tempo but an id after rows of later days
    late_id, late_day = conn.execute(
        "SELECT co_seq_fat_proced_atend_proced, co_dim_tempo FROM tb_fat_proced_atend_proced "
        "WHERE co_fat_cidadao_pec = %s",
        (edge(conn, "has_pa_tardio")[0],),
    ).fetchone()
    assert late_day == key(REFERENCE - timedelta(days=30))
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM tb_fat_proced_atend_proced WHERE "
            "co_dim_tempo > %s AND co_seq_fat_proced_atend_proced < %s",
            (late_day, late_id),
        )
        > 0
    )
    assert (
        scalar(
            conn,
            "SELECT st_faleceu FROM tb_fat_cidadao_pec WHERE co_seq_fat_cidadao_pec = %s",
            (edge(conn, "has_falecida")[0],),
        )
        == 1
    )
    # gestational age without DUM
    rows = conn.execute(
        "SELECT co_dim_tempo_dum, nu_idade_gestacional_semanas FROM "
        "tb_fat_atendimento_individual WHERE co_fat_cidadao_pec = %s",
        (edge(conn, "gest_ig_sem_dum")[0],),
    ).fetchall()
    assert rows and all(dum == 30001231 and weeks for dum, weeks in rows)
    dums = {
        r[0]
        for r in conn.execute(
            "SELECT co_dim_tempo_dum FROM tb_fat_atendimento_individual WHERE co_fat_cidadao_pec "
            "= %s",
            (edge(conn, "gest_dum_completa")[0],),
        )
    }
    assert dums == {key(REFERENCE - timedelta(days=180))}
    # cytology ages at the quadrimester end
    for name, age in (
        ("cito_24_anos", 24),
        ("cito_25_exame_36m", 25),
        ("cito_64_anos", 64),
        ("cito_65_anos", 65),
    ):
        birth = scalar(
            conn,
            "SELECT co_dim_tempo_nascimento FROM tb_fat_cidadao_pec "
            "WHERE co_seq_fat_cidadao_pec = %s",
            (edge(conn, name)[0],),
        )
        born = date(birth // 10000, birth // 100 % 100, birth % 100)
        years = (
            quad.end.year - born.year - ((quad.end.month, quad.end.day) < (born.month, born.day))
        )
        assert years == age, name
    q36 = add_months(quad.end, -36)
    assert procedure_days(conn, edge(conn, "cito_25_exame_36m")[0], ("0201020033",)) == [key(q36)]

    # vaccination: third doses
    def third_doses(name: str) -> set[str]:
        return {
            r[0]
            for r in conn.execute(
                "SELECT i.nu_identificador FROM tb_fat_vacinacao_vacina v JOIN tb_fat_vacinacao h "
                "ON h.co_seq_fat_vacinacao = v.co_fat_vacinacao JOIN tb_dim_imunobiologico i "
                "ON i.co_seq_dim_imunobiologico = v.co_dim_imunobiologico "
                "JOIN tb_dim_dose_imunobiologico d ON d.co_seq_dim_dose_imunobiologico = "
                "v.co_dim_dose_imunobiologico WHERE h.co_fat_cidadao_pec = %s "
                "AND d.nu_identificador = '3'",
                (edge(conn, name)[0],),
            )
        }

    assert third_doses("vac_12m_completa") == {"22", "42"}
    assert third_doses("vac_12m_sem_3a_penta") == {"22"}
    assert third_doses("vac_12m_hexa") == {"43"}
    anterior = conn.execute(
        "SELECT v.co_dim_tempo, v.co_dim_tempo_vacina_aplicada FROM tb_fat_vacinacao_vacina v "
        "JOIN tb_fat_vacinacao h ON h.co_seq_fat_vacinacao = v.co_fat_vacinacao "
        "WHERE h.co_fat_cidadao_pec = %s AND v.st_registro_anterior = 1",
        (edge(conn, "vac_registro_anterior")[0],),
    ).fetchall()
    assert len(anterior) == 2 and all(reg > applied for reg, applied in anterior)


def test_same_seed_same_data_other_seed_other_data(pg_server, sandbox) -> None:
    url, _ = sandbox
    twin = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    other = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    create(twin, IBGE, citizens=CITIZENS, seed=42, reference_date=REFERENCE)
    create(other, IBGE, citizens=CITIZENS, seed=43, reference_date=REFERENCE)
    reference = checksum(url)
    assert checksum(twin) == reference
    different = checksum(other)
    assert different["tb_fat_atendimento_individual"] != reference["tb_fat_atendimento_individual"]
    assert different["tb_dim_sexo"] == reference["tb_dim_sexo"]


def test_create_replaces_a_previous_sandbox(pg_server) -> None:
    url = pg_server.url(f"sbx_{uuid.uuid4().hex[:8]}")
    create(url, IBGE, citizens=100, seed=1, reference_date=REFERENCE)
    with psycopg.connect(url) as conn:  # an open connection is terminated, not waited for
        counts = create(url, "3550308", citizens=100, seed=1, reference_date=REFERENCE)
        del conn
    with psycopg.connect(url) as fresh:
        assert (
            scalar(fresh, "SELECT co_ibge FROM tb_dim_municipio WHERE co_seq_dim_municipio = 2")
            == "3550308"
        )
        assert (
            scalar(fresh, "SELECT count(*) FROM tb_fat_cidadao_pec") == counts["tb_fat_cidadao_pec"]
        )


def test_scripted_quality_cases_carry_their_expectations(conn) -> None:
    rows = conn.execute(
        "SELECT case_name, indicator, expected_in_list, expected_denominator, expected_points, "
        "expected_possible, expected_dum, expected_practices FROM sandbox.edge_case "
        "WHERE indicator ~ '^C[1-7]$'"
    ).fetchall()
    by_indicator: dict[str, list[tuple]] = {}
    for row in rows:
        by_indicator.setdefault(row[1], []).append(row)
    assert sorted(by_indicator) == [f"C{n}" for n in range(1, 8)]
    for indicator, cases in by_indicator.items():
        assert any(c[2] for c in cases) and any(not c[2] for c in cases), indicator
        assert len(cases) >= 10, indicator
        for name, _, in_list, den, points, possible, dum, practices in cases:
            assert in_list is not None and den is not None, name
            if in_list:
                assert points is not None and practices is not None, name
                assert (possible is not None) == (indicator == "C7"), name
                assert (dum is not None) == (indicator == "C3"), name
    # the people scripted without a valid document have none (and no CPF of anyone else)
    for cpf, cns in conn.execute(
        "SELECT f.nu_cpf_cidadao, f.nu_cns FROM tb_fat_cidadao_pec f JOIN sandbox.edge_case e "
        "ON e.co_fat_cidadao_pec = f.co_seq_fat_cidadao_pec WHERE e.case_name LIKE '%sem_doc%'"
    ):
        assert cns is None and not identity.cpf_is_valid(cpf)


def test_plain_sql_on_the_pec_gives_the_scripted_expectations(conn) -> None:
    """At this module's R (not the cross-check's): the rules' SQL and the scripts agree."""
    cases = conn.execute(
        "SELECT case_name, indicator, co_fat_cidadao_pec, expected_in_list, "
        "expected_denominator, expected_points, expected_possible, expected_dum, "
        "expected_practices FROM sandbox.edge_case WHERE indicator ~ '^C[2-7]$'"
    ).fetchall()
    results = {
        ind: qualidade_pec.person_results(conn, ind, REFERENCE)
        for ind in ("C2", "C3", "C4", "C5", "C6", "C7")
    }
    wrong = []
    for name, ind, pessoa, in_list, den, points, possible, dum, practices in cases:
        row = results[ind].get((pessoa, dum if ind == "C3" else None))
        got = row and (row.is_denominador, row.vl_pontos, row.vl_pontos_possiveis, row.praticas)
        want = (den, points, possible, practices) if in_list else None
        if got != want:
            wrong.append((name, want, got))
    assert not wrong, "\n".join(map(str, wrong))
