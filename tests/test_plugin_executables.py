"""Plugin executables resolve the way Meltano resolves them, and dbt's deploy needs no Meltano."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from transmissor.meltano.run import MeltanoResult
from transmissor.warehouse import dbt

ROOT = Path(__file__).resolve().parents[1]


def _plugins() -> list[dict]:
    found = []
    for folder in ("plugins", "extract", "orchestrate"):
        for path in sorted((ROOT / folder).glob("*.meltano.yml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for definitions in (document.get("plugins") or {}).values():
                found += definitions or []
    return found


def test_plugin_executables_resolve_as_meltano_intends() -> None:
    """With a pip_url, Meltano looks an executable up in the plugin's venv bin/; without one,
    a path is relative to the project root. Nothing climbs out of `.meltano/`."""
    plugins = {p["name"]: p for p in _plugins()}
    for plugin in plugins.values():
        pip_url = plugin.get("pip_url") or plugins.get(plugin.get("inherit_from", ""), {}).get(
            "pip_url"
        )
        commands = plugin.get("commands") or {}
        executables = [plugin.get("executable")] + [
            c.get("executable") for c in commands.values() if isinstance(c, dict)
        ]
        for executable in filter(None, executables):
            where = f"{plugin['name']}: {executable}"
            assert ".." not in Path(executable).parts, where
            if pip_url:
                assert "/" not in executable, f"{where} is looked up in the plugin's venv"
            elif "/" in executable:
                assert (ROOT / executable).exists(), f"{where} is relative to the project root"


def test_build_municipio_s_executable_is_installed_in_the_dbt_venv() -> None:
    installed = ROOT / ".meltano/utilities/dbt-postgres/venv/bin/transmissor-dbt"
    assert installed.exists(), "run `make setup` (meltano install)"


def _fake_dbt(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    script = venv / "bin" / "dbt"
    record = tmp_path / "dbt.json"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        "ran = {'args': sys.argv[1:], 'env': dict(os.environ)}\n"
        f"json.dump(ran, open({str(record)!r}, 'w'))\n"
        "print('deployed')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return venv


def test_the_deploy_runs_dbt_itself_inside_the_dbt_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In `dbt-postgres:build_municipio` (VIRTUAL_ENV and DBT_* set by Meltano), the deploy of
    a new warehouse is dbt with `dbt-postgres:first_deploy`'s arguments, fleet-wide, not
    Meltano."""
    monkeypatch.setenv("VIRTUAL_ENV", str(_fake_dbt(tmp_path)))
    monkeypatch.setenv("DBT_PROJECT_DIR", str(ROOT / "transform"))
    monkeypatch.setenv("MUNICIPIO_IBGE", "2611533")

    def no_meltano(*args: object, **kwargs: object) -> MeltanoResult:
        raise AssertionError("the daily dbt step called back into Meltano")

    monkeypatch.setattr(dbt, "run_meltano", no_meltano)
    result = dbt.deploy(ROOT)
    assert result.ok and "deployed" in result.output
    ran = json.loads((tmp_path / "dbt.json").read_text())
    assert ran["args"] == ["build", "--full-refresh", "--exclude-resource-type", "test"]
    assert "MUNICIPIO_IBGE" not in ran["env"]
    assert ran["env"]["DBT_PROJECT_DIR"] == str(ROOT / "transform")


def test_the_deploy_elsewhere_is_the_named_meltano_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DBT_PROJECT_DIR", raising=False)
    monkeypatch.setenv("MUNICIPIO_IBGE", "2611533")
    calls = []

    def meltano(root: Path, args: list[str], **kwargs: object) -> MeltanoResult:
        calls.append((args, kwargs["base_env"]))
        return MeltanoResult(0, 1.0, "")

    monkeypatch.setattr(dbt, "run_meltano", meltano)
    assert dbt.deploy(ROOT).ok
    [(args, env)] = calls
    assert args == ["invoke", "dbt-postgres:first_deploy"]
    assert "MUNICIPIO_IBGE" not in env
