"""The HTML status page, rendered by headless Chromium: what a person would see.

A fleet of three on 27/11/2026 at 13:30 São Paulo: Quixaba transmitted, Rio Branco failed,
Campinas sent nothing (late). Chromium renders `status --format html`; the tests read back
what it drew: the text as laid out (CSS applied: `innerText`), where each row's cell of the
day is, and the colour of the screenshot's pixels there.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests import png
from tests.test_status_record import DAY, MELTANO_RUNS, A, B, C, at, fleet_day
from transmissor.fleet import status_html
from transmissor.fleet.status import Deadline, compute
from transmissor.municipios import environments
from transmissor.warehouse import transmissions

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1400,1000",
)  # fmt: skip
FINE, FAILED, LATE = A, B, C
# The cell backgrounds of status_html.CSS: --ok-bg, --failed-bg, --late-bg.
BACKGROUND = {"ok": (0xD7, 0xF5, 0xDD), "failed": (0xFD, 0xE2, 0xDF), "late": (0xFF, 0xF1, 0xC2)}

# Appended to a copy of the page (the page itself has no script): after layout, the text as
# rendered and the box of each município's last grid cell (the day), for --dump-dom.
PROBE = """<script>
const boxes = {};
for (const row of document.querySelectorAll('table.grid tr[data-municipio]')) {
  const cells = row.querySelectorAll('td.c');
  const r = cells[cells.length - 1].getBoundingClientRect();
  boxes[row.dataset.municipio] = {x: r.left, y: r.top, w: r.width, h: r.height};
}
const out = document.createElement('pre');
out.id = 'probe';
out.textContent = JSON.stringify({boxes: boxes, text: document.body.innerText});
document.body.appendChild(out);
</script>"""


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
    root = tmp_path / "project"
    for code in (FINE, FAILED, LATE):
        environments.add(root, code, "127.0.0.1", 5432, f"pec_{code}", "transmissor")
    with psycopg.connect(new_database("html"), autocommit=True) as conn:
        conn.execute(MELTANO_RUNS)
        transmissions.ensure_schema(conn)
        fleet_day(conn)  # also a running fourth município, not registered here
        fleet = compute(conn, environments.registered(root), DAY, at(DAY, 13, 30), Deadline())
    assert {m.ibge: m.state for m in fleet.municipios} == {
        FINE: "ok", FAILED: "failed", LATE: "late"
    }  # fmt: skip
    path = tmp_path / "status.html"
    path.write_text(status_html.render(fleet), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Rendered:
    text: str  # document.body.innerText: the text as drawn, CSS applied
    boxes: dict[str, dict[str, float]]  # município -> its day cell's box, in CSS pixels
    shot: png.Image


@pytest.fixture
def rendered(page: Path, tmp_path: Path) -> Rendered:
    probed = tmp_path / "probed.html"
    probed.write_text(
        page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    dom = chromium(probed, tmp_path, "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    probe = json.loads(html.unescape(found.group(1)))
    shot = tmp_path / "status.png"
    chromium(page, tmp_path, f"--screenshot={shot}")  # the page as served, no probe
    if keep := os.environ.get("TRANSMISSOR_KEEP_SCREENSHOT"):
        shutil.copy(shot, keep)
    lowest = max(int(b["y"] + b["h"]) for b in probe["boxes"].values()) + 1
    return Rendered(probe["text"], probe["boxes"], png.read(shot.read_bytes(), rows=lowest))


def test_the_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<script" not in text


def test_the_rendered_text_says_who_needs_attention(rendered: Rendered) -> None:
    text = rendered.text
    assert "Transmissões de 27/11/2026" in text
    assert "2 need attention: Rio Branco/AC, Campinas/SP" in text
    # The grid's state labels are drawn in capitals (text-transform), failed and late first.
    grid = text[text.index("Freshness, last 14 days") : text.index("Rows received per day")]
    labels = re.findall(r"\b(TRANSMITTED|FAILED|LATE)\b", grid)
    assert labels == ["FAILED", "LATE", "TRANSMITTED"], grid
    assert grid.index("Rio Branco") < grid.index("Campinas") < grid.index("Quixaba")
    # The detail: rows per table today and the last error.
    detail = text[text.index("On 27/11/2026") :]
    assert re.search(r"tb_cidadao\s5", detail)
    assert "Extractor failed" in detail


def test_the_failed_row_is_drawn_red_the_late_amber_the_fine_green(rendered: Rendered) -> None:
    shot = rendered.shot
    assert (shot.width, shot.height) == (1400, 1000)
    boxes = rendered.boxes
    assert boxes[FAILED]["y"] < boxes[LATE]["y"] < boxes[FINE]["y"]  # attention first
    for code, state in ((FINE, "ok"), (FAILED, "failed"), (LATE, "late")):
        box = boxes[code]
        # Inside the cell's 2 px border, left of its centred text, at mid-height.
        x, y = int(box["x"] + 6), int(box["y"] + box["h"] / 2)
        colour = shot.pixel(x, y)
        assert _near(colour, BACKGROUND[state]), f"{code} ({state}) drawn {colour} at {x},{y}"
    # And not by accident: the three cells differ from each other and from the white page.
    drawn = {shot.pixel(int(b["x"] + 6), int(b["y"] + b["h"] / 2)) for b in boxes.values()}
    assert len(drawn) == 3 and (255, 255, 255) not in drawn


def _near(colour: tuple[int, int, int], expected: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=True))
