"""The committed PEC schema reference (pec_schema.json) and its parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from transmissor.dev.sandbox import reference

SPEC = Path("/work/shared/pec/PEC_SCHEMA.md")
CHILD_LINKS = {
    "co_fat_atd_ind",
    "co_fat_vacinacao",
    "co_fat_procedimento",
    "co_fat_cad_domiciliar",
    "co_fat_cad_individual",
}


def test_json_is_what_the_parser_produces() -> None:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} not available")
    parsed = reference.parse_markdown(SPEC.read_text(encoding="utf-8"))
    committed = json.loads(reference.SCHEMA_JSON.read_text(encoding="utf-8"))
    assert parsed == committed


def test_reference_shape() -> None:
    tables = reference.load()
    appendix = [t for t in tables.values() if t.source.endswith("Appendix B")]
    assert len(appendix) == 35
    assert tables["tb_fat_cad_individual"].primary_key == "co_seq_fat_cad_individual"
    assert len(tables["tb_fat_cad_individual"].columns) == 134
    assert tables["tb_fat_rel_op_gestante"].column_names == [
        "co_seq_fat_rel_op_gestante",
        "co_fat_cidadao_pec",
        "dt_inicio_gestacao",
        "dt_fai_dum",
        "nu_idade_gestacional",
    ]
    # every FK target exists, and the ones Appendix B does not describe are auxiliary
    for table in tables.values():
        for column in table.columns:
            if column.references:
                assert column.references in tables
                assert column.type == "bigint"
            if column.name in CHILD_LINKS:
                assert column.references is None, f"{table.name}.{column.name}"
    for name in (
        "tb_dim_turno",
        "tb_dim_identidade_genero",
        "tb_dim_uf",
        "tb_nacionalidade",
        "tb_pais",
        "tb_cds_prof",
        "tb_localidade",
    ):
        assert tables[name].auxiliary
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
