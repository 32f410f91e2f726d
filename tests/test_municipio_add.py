"""`transmissor municipio add`: one environment file per município, checked by the IBGE list."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from transmissor.cli import main
from transmissor.municipios import environments


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "meltano.yml").write_text("include_paths: []\n")
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(tmp_path))
    return tmp_path


def _add(*extra: str) -> list[str]:
    return [
        "municipio",
        "add",
        "--host",
        "pec.example.org",
        "--database",
        "esus",
        "--user",
        "leitor",
        *extra,
    ]


def test_add_writes_the_environment_file(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_add("--ibge", "2611606")) == 0
    out = capsys.readouterr().out
    assert "Recife (PE)" in out
    assert "PEC_PASSWORD_2611606" in out
    document = yaml.safe_load((root / "environments" / "2611606.meltano.yml").read_text())
    (environment,) = document["environments"]
    assert environment["name"] == "2611606"
    assert environment["env"] == {
        "MUNICIPIO_IBGE": "2611606",
        "MUNICIPIO_NOME": "Recife",
        "MUNICIPIO_UF": "PE",
        "MUNICIPIO_FUSO_HORARIO": "America/Sao_Paulo",
    }
    config = environment["config"]["plugins"]["extractors"][0]["config"]
    assert config["password"] == "${PEC_PASSWORD_2611606}"
    # A remote PEC gets TLS by default.
    assert config["ssl_mode"] == "require"
    loaded = environments.MunicipioEnvironment.from_file(root / "environments/2611606.meltano.yml")
    assert (loaded.host, loaded.port, loaded.database) == ("pec.example.org", 5432, "esus")


def test_a_code_failing_the_check_digit_rule_is_accepted_when_the_list_has_it(root: Path) -> None:
    # Quixaba (PE): a real municipality whose code fails the textbook check-digit rule.
    assert main(_add("--ibge", "2611533")) == 0
    assert (root / "environments" / "2611533.meltano.yml").exists()


def test_a_valid_looking_code_not_in_the_list_is_refused(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_add("--ibge", "2611607")) == 1
    assert "names no municipality" in capsys.readouterr().err
    assert not (root / "environments").exists() or not any((root / "environments").iterdir())


@pytest.mark.parametrize("code", ["261160", "26116060", "26116OK"])
def test_a_code_that_is_not_seven_digits_is_refused(
    root: Path, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_add("--ibge", code)) == 1
    assert "7 digits" in capsys.readouterr().err


def test_a_registered_municipio_is_refused(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_add("--ibge", "1200401")) == 0
    before = (root / "environments" / "1200401.meltano.yml").read_text()
    assert main(_add("--ibge", "1200401", "--port", "6543")) == 1
    assert "already registered" in capsys.readouterr().err
    assert (root / "environments" / "1200401.meltano.yml").read_text() == before


def test_a_local_host_defaults_to_prefer_and_time_zone_comes_from_the_list(root: Path) -> None:
    assert (
        main(
            [
                "municipio",
                "add",
                "--ibge",
                "1200401",
                "--host",
                "127.0.0.1",
                "--database",
                "esus",
                "--user",
                "leitor",
            ]
        )
        == 0
    )
    env = environments.MunicipioEnvironment.from_file(root / "environments/1200401.meltano.yml")
    assert env.sslmode == "prefer"
    assert env.municipio.fuso_horario == "America/Rio_Branco"


def test_a_malformed_environment_file_is_named(root: Path) -> None:
    path = root / "environments" / "2611606.meltano.yml"
    path.parent.mkdir()
    path.write_text("environments: [ {name: '2611606', env: {}}")
    with pytest.raises(Exception, match=r"2611606\.meltano\.yml is malformed"):
        environments.registered(root)


def test_the_ibge_list_is_complete() -> None:
    from transmissor.municipios import ibge

    municipios = ibge.all_municipios()
    assert len(municipios) >= 5570
    assert len({m.codigo_ibge for m in municipios}) == len(municipios)
