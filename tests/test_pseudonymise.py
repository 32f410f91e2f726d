"""Pseudonymisation of CPF and CNS: the settings, the contract's limits, the Singer filter, and
both ways end to end (every other path: tests/test_pseudonymise_paths_e2e.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import psycopg
import pytest

from tests.project import PROJECT_ROOT, ProjectCopy
from transmissor.contract.model import Contract
from transmissor.dev.localpg import LocalPostgres
from transmissor.errors import TransmissorError
from transmissor.load.pseudonymise import (
    KEY,
    SWITCH,
    deployment_key,
    fields_by_stream,
    pseudonym,
    transform,
)

PSEUDO_KEY = "k" * 40
CLEAR, PSEUDO = "2611533", "1200401"


def test_transform_replaces_only_the_listed_fields_of_the_listed_stream() -> None:
    fields = {"public-tb_fat_cidadao_pec": ("nu_cpf_cidadao", "nu_cns")}
    lines = [
        json.dumps(
            {
                "type": "SCHEMA",
                "stream": "public-tb_fat_cidadao_pec",
                "schema": {"properties": {"nu_cpf_cidadao": {"type": "string", "maxLength": 11}}},
            }
        )
        + "\n",
        json.dumps(
            {
                "type": "RECORD",
                "stream": "public-tb_fat_cidadao_pec",
                "record": {"nu_cpf_cidadao": "12345678909", "nu_cns": None, "no_cidadao": "MARIA"},
            }
        )
        + "\n",
        '{"type":"RECORD","stream":"public-tb_cidadao","record":{"nu_cpf":"12345678909"}}\n',
    ]
    schema, record, other = (json.loads(line) for line in transform(lines, b"secret", fields))
    assert "maxLength" not in schema["schema"]["properties"]["nu_cpf_cidadao"]
    assert record["record"] == {
        "nu_cpf_cidadao": pseudonym(b"secret", "12345678909"),
        "nu_cns": None,
        "no_cidadao": "MARIA",
    }
    assert len(record["record"]["nu_cpf_cidadao"]) == 64
    assert other["record"]["nu_cpf"] == "12345678909"  # another stream passes untouched
    assert pseudonym(b"secret", "1") != pseudonym(b"other key", "1")


def test_the_contract_pseudonymises_cpf_and_cns_of_the_people_table() -> None:
    assert fields_by_stream(Contract.load(PROJECT_ROOT)) == {
        "public-tb_fat_cidadao_pec": ("nu_cpf_cidadao", "nu_cns")
    }


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({SWITCH: "true"}, f"{SWITCH} is on but {KEY} is not set"),
        ({SWITCH: "true", KEY: ""}, f"{SWITCH} is on but {KEY} is not set"),
        ({SWITCH: "true", KEY: "k" * 31}, f"{KEY} has only 31 characters"),
        ({KEY: "k" * 40}, f"{KEY} is set but {SWITCH} is not true"),
        ({SWITCH: "false", KEY: "k" * 40}, f"{KEY} is set but {SWITCH} is not true"),
        ({SWITCH: "ture", KEY: "k" * 40}, f"{SWITCH}='ture' is neither true nor false"),
    ],
)
def test_a_missing_short_or_orphan_key_is_refused(settings: dict[str, str], refusal: str) -> None:
    with pytest.raises(TransmissorError) as refused:
        deployment_key("município 2611606 (Recife/PE)", settings)
    message = str(refused.value)
    assert message.startswith("município 2611606 (Recife/PE): ") and refusal in message
    assert "Nothing was read or written" in message
    if settings.get(KEY):
        assert settings[KEY] not in message  # a secret, even a refused one, is never shown


def test_the_switch_and_a_long_enough_key_give_the_key() -> None:
    assert deployment_key(environ={SWITCH: "True", KEY: "k" * 32}) == b"k" * 32
    assert deployment_key(environ={SWITCH: "yes", KEY: "k" * 64}) == b"k" * 64
    assert deployment_key(environ={}) is None
    assert deployment_key(environ={SWITCH: "false"}) is None


def test_the_contract_refuses_a_pseudonym_where_it_cannot_go() -> None:
    table = Contract.load(PROJECT_ROOT).table("tb_fat_cad_individual")
    for column, refusal in (
        ("co_dim_equipe", "pseudonymised co_dim_equipe is bigint in the PEC"),
        ("co_seq_fat_cad_individual", "key column co_seq_fat_cad_individual cannot be"),
        ("no_cidadao", "pseudonymised no_cidadao is not a column"),
    ):
        with pytest.raises(TransmissorError, match=refusal):
            replace(table, pseudonymise=(column,)).validate()
    replace(table, pseudonymise=("nu_uuid_ficha",)).validate()  # text: accepted


@pytest.fixture(scope="module")
def loaded(
    pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProjectCopy]:
    project = ProjectCopy.create(tmp_path_factory.mktemp("pseudo"), pg_server, deployed=True)
    project.add_municipio(CLEAR, citizens=120, seed=31)
    project.el(CLEAR)
    project.add_municipio(PSEUDO, citizens=120, seed=32)
    project.settings.update({SWITCH: "true", KEY: PSEUDO_KEY})
    project.write_env()
    project.el(PSEUDO)
    yield project


def _people(project: ProjectCopy, ibge: str) -> dict[int, tuple[str | None, str | None, str]]:
    with project.warehouse() as conn:
        rows = conn.execute(
            "select co_seq_fat_cidadao_pec, nu_cpf_cidadao, nu_cns, no_cidadao "
            "from raw_pec.tb_fat_cidadao_pec where co_municipio_ibge = %s",
            (ibge,),
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _source_people(
    project: ProjectCopy, ibge: str
) -> dict[int, tuple[str | None, str | None, str]]:
    with psycopg.connect(project.sources[ibge]) as conn:
        rows = conn.execute(
            "select co_seq_fat_cidadao_pec, nu_cpf_cidadao, nu_cns, no_cidadao "
            "from tb_fat_cidadao_pec"
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


@pytest.mark.e2e
def test_with_the_switch_off_identifiers_arrive_as_they_are(loaded: ProjectCopy) -> None:
    assert _people(loaded, CLEAR) == _source_people(loaded, CLEAR)


@pytest.mark.e2e
def test_with_the_switch_on_cpf_and_cns_arrive_as_keyed_hmacs(loaded: ProjectCopy) -> None:
    key = PSEUDO_KEY.encode()
    source, warehouse = _source_people(loaded, PSEUDO), _people(loaded, PSEUDO)
    assert source.keys() == warehouse.keys()
    with_cpf = 0
    for pk, (cpf, cns, name) in source.items():
        expected_cpf = pseudonym(key, cpf) if cpf else cpf
        expected_cns = pseudonym(key, cns) if cns else cns
        assert warehouse[pk] == (expected_cpf, expected_cns, name)
        with_cpf += bool(cpf)
    assert with_cpf > 50
    # No clear CPF of the source is anywhere in the loaded table.
    clear = {cpf for cpf, _, _ in source.values() if cpf}
    assert not clear & {cpf for cpf, _, _ in warehouse.values()}


@pytest.mark.e2e
def test_the_transformation_still_runs_on_pseudonyms(loaded: ProjectCopy) -> None:
    result = loaded.meltano(["invoke", "dbt-postgres:build_municipio"], environment=PSEUDO)
    assert result.ok, result.output[-3000:]
