"""The extraction contract and the files generated from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from transmissor.contract.model import MUNICIPIO_COLUMN, Contract, Table
from transmissor.contract.render import render
from transmissor.errors import TransmissorError

ROOT = Path(__file__).resolve().parents[1]


def test_generated_files_are_up_to_date() -> None:
    assert render(ROOT, check=True) == [], "run `transmissor contract render`"


def test_every_stream_is_keyed_by_municipio_and_its_pec_key() -> None:
    contract = Contract.load(ROOT)
    document = yaml.safe_load((ROOT / "extract" / "tap-pec.meltano.yml").read_text())
    (tap,) = document["plugins"]["extractors"]
    maps = json.loads((ROOT / "extract" / "stream-maps-all.json").read_text())["stream_maps"]
    singer = json.loads((ROOT / "extract" / "stream-maps.json").read_text())["stream_maps"]
    for table in contract.tables:
        assert maps[table.stream_id]["__key_properties__"] == [MUNICIPIO_COLUMN, *table.primary_key]
        # Singer moves the incremental tables; `transmissor snapshot` the full-table ones.
        assert (table.stream_id in singer) == table.incremental
        assert (table.stream_id in tap["select_filter"]) == table.incremental


def test_the_catalog_selects_exactly_the_contract() -> None:
    """Meltano applies no selection rules to a committed catalog: it must carry them itself."""
    contract = Contract.load(ROOT)
    document = yaml.safe_load((ROOT / "extract" / "tap-pec.meltano.yml").read_text())
    (tap,) = document["plugins"]["extractors"]
    streams = {
        s["tap_stream_id"]: s
        for s in json.loads((ROOT / tap["catalog"]).read_text(encoding="utf-8"))["streams"]
    }
    assert set(streams) == {t.stream_id for t in contract.tables}
    for table in contract.tables:
        stream = streams[table.stream_id]
        assert list(stream["schema"]["properties"]) == list(table.columns)
        top = next(m["metadata"] for m in stream["metadata"] if m["breadcrumb"] == [])
        assert top["selected"] is True
        assert top["replication-method"] == ("INCREMENTAL" if table.incremental else "FULL_TABLE")
        assert top.get("replication-key") == (table.replication_key if table.incremental else None)
        columns = [m for m in stream["metadata"] if m["breadcrumb"]]
        assert [m["breadcrumb"][1] for m in columns] == list(table.columns)
        assert all(m["metadata"]["selected"] for m in columns)


def test_a_contract_column_without_a_catalog_type_names_the_fix() -> None:
    from transmissor.contract import singer_catalog as catalog

    contract = Contract.load(ROOT)
    typed = catalog.committed(ROOT)
    del typed["streams"][0]["schema"]["properties"][typed["streams"][0]["key_properties"][0]]
    with pytest.raises(TransmissorError, match="transmissor contract catalog --pec-url"):
        catalog.render(contract, typed)


def test_facts_are_incremental_on_their_sequence_and_state_tables_full() -> None:
    contract = Contract.load(ROOT)
    for table in contract.tables:
        if table.name.startswith("tb_fat_") and table.name not in {
            "tb_fat_cidadao_pec",
            "tb_fat_cidadao_territorio",
        }:
            assert table.incremental and table.replication_key.startswith("co_seq_fat_")
    assert contract.table("tb_cidadao").replication_key == "dt_atualizado"
    assert not contract.table("tb_fat_cidadao_pec").incremental


def test_a_contract_error_names_the_table() -> None:
    with pytest.raises(TransmissorError, match="tb_x: an incremental table needs"):
        Table.from_dict(
            {
                "name": "tb_x",
                "replication": "incremental",
                "primary_key": ["a"],
                "columns": ["a"],
                "replication_key": "b",
            }
        )
