"""The committed PEC schema reference (pec_schema.json): consistent, and a superset of what the
project reads from a PEC (the extraction contract, the dbt sources, the quality indicators)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract
from transmissor.contract.render import SOURCES_PATH
from transmissor.dev.sandbox import reference

ROOT = Path(__file__).resolve().parents[1]
TYPE = re.compile(r"^(" + "|".join(reference.TYPES) + r"|varchar\(\d+\))$")
CHILD_LINKS = {
    "co_fat_atd_ind",
    "co_fat_vacinacao",
    "co_fat_procedimento",
    "co_fat_cad_domiciliar",
    "co_fat_cad_individual",
}
IMPORTED = "PEC_SCHEMA.md Appendix B"
# What the C1-C7 rules read beyond today's contract (transform/models/marts/qualidade), as the
# PEC 5.5.28 catalogue names it: the sandbox must hold every one.
INDICATOR_COLUMNS = {
    "tb_fat_atendimento_individual": {
        "nu_pressao_sistolica",
        "nu_pressao_diastolica",
        "co_dim_tp_particip_cidadao",
        "co_dim_tipo_atendimento",
        "co_dim_local_atendimento",
        "co_dim_cbo_1",
        "co_dim_equipe_1",
        "co_dim_unidade_saude_1",
        "nu_peso",
        "nu_altura",
        "co_dim_tempo_dum",
        "nu_idade_gestacional_semanas",
    },
    "tb_fat_atd_ind_problemas": {"co_dim_situacao_problema", "st_avaliado", "nu_uuid_problema"},
    "tb_fat_proced_atend": {
        "co_seq_fat_proced_atend",
        "co_fat_cidadao_pec",
        "co_dim_tempo",
        "co_dim_cbo",
        "co_dim_equipe",
        "co_dim_unidade_saude",
        "st_escuta_inicial",
        "nu_peso",
        "nu_altura",
        "nu_pressao_sistolica",
        "nu_pressao_diastolica",
    },
    "tb_fat_visita_domiciliar": {"st_acomp_recem_nascido", "st_acomp_crianca"},
    "tb_fat_cidadao_pec": {"co_dim_identidade_genero"},
    "tb_fat_cad_individual": {"co_dim_identidade_genero", "st_recusa_cadastro"},
    "tb_cidadao": {"st_dados_obito_cadsus"},
    "tb_dim_tipo_participacao_atend": {"co_seq_dim_tp_particip_atend", "nu_identificador"},
    "tb_dim_situacao_problema": {"co_seq_dim_situacao", "nu_identificador"},
    "tb_dim_identidade_genero": {
        "co_seq_dim_identidade_genero",
        "nu_identificador",
        "ds_identidade_genero",
    },
    "tb_equipe": {"co_seq_equipe", "nu_ine", "tp_equipe", "st_ativo"},
    "tb_tipo_equipe": {"co_seq_tipo_equipe", "nu_ms", "sg_tipo_equipe"},
}


def test_every_table_is_well_formed() -> None:
    document = json.loads(reference.SCHEMA_JSON.read_text(encoding="utf-8"))
    assert set(document) == {"description", "tables"}
    tables = reference.load()
    assert list(tables) == sorted(tables)
    for table in tables.values():
        names = table.column_names
        assert len(names) == len(set(names)), table.name
        assert table.primary_key in names, table.name
        pk = table.columns[names.index(table.primary_key)]
        assert pk.not_null and pk.type == "bigint" and pk.references is None, table.name
        assert table.source, table.name
        for column in table.columns:
            assert TYPE.match(column.type), f"{table.name}.{column.name}: {column.type}"
            if column.references:
                target = tables.get(column.references)
                assert target is not None, f"{table.name}.{column.name} -> {column.references}"
                assert column.type == "bigint", f"{table.name}.{column.name}"
            if column.name in CHILD_LINKS:
                assert column.references is None, f"{table.name}.{column.name}"
        if table.auxiliary:
            # the generic shape: key, LEDI code, description
            assert names[0] == reference.generic_pk(table.name) == table.primary_key
            assert names[1] == "nu_identificador" and len(names) == 3, table.name
        # columns added to an imported table name their source; the import's do not
        if table.source == IMPORTED:
            added = [c for c in table.columns if c.source]
            assert all("PEC 5.5.28" in c.source for c in added), table.name


def test_the_import_and_what_was_added_to_it() -> None:
    tables = reference.load()
    assert len([t for t in tables.values() if t.source == IMPORTED]) == 35
    assert len(tables["tb_fat_cad_individual"].columns) == 134
    assert tables["tb_fat_rel_op_gestante"].column_names == [
        "co_seq_fat_rel_op_gestante",
        "co_fat_cidadao_pec",
        "dt_inicio_gestacao",
        "dt_fai_dum",
        "nu_idade_gestacional",
    ]
    fai = {c.name: c for c in tables["tb_fat_atendimento_individual"].columns}
    assert fai["nu_pressao_sistolica"].type == "numeric"
    assert fai["co_dim_tp_particip_cidadao"].references == "tb_dim_tipo_participacao_atend"
    problemas = {c.name: c for c in tables["tb_fat_atd_ind_problemas"].columns}
    assert problemas["co_dim_situacao_problema"].references == "tb_dim_situacao_problema"
    assert problemas["nu_uuid_problema"].type == "varchar(92)"
    assert tables["tb_dim_situacao_problema"].primary_key == "co_seq_dim_situacao"
    assert tables["tb_dim_tipo_participacao_atend"].primary_key == "co_seq_dim_tp_particip_atend"
    equipe = {c.name: c for c in tables["tb_equipe"].columns}
    assert equipe["tp_equipe"].references == "tb_tipo_equipe"
    assert equipe["co_unidade_saude"].references == "tb_unidade_saude"
    assert tables["tb_tipo_equipe"].column_names == [
        "co_seq_tipo_equipe",
        "nu_ms",
        "sg_tipo_equipe",
        "no_tipo_equipe",
    ]
    # description columns as the PEC names them, not the generic ds_<x>
    assert tables["tb_dim_situacao_trabalho"].column_names[2] == "ds_dim_situacao_trabalho"
    assert tables["tb_dim_povo_comunidad_trad"].column_names[2] == "ds_povo_comunidade_tradicional"
    assert tables["tb_dim_turno"].column_names == [
        "co_seq_dim_turno",
        "nu_identificador",
        "ds_turno",
    ]
    assert tables["tb_pais"].column_names == ["co_seq_pais", "nu_identificador", "no_pais"]
    procedimento = {c.name: c for c in tables["tb_dim_procedimento"].columns}
    assert procedimento["co_pai"].references == "tb_dim_procedimento"
    cidadao = {c.name: c for c in tables["tb_cidadao"].columns}
    assert cidadao["co_nacionalidade"].not_null
    assert cidadao["nu_cns"].type == "varchar(16)"


def test_the_contract_reads_only_what_the_reference_has() -> None:
    tables = reference.load()
    contract = Contract.load(ROOT)
    for table in contract.tables:
        assert table.name in tables, table.name
        missing = set(table.columns) - set(tables[table.name].column_names)
        assert not missing, f"{table.name}: {sorted(missing)}"


def test_the_dbt_sources_read_only_what_the_reference_has() -> None:
    tables = reference.load()
    sources = yaml.safe_load((ROOT / SOURCES_PATH).read_text(encoding="utf-8"))
    (pec,) = sources["sources"]
    assert pec["tables"]
    for table in pec["tables"]:
        assert table["name"] in tables, table["name"]
        columns = {c["name"] for c in table.get("columns", ())} - {MUNICIPIO_COLUMN}
        assert columns <= set(tables[table["name"]].column_names), table["name"]
    # and every staging model reads a source table the reference has
    for model in (ROOT / "transform" / "models" / "staging" / "pec").glob("stg_*.sql"):
        for name in re.findall(r"source\('pec',\s*'(\w+)'\)", model.read_text(encoding="utf-8")):
            assert name in tables, f"{model.name}: {name}"


def test_the_reference_has_what_the_quality_indicators_read() -> None:
    tables = reference.load()
    for name, columns in INDICATOR_COLUMNS.items():
        assert name in tables, name
        missing = columns - set(tables[name].column_names)
        assert not missing, f"{name}: {sorted(missing)}"
