"""Pseudonymisation on every path, end to end, with columns this test marks.

The project copy's contract also pseudonymises a column of two incremental tables
(tests/pseudonyms.py), on top of CPF and CNS of the full-table tb_fat_cidadao_pec, and the
same person is planted in every PEC. Then:

- a central transmissão (the daily job's extract-load tasks): the first load by COPY, the
  full-table tables by the snapshot, the next day's rows by Singer;
- an edge box (`transmissor edge install`, `edge run` as loader_<IBGE> under row-level
  security): the same three paths;
- no clear value of a pseudonymised column is in any raw table, every row equals its source
  with those columns as their pseudonyms, and the planted person has the same pseudonyms on
  every path;
- a key shorter than 32 characters, and a missing one, are refused at every entry point (the
  daily job's first task, the tap itself, `transmissor run`, the edge box's install and run)
  before anything connects: the município's PEC is unreachable, and the error is the key's.

The Singer path through an SSH tunnel is tested in tests/test_ssh_tunnel_e2e.py, with the
same marks and person.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.project import EXTRACT_LOAD_TASKS, ProjectCopy
from tests.pseudonyms import (
    FICHA,
    KEY_TEXT,
    LATE_FICHA,
    MARKED_COLUMN,
    MARKED_TABLE,
    PERSON,
    assert_converged,
    clear_values,
    expected,
    leaks,
    mark_columns,
    person_pseudonyms,
    plant_late_ficha,
    plant_person,
    turn_on,
)
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, LocalPostgres
from transmissor.edge import loader_role
from transmissor.load.pseudonymise import KEY, SWITCH
from transmissor.meltano.run import run_meltano
from transmissor.municipios import environments

pytestmark = pytest.mark.e2e

CENTRAL = "2611533"  # Quixaba (PE)
EDGE = "1200401"  # Rio Branco (AC)
REFUSED = "3509502"  # Campinas (SP): registered with a PEC nothing listens for
# The daily job's extract-load, as its tasks: check-and-copy (pre-flight, the COPY first load,
# the snapshot), the Singer extract-load, reconciliation. Its dbt step reads no PEC.
EXTRACT_LOAD = ["run", *EXTRACT_LOAD_TASKS]
SHORT_KEY = "k" * 16
BIN = Path(sys.executable).parent


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Loaded:
    project: ProjectCopy
    url: str
    outputs: list[str]
    copied_up_to: int  # the highest MARKED_TABLE key of the first load, by COPY


def _extract_load(project: ProjectCopy, ibge: str) -> str:
    result = project.meltano(EXTRACT_LOAD, environment=ibge)
    assert result.ok, result.output[-3000:]
    return result.output


def _max_key(project: ProjectCopy, ibge: str) -> int:
    return max(project.warehouse_keys(ibge, MARKED_TABLE, "co_seq_fat_cad_individual"))


@pytest.fixture(scope="module")
def central(pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    project = ProjectCopy.create(tmp_path_factory.mktemp("paths"), pg_server, deployed=True)
    mark_columns(project.root)
    turn_on(project)
    url = project.add_municipio(CENTRAL, citizens=150, seed=41)
    plant_person(url)
    first = _extract_load(project, CENTRAL)
    copied_up_to = _max_key(project, CENTRAL)
    sandbox.advance(url, days=2, seed=5)
    plant_late_ficha(url)
    second = _extract_load(project, CENTRAL)
    return Loaded(project, url, [first, second], copied_up_to)


def _clean_env(**extra: str) -> dict[str, str]:
    drop = ("WAREHOUSE_", "PEC_", "MELTANO_", "PGSSL", "TRANSMISSOR_")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(drop)}, **extra}


@dataclass
class EdgeBox:
    root: Path
    url: str
    runs: list[subprocess.CompletedProcess] = field(default_factory=list)

    def run(self) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(self.root / ".venv/bin/transmissor"), "edge", "run"],
            cwd=self.root,
            env=_clean_env(MELTANO_PROJECT_ROOT=str(self.root)),
            capture_output=True,
            text=True,
            check=False,
            timeout=900,
        )
        self.runs.append(done)
        return done


def _install(
    project: ProjectCopy, root: Path, database: str, loader_password: str, key: str
) -> subprocess.CompletedProcess:
    server = project.server
    return subprocess.run(
        [str(BIN / "transmissor"), "edge", "install", "--ibge", EDGE, "--dir", str(root),
         "--pec-host", "127.0.0.1", "--pec-port", str(server.port), "--pec-database", database,
         "--pec-user", SUPERUSER, "--warehouse-host", "127.0.0.1",
         "--warehouse-port", str(server.port), "--warehouse-database", project.warehouse_db,
         "--source", str(project.root), "--reuse-venv", str(project.root), "--timer", "none",
         "--no-verify"],
        cwd=root.parent,
        env=_clean_env(**{
            environments.password_variable(EDGE): server.password(),
            "WAREHOUSE_PASSWORD": loader_password,
            SWITCH: "true",
            KEY: key,
        }),
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def edge_box(central: Loaded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeBox]:
    """A box for EDGE installed with the deployment's key, run, one day later run again."""
    project = central.project
    url = project.add_municipio(EDGE, citizens=150, seed=42)
    plant_person(url)
    password = secrets.token_urlsafe(16)
    with project.warehouse() as conn:
        loader_role.grant(conn, project.contract(), EDGE, password, central_version="0.1.0")
    root = tmp_path_factory.mktemp("edge") / "box"
    installed = _install(project, root, url.rsplit("/", 1)[1], password, KEY_TEXT)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    box = EdgeBox(root, url)
    for day in range(2):
        if day:
            sandbox.advance(url, days=2, seed=6)
            plant_late_ficha(url)
        ran = box.run()
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
    yield box


def _assert_pseudonymised(project: ProjectCopy, ibge: str, url: str) -> dict[str, set[str]]:
    rows = assert_converged(project, ibge, url)
    assert rows > 1000
    with project.warehouse() as conn:
        assert leaks(conn, ibge, clear_values(url, project.contract())) == []
        person = person_pseudonyms(conn, ibge)
    assert expected(PERSON["nu_cpf_cidadao"]) in person["nu_cpf_cidadao"]
    assert expected(PERSON["nu_cns"]) in person["nu_cns"]
    assert {expected(FICHA), expected(LATE_FICHA)} <= person[MARKED_COLUMN]
    return person


def test_a_central_transmissao_pseudonymises_on_the_copy_snapshot_and_singer_paths(
    central: Loaded,
) -> None:
    project = central.project
    first, second = central.outputs
    assert "first load copied" in first  # the incremental tables went by COPY
    assert "full-table tables" in first  # the snapshot
    assert "nothing to copy" in second  # the next day: Singer from the bookmarks
    # The second day's registrations came by Singer, after the first load's last key.
    later = [
        k
        for k in project.warehouse_keys(CENTRAL, MARKED_TABLE, "co_seq_fat_cad_individual")
        if k > central.copied_up_to
    ]
    assert later
    _assert_pseudonymised(project, CENTRAL, central.url)


def test_an_edge_box_pseudonymises_as_the_central_transmissao(
    central: Loaded, edge_box: EdgeBox
) -> None:
    first = edge_box.runs[0]
    log = (edge_box.root / first.stdout.strip().rsplit("log: ", 1)[1]).read_text()
    assert "first load copied" in log and "full-table tables" in log
    edge = _assert_pseudonymised(central.project, EDGE, edge_box.url)
    dotenv = (edge_box.root / ".env").read_text(encoding="utf-8")
    assert f"{SWITCH}=true" in dotenv and f"{KEY}={KEY_TEXT}" in dotenv
    with central.project.warehouse() as conn:
        here = person_pseudonyms(conn, CENTRAL)
    # The same person, the same pseudonyms, whichever path carried them.
    for column in ("nu_cpf_cidadao", "nu_cns"):
        assert expected(PERSON[column]) in here[column] & edge[column]
    assert {expected(FICHA), expected(LATE_FICHA)} <= here[MARKED_COLUMN] & edge[MARKED_COLUMN]


# -- the key, refused before anything connects ---------------------------------------------


@pytest.fixture(scope="module")
def refused(central: Loaded) -> ProjectCopy:
    project = central.project
    environments.add(project.root, REFUSED, "127.0.0.1", _closed_port(), "esus", SUPERUSER)
    project.sources[REFUSED] = ""
    project.write_env()
    return project


def _meltano(project: ProjectCopy, args: list[str], **env: str) -> str:
    base = {**project.process_env(), **env}
    base = {k: v for k, v in base.items() if v != "<unset>"}
    result = run_meltano(project.root, args, environment=REFUSED, timeout=300, base_env=base)
    assert not result.ok
    return result.output


def _refused_as(message: str, output: str) -> None:
    assert message in output, output[-3000:]
    assert "município 3509502 (Campinas/SP)" in output, output[-3000:]
    assert "Nothing was read or written" in output
    # The PEC (nothing listens there) was never tried: the key's error came first.
    lowered = output.lower()
    assert "cannot reach" not in lowered and "cannot connect" not in lowered


def test_a_short_key_is_refused_before_anything_connects(refused: ProjectCopy) -> None:
    short = f"{KEY} has only 16 characters"
    # The daily job: its first task refuses.
    _refused_as(short, _meltano(refused, ["run", "transmissao-diaria"], **{KEY: SHORT_KEY}))
    # The tap on its own (its filter refuses before the tap starts).
    tap = _meltano(refused, ["run", "tap-pec", "target-postgres"], **{KEY: SHORT_KEY})
    assert short in tap and "tap-pec of município 3509502" in tap, tap[-3000:]
    # `transmissor run`: before it connects even to the banco analítico (a closed port here).
    fleet = subprocess.run(
        [str(BIN / "transmissor"), "run", "--municipio", REFUSED],
        cwd=refused.root,
        env={**refused.process_env(), KEY: SHORT_KEY, "WAREHOUSE_PORT": str(_closed_port())},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert fleet.returncode == 1 and short in fleet.stderr, fleet.stdout + fleet.stderr
    assert "banco analítico" not in fleet.stderr
    refused.assert_nothing_of(REFUSED)


def test_a_missing_key_is_refused_before_anything_connects(refused: ProjectCopy) -> None:
    refused.settings.pop(KEY)
    refused.write_env()
    try:
        output = _meltano(refused, ["run", "transmissao-diaria"], **{KEY: "<unset>"})
        _refused_as(f"{SWITCH} is on but {KEY} is not set", output)
    finally:
        turn_on(refused)
    refused.assert_nothing_of(REFUSED)


def test_an_edge_box_refuses_a_short_key_at_install_and_at_run(
    central: Loaded, edge_box: EdgeBox, tmp_path: Path
) -> None:
    project = central.project
    root = tmp_path / "box"
    done = _install(project, root, "esus", "unused", SHORT_KEY)
    assert done.returncode == 1 and f"{KEY} has only 16 characters" in done.stderr
    assert "edge box of IBGE 1200401" in done.stderr
    assert not root.exists()

    env_file = edge_box.root / ".env"
    good = env_file.read_text(encoding="utf-8")
    runs = (edge_box.root / ".local/edge/runs.jsonl").read_text(encoding="utf-8")
    logs = sorted((edge_box.root / "logs/edge").iterdir())
    env_file.write_text(good.replace(f"{KEY}={KEY_TEXT}", f"{KEY}={SHORT_KEY}"))
    try:
        ran = edge_box.run()
    finally:
        env_file.write_text(good, encoding="utf-8")
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert f"{KEY} has only 16 characters" in ran.stderr
    assert "município 1200401 (Rio Branco/AC)" in ran.stderr
    # Meltano never started: no new run, no new log.
    assert (edge_box.root / ".local/edge/runs.jsonl").read_text(encoding="utf-8") == runs
    assert sorted((edge_box.root / "logs/edge").iterdir()) == logs
