"""dbt parses the project once for every município: a município's first build in a target
folder of its own reads the project's saved parse (transmissor.warehouse.dbt) and parses no file
again, because no file reads MUNICIPIO_IBGE or MUNICIPIO_FUSO_HORARIO while dbt parses."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

from transmissor.warehouse.dbt import share_parse, shared_parse, with_shared_parse

ROOT = Path(__file__).resolve().parents[1]
DBT = ROOT / ".meltano/utilities/dbt-postgres/venv/bin/dbt"
PASSWORD = uuid.uuid4().hex  # the profile needs one; parsing never connects


def _parse(env: dict[str, str]) -> str:
    done = subprocess.run(
        [str(DBT), "--debug", "parse", "--no-write-json"],
        env=env,
        cwd=ROOT / "transform",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _env(tmp_path: Path, target: str, ibge: str, zone: str) -> dict[str, str]:
    # The profile of every município's build: one banco analítico (dbt parses nothing there).
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "MUNICIPIO_"))},
        "DBT_PROFILES_DIR": str(ROOT / "transform" / "profiles"),
        "DBT_TARGET_PATH": str(tmp_path / target),
        "DBT_LOG_PATH": str(tmp_path / target / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "WAREHOUSE_HOST": "127.0.0.1",
        "WAREHOUSE_PORT": "5432",
        "WAREHOUSE_USER": "transmissor",
        "WAREHOUSE_PASSWORD": PASSWORD,
        "WAREHOUSE_DATABASE": "analitico",
        "MUNICIPIO_IBGE": ibge,
        "MUNICIPIO_FUSO_HORARIO": zone,
    }


def test_a_municipio_s_first_build_parses_nothing_again(tmp_path: Path) -> None:
    project = tmp_path / "project"
    first = _env(tmp_path, "sao_paulo", "3550308", "America/Sao_Paulo")
    assert with_shared_parse(project, first) == first  # nothing saved yet
    assert "Starting full parse" in _parse(first)
    share_parse(project, first)
    assert shared_parse(project).exists()

    # Another município, another time zone, a target folder of its own.
    other = with_shared_parse(
        project, _env(tmp_path, "rio_branco", "1200401", "America/Rio_Branco")
    )
    assert other["DBT_PARTIAL_PARSE_FILE_PATH"] == str(shared_parse(project))
    output = _parse(other)
    assert "Partial parsing enabled, no changes found, skipping parsing" in output, output[-3000:]
    assert "Partial parsing: updated file" not in output
