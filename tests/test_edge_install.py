"""The edge install's files: timer units and crontab entry, .env, uninstall, the hourly gate.

No server needed: the install runs without verification, the timers go to a folder.
"""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from tests.project import PROJECT_ROOT, installed_root
from transmissor.edge import box, install
from transmissor.edge import timer as edge_timer
from transmissor.errors import TransmissorError

IBGE = "1200401"  # Rio Branco (AC)
ZONE = "America/Rio_Branco"


def _install(tmp_path: Path, timer: str = "cron", **kwargs) -> install.Installed:
    return install.install(
        IBGE,
        tmp_path / "box",
        install.PecSource("192.168.10.5", 5432, "esus", "transmissor_leitura", "pec-secret-1"),
        install.WarehouseTarget("analitico.example.org", 5432, "transmissor", "loader-secret-2"),
        source=str(PROJECT_ROOT),
        reuse_venv=installed_root(tmp_path),
        timer_kind=timer,
        timer_dir=tmp_path / "timers",
        hour=2,
        random_delay=5400,
        log=lambda _: None,
        **kwargs,
    )


def test_systemd_units_start_in_the_municipios_early_morning(tmp_path: Path) -> None:
    installed = _install(tmp_path, timer="systemd", verify=False)
    service, timer = (Path(f) for f in installed.timer.files)
    assert service.name == f"transmissor-edge-{IBGE}.service" and not installed.timer.enabled
    units = timer.read_text()
    assert f"OnCalendar=*-*-* 02:00:00 {ZONE}\n" in units
    assert "RandomizedDelaySec=5400\n" in units and "Persistent=true\n" in units
    text = service.read_text()
    assert f"ExecStart={installed.root}/.venv/bin/transmissor edge run\n" in text
    assert "Type=oneshot" in text and "UMask=0077" in text


def test_install_writes_private_settings_and_uninstall_removes_everything(tmp_path: Path) -> None:
    installed = _install(tmp_path, verify=False)
    root = installed.root
    assert installed.version.startswith("0.1.0+g")  # a git clone of this project
    assert [p.name for p in (root / "environments").glob("*.meltano.yml")] == [
        f"{IBGE}.meltano.yml"
    ]
    env_file = root / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    dotenv = env_file.read_text()
    assert f"WAREHOUSE_USER=loader_{IBGE}" in dotenv
    # No CA given, a remote banco analítico: TLS required (not verified), for every connection.
    assert "WAREHOUSE_SSLMODE=require" in dotenv and "PGSSLMODE=require" in dotenv
    assert "options=-csearch_path%3Dmeltano&sslmode=require" in dotenv
    for name in (f"environments/{IBGE}.meltano.yml", "edge.json"):
        text = (root / name).read_text()
        assert "pec-secret-1" not in text and "loader-secret-2" not in text
    assert "ssl_mode: require" in (root / f"environments/{IBGE}.meltano.yml").read_text()
    marker = json.loads((root / "edge.json").read_text())
    assert marker["timezone"] == ZONE and marker["schedule"] == {"hour": 2, "random_delay": 5400}
    (entry,) = installed.timer.files
    line = next(x for x in Path(entry).read_text().splitlines() if "edge run" in x)
    minute, hour = line.split()[:2]
    assert 0 <= int(minute) < 60 and hour == "*"  # hourly; the command starts from 02:00
    assert f"--scheduled --at-hour 2 --timezone {ZONE} --random-delay 5400" in line

    # Self-update: fast-forward from the source it was cloned from (this project).
    _, after = install.update(root)
    assert (
        after.startswith("0.1.0+g")
        and json.loads((root / "edge.json").read_text())["version"] == after
    )

    with pytest.raises(TransmissorError, match="not empty"):
        _install(tmp_path, verify=False)

    removed = install.uninstall(root)
    assert str(root) in removed and entry in removed
    assert not root.exists() and not Path(entry).exists()
    assert (PROJECT_ROOT / ".venv").is_dir()  # the linked venv is untouched


def test_a_failed_verification_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(TransmissorError, match="not ready"):
        install.install(
            IBGE,
            tmp_path / "box",
            install.PecSource("127.0.0.1", 9, "esus", "transmissor_leitura", "pec-secret-1"),
            install.WarehouseTarget("127.0.0.1", 9, "transmissor", "loader-secret-2"),
            source=str(PROJECT_ROOT),
            reuse_venv=installed_root(tmp_path),
            timer_kind="cron",
            timer_dir=tmp_path / "timers",
            hour=1,
            random_delay=0,
            log=lambda _: None,
        )
    assert not (tmp_path / "box").exists() and not (tmp_path / "timers").exists()


def test_crontab_block_replaces_only_its_own_lines() -> None:
    schedule = edge_timer.Schedule(IBGE, ZONE, 1, 10800, 17)
    block = edge_timer.render_cron(Path("/srv/box"), schedule)
    mine = "MAILTO=ops\n5 4 * * * backup\n"
    updated = edge_timer._without_block(mine + block, IBGE) + block
    assert updated == mine + block
    assert edge_timer._without_block(updated, IBGE) == mine


def _at(hour: int) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime(2026, 11, 29, hour, 30, tzinfo=ZoneInfo(ZONE))


def test_the_hourly_gate_starts_once_a_day_from_the_chosen_hour(tmp_path: Path) -> None:
    runs = tmp_path / box.RUNS_FILE
    assert box.due(tmp_path, 1, ZONE, _at(0)) == f"before 01:00 {ZONE}"
    assert box.due(tmp_path, 1, ZONE, _at(1)) is None
    assert box.due(tmp_path, 1, ZONE, _at(9)) is None  # the box was off at 01:00: catch up
    runs.parent.mkdir(parents=True)
    failed = {"started_at": _at(1).isoformat(), "ok": False}
    runs.write_text(json.dumps(failed) + "\n")
    assert box.due(tmp_path, 1, ZONE, _at(2)) is None  # retried the next hour
    runs.write_text((json.dumps(failed) + "\n") * 3)
    assert "attempts failed" in box.due(tmp_path, 1, ZONE, _at(4))
    runs.write_text(json.dumps({**failed, "ok": True}) + "\n")
    assert box.due(tmp_path, 1, ZONE, _at(5)) == "already transmitted today"
    # The next day (in Rio Branco's time zone) it is due again.
    assert box.due(tmp_path, 1, ZONE, _at(5) + dt.timedelta(days=1)) is None
