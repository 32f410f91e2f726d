"""The HTML status page, rendered by headless Chromium: what a person would see."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.test_status_record import DAY, A, B, C, D, at, fleet_day, registered
from transmissor.fleet import status_html
from transmissor.fleet.status import Deadline, compute
from transmissor.warehouse import transmissions

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def chromium(page: Path, tmp_path: Path, *args: str) -> str:
    if not CHROMIUM:
        # Fails under CI=true (tests/no_skips_in_ci.py); .ci/run installs Debian's package.
        pytest.skip("chromium is not installed: apt-get install -y chromium")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    completed = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return completed.stdout


@pytest.fixture
def page(new_database, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    from tests.test_status_record import MELTANO_RUNS

    with psycopg.connect(new_database("html"), autocommit=True) as conn:
        conn.execute(MELTANO_RUNS)
        transmissions.ensure_schema(conn)
        fleet_day(conn)
        fleet = compute(conn, registered(tmp_path / "project"), DAY, at(DAY, 13, 30), Deadline())
    path = tmp_path / "status.html"
    path.write_text(status_html.render(fleet), encoding="utf-8")
    return path


def test_the_page_is_self_contained(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html


def test_chromium_shows_the_grid_the_states_and_the_rows(page: Path, tmp_path: Path) -> None:
    dom = chromium(page, tmp_path, "--dump-dom")
    assert "Transmissões de 27/11/2026" in dom
    assert "2 need attention: Rio Branco/AC, Campinas/SP" in dom
    # One grid row per município, 14 day cells each, failed and late first.
    rows = re.findall(r'<tr data-municipio="(\d{7})"><td class="m">', dom)
    assert rows == [B, C, D, A]
    for code in (A, B, C, D):
        row = re.search(rf'<tr data-municipio="{code}"><td class="m">(.*?)</tr>', dom, re.S)
        assert row and len(re.findall(r'class="c ', row.group(1))) == 14
    today = {
        code: re.findall(rf'data-municipio="{code}".*?</tr>', dom, re.S)[0] for code in (A, B, C)
    }
    assert re.findall(r'data-state="(\w[\w-]*)"', today[A])[-1] == "ok"
    assert re.findall(r'data-state="(\w[\w-]*)"', today[B])[-1] == "failed"
    assert re.findall(r'data-state="(\w[\w-]*)"', today[C])[-1] == "late"
    # Summary cards and the rows per day across the fleet (day 26: 3 municipalities x 2 rows).
    assert re.search(r'data-count="ok"><b>1</b>', dom)
    assert re.search(r'data-count="late"><b>1</b>', dom)
    assert 'data-day="2026-11-26" data-rows="6"' in dom
    # Today: A 5 + 1, and B's two failed loads wrote 1 row each before failing.
    assert 'data-day="2026-11-27" data-rows="8"' in dom
    # The detail: rows per table today and the last error.
    assert "tb_cidadao&nbsp;<b>5</b>" in dom
    assert "Extractor failed" in dom


def test_the_screenshot_is_a_readable_page(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "status.png"
    chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1400,1000")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    assert len(data) > 30_000  # a page with content, not a blank canvas
    keep = os.environ.get("TRANSMISSOR_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
