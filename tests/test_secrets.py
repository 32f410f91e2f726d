"""Secrets stay secret.

1. Nothing in the repository (tracked files, and every blob in its history) holds a
   credential, by detect-secrets and the project's own plugins (tests/secret_scan.py): no
   password in a URL or a setting, no private key, no token. The planted cases of
   tests/fixtures/secrets/planted/ are each found; the look-alikes of
   tests/fixtures/secrets/lookalikes/ (references, placeholders, URLs without a password,
   code that computes a value) each pass.
2. The PEC password, the warehouse password and the pseudonymisation key, known and
   distinctive, through the daily job (`meltano run transmissao-diaria`, pseudonymisation on)
   and `transmissor run`, both succeeding: none of them is in any output, log (`logs/run/`),
   Meltano run folder, dbt artefact or table of the banco analítico (every schema, every
   column). Only `.env` holds them.
"""

from __future__ import annotations

import stat
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests import secret_scan
from tests.pec_access import install_readonly_role, new_role_name
from tests.project import PROJECT_ROOT, ProjectCopy
from transmissor.dev.localpg import LocalPostgres
from transmissor.meltano.run import run_meltano
from transmissor.municipios import environments

# -- 1. the repository -------------------------------------------------------------------------


def _cases(folder: Path) -> list[tuple[str, str, str]]:
    """(id, suffix, line) of every non-empty line of the fixture files in `folder`."""
    cases = []
    for file in sorted((PROJECT_ROOT / folder).iterdir()):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                cases.append((f"{file.name}:{number}", file.suffix, line))
    return cases


PLANTED = _cases(secret_scan.PLANTED)
LOOKALIKES = _cases(secret_scan.LOOKALIKES)


@pytest.mark.parametrize(("suffix", "line"), [c[1:] for c in PLANTED], ids=[c[0] for c in PLANTED])
def test_the_scan_finds_every_planted_credential(suffix: str, line: str) -> None:
    assert secret_scan.scan_text(line + "\n", suffix), f"not found: {line}"


@pytest.mark.parametrize(
    ("suffix", "line"), [c[1:] for c in LOOKALIKES], ids=[c[0] for c in LOOKALIKES]
)
def test_the_scan_lets_every_lookalike_pass(suffix: str, line: str) -> None:
    found = secret_scan.scan_text(line + "\n", suffix)
    assert not found, f"{line}: {[f.kind for f in found]}"


def test_no_tracked_file_holds_a_credential() -> None:
    files = secret_scan.tracked_files()
    assert len(files) > 100 and any(
        p.startswith("tests/fixtures/secrets/lookalikes/") for p, *_ in files
    )
    findings = secret_scan.scan(files)
    assert not findings, "\n".join(map(str, findings))


def _allowed(text: str) -> set[tuple[str, str]]:
    """(path, value fingerprint) pairs, one per line, `#` lines explaining them."""
    pairs = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            path, fingerprint = line.split()
            pairs.add((path, fingerprint))
    return pairs


# Found in history when the scan moved to detect-secrets, and harmless: by path, the sha256
# prefix of the value (never the value), unquoted (a quoted hex string is a finding itself).
# History is shared, so it is not rewritten; anything else found there fails.
HISTORY_ALLOWED = _allowed(
    """
# `user:password@` in the help of `contract catalog --pec-url` (now `<password>`).
orchestrate/transmissor/cli/contract.py 5e884898da28
orchestrate/transmissor/contract_cli.py 5e884898da28
tests/test_secrets.py 5e884898da28
# The comment that named the CI secret store's variables, read as a setting.
orchestrate/ci/transmissor-fleet.yml 89b7cf455023
orchestrate/ci/transmissor-fleet.yml f0761c690542
# A município's expected status "failed", keyed by its constant named for a wrong password.
tests/test_fleet_e2e.py 5d28a90f4498
# Made-up passwords of throwaway roles on the suite's own temporary servers, before the
# tests generated one per run, and a dummy the TLS check refused before using it.
tests/test_bad_input.py 0bb3207c3258
tests/test_check_readonly_role.py 6672fc3b9494
tests/test_edge_e2e.py 221162be3eb9
# The hand-written scanner this one replaced: its planted sample, a sample token, a pattern.
tests/test_secrets.py 74132d3a3da3
tests/test_secrets.py 88619647c28d
tests/test_secrets.py 835720d2fd5e
# The profile password of a dbt parse that never connects, written out before the test
# generated one (the scan of tracked files flagged it, as it should).
tests/test_dbt_parse.py 6959fc613e88
"""
)


def test_no_commit_in_the_history_holds_a_credential() -> None:
    blobs = secret_scan.history_blobs()
    assert blobs
    findings = [
        f
        for f in secret_scan.scan(blobs)
        if (f.where.split("@", 1)[0], f.fingerprint) not in HISTORY_ALLOWED
    ]
    assert not findings, "\n".join(sorted(map(str, findings)))


def test_dotenv_is_ignored_and_never_tracked() -> None:
    assert ".env" not in secret_scan.git("ls-files").splitlines()
    assert secret_scan.git("check-ignore", ".env").strip() == ".env"
    assert not secret_scan.git("log", "--all", "--format=%H", "--", ".env").strip(), (
        ".env was committed"
    )


# -- 2. a transmission with known secrets --------------------------------------------------

IBGE = "1200401"  # Rio Branco (AC)


@dataclass
class Watcher:
    """Watches Meltano's run directories while plugins run, for files holding a secret."""

    run_dir: Path
    secrets: tuple[str, ...]
    seen: dict[Path, tuple[int, int]] = field(default_factory=dict)  # file -> (its, folder's mode)
    stop: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> None:
        while not self.stop.is_set():
            for path in self.run_dir.rglob("*.config.json"):
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                    if any(secret in text for secret in self.secrets):
                        # The file's mode, and the tightest folder on its way from .local.
                        folders = [p for p in path.parents if self.run_dir in (p, *p.parents)]
                        modes = (
                            stat.S_IMODE(path.stat().st_mode),
                            min(stat.S_IMODE(p.stat().st_mode) & 0o077 for p in folders),
                        )
                        self.seen.setdefault(path, modes)
                except FileNotFoundError:
                    continue
            self.stop.wait(0.05)


def _files_holding(base: Path, secrets: dict[str, str], skip: set[Path]) -> list[str]:
    """`name: path` of every file under `base` (links not followed) holding a secret."""
    hits = []
    for path in base.rglob("*"):
        if path in skip or any(p in skip for p in path.parents) or "venv" in path.parts:
            continue
        if path.is_symlink() or not path.is_file():
            continue
        try:
            content = path.read_bytes()
        except OSError:
            continue
        hits += [f"{name}: {path}" for name, value in secrets.items() if value.encode() in content]
    return hits


def _rows_holding(conn: psycopg.Connection, secrets: dict[str, str]) -> tuple[list[str], int]:
    """`name: schema.table` of every table of every schema with a row holding a secret in any
    column (the row as text), and how many tables were read."""
    tables = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema not in ('pg_catalog', 'information_schema') "
        "and table_type = 'BASE TABLE'"
    ).fetchall()
    hits = []
    for schema, table in tables:
        for name, value in secrets.items():
            count = conn.execute(
                sql.SQL("select count(*) from {} t where strpos(t::text, %s) > 0").format(
                    sql.Identifier(schema, table)
                ),
                (value,),
            ).fetchone()[0]
            if count:
                hits.append(f"{name}: {schema}.{table}: {count} row(s)")
    return hits, len(tables)


def _warehouse_role(server: LocalPostgres, password: str) -> str:
    """A role of the banco analítico's own, with a password nobody could mistake."""
    role = f"analitico_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server.url(), autocommit=True) as conn:
        conn.execute(
            sql.SQL("create role {} login superuser password {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
    return role


@pytest.mark.e2e
def test_a_transmission_leaves_its_secrets_nowhere_but_dotenv(
    pg_server: LocalPostgres, tmp_path: Path
) -> None:
    """The PEC password, the warehouse password and the pseudonymisation key, each known and
    distinctive, through the daily job and `transmissor run`: in no output, log, run folder,
    dbt artefact or table; only in .env."""
    secrets = {
        "PEC password": f"Segredo-{uuid.uuid4().hex}-Transmissor",
        "warehouse password": f"Armazem-{uuid.uuid4().hex}-Analitico",
        "pseudonymisation key": f"Chave-{uuid.uuid4().hex}-Pseudonimo",
    }
    project = ProjectCopy.create(tmp_path, pg_server, deployed=True)
    source = project.add_municipio(IBGE, citizens=100, seed=31)
    database = source.rsplit("/", 1)[1]
    # The read-only role of extract/sql/pec_readonly_role.sql. Its column-level grants must be
    # enough for tap-postgres.
    role = new_role_name("transmissor_leitura")
    install_readonly_role(pg_server, database, role, secrets["PEC password"], tmp_path)
    environments.environment_path(project.root, IBGE).unlink()
    environments.add(project.root, IBGE, "127.0.0.1", pg_server.port, database, role)
    warehouse_role = _warehouse_role(pg_server, secrets["warehouse password"])
    password = secrets["warehouse password"]
    project.settings = {
        "WAREHOUSE_USER": warehouse_role,
        "WAREHOUSE_PASSWORD": password,
        "MELTANO_DATABASE_URI": (
            f"postgresql+psycopg://{warehouse_role}:{password}@127.0.0.1:{pg_server.port}/"
            f"{project.warehouse_db}?options=-csearch_path%3Dmeltano"
        ),
        environments.password_variable(IBGE): secrets["PEC password"],
        "TRANSMISSOR_PSEUDONYMISE": "true",
        "TRANSMISSOR_PSEUDONYMISATION_KEY": secrets["pseudonymisation key"],
    }
    project.write_env()
    env = project.process_env()
    assert all(value in (project.root / ".env").read_text() for value in secrets.values())

    # Each environment's Meltano system directory (run files, dbt target) is under .local/.
    watcher = Watcher(project.root / ".local", tuple(secrets.values()))
    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    outputs = []
    transmissor = str(PROJECT_ROOT / ".venv" / "bin" / "transmissor")
    try:
        preflight = run_meltano(project.root, ["invoke", "transmissor", "preflight"], IBGE,
                                base_env=env, timeout=900)  # fmt: skip
        outputs.append(preflight.output)
        assert preflight.ok and "ready to transmit" in preflight.output, preflight.output[-3000:]
        job = run_meltano(project.root, ["run", "transmissao-diaria"], IBGE, base_env=env,
                          timeout=900)  # fmt: skip
        outputs.append(job.output)
        assert job.ok, job.output[-3000:]
        fleet = subprocess.run(
            [transmissor, "run", "--municipio", IBGE, "--retries", "0"],
            cwd=project.root, env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip
        outputs.append(fleet.stdout + fleet.stderr)
        assert fleet.returncode == 0, (fleet.stdout + fleet.stderr)[-3000:]
    finally:
        watcher.stop.set()
        thread.join()

    # The transmission happened, with the read-only role and pseudonymisation on.
    with project.warehouse() as conn:
        loaded = conn.execute(
            "select count(*) from raw_pec.tb_fat_cidadao_pec where co_municipio_ibge = %s",
            (IBGE,),
        ).fetchone()[0]
        assert loaded > 0, job.output[-3000:]
        clear = conn.execute(
            "select count(*) from raw_pec.tb_fat_cidadao_pec where co_municipio_ibge = %s "
            "and nu_cpf_cidadao !~ '^[0-9a-f]{64}$'",
            (IBGE,),
        ).fetchone()[0]
        assert clear == 0, "CPFs in the clear: the pseudonymisation path did not run"
        assert conn.execute(
            "select count(*) from meltano.state where state_id like %s", (f"{IBGE}:%",)
        ).fetchone()[0]
        rows, tables = _rows_holding(conn, secrets)
    assert tables > 40, "expected the raw, staging, marts, meltano and transmissor tables"

    # Meltano wrote the plugins' configuration, passwords included, while they ran: in a
    # folder only its owner may enter (preflight made it so), and deleted it afterwards.
    assert watcher.seen, "expected Meltano to pass the passwords in plugin config files"
    # (The file itself is created with the process umask, 0644 under the usual 022.)
    for path, (_, folder_mode) in watcher.seen.items():
        assert not path.exists(), f"{path} left behind"
        assert folder_mode == 0, f"every folder above {path} lets others in"

    leaked = [f"{name} in output {n}" for n, o in enumerate(outputs) for name, value in
              secrets.items() if value in o]  # fmt: skip
    assert not leaked, leaked
    assert not rows, f"a secret is in the banco analítico: {rows}"
    # What the scan below reads: the run's logs, Meltano's run folders, dbt's artefacts.
    logs = list((project.root / "logs" / "run").rglob("*.log"))
    assert logs, "transmissor run wrote no log under logs/run/"
    sys_dir = project.root / ".local" / "meltano" / IBGE
    assert any((sys_dir / "dbt" / "target").rglob("*")), "no dbt artefacts to scan"
    assert (sys_dir / "run").is_dir(), "no Meltano run folder to scan"
    linked = {project.root / ".env", project.root / ".meltano", project.root / ".venv"}
    in_project = _files_holding(project.root, secrets, linked)
    assert not in_project, f"a secret is in files the project wrote: {in_project}"
    in_meltano = _files_holding((PROJECT_ROOT / ".meltano").resolve(), secrets, set())
    assert not in_meltano, f"a secret is in .meltano: {in_meltano}"

    # The marts this job built can be shared per município (reusing the costly run).
    for action in (["apply", "--municipio", IBGE], ["status"]):
        done = subprocess.run(
            [transmissor, "access", *action],
            cwd=project.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert not [v for v in secrets.values() if v in done.stdout + done.stderr]
    with project.warehouse() as conn:
        marts = conn.execute(
            "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'marts' and c.relkind in ('r', 'p')"
        ).fetchone()[0]
        secured = conn.execute(
            "select count(*) from pg_policy p join pg_class c on c.oid = p.polrelid "
            "join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'marts' and p.polname = 'municipio_rows' and c.relrowsecurity"
        ).fetchone()[0]
    assert marts > 0, "dbt built no marts table:\n" + job.output[-3000:]
    assert secured == marts, done.stdout
