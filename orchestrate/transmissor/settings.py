"""Where the project is, and the settings it reads from the environment and `.env`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dotenv import dotenv_values

from transmissor.errors import TransmissorError


def project_root() -> Path:
    """The Meltano project root: $MELTANO_PROJECT_ROOT, else the nearest folder with meltano.yml."""
    if env_root := os.environ.get("MELTANO_PROJECT_ROOT"):
        return Path(env_root).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "meltano.yml").exists():
            return folder
    # An editable install: orchestrate/transmissor/settings.py -> project root.
    return Path(__file__).resolve().parents[2]


def load_dotenv(root: Path | None = None) -> None:
    """Read `.env` into os.environ; variables already set in the environment win, as in Meltano."""
    path = (root or project_root()) / ".env"
    if not path.exists():
        return
    for key, value in dotenv_values(path).items():
        if value is not None:
            os.environ.setdefault(key, value)


@dataclass(frozen=True, slots=True)
class Warehouse:
    """The banco analítico, named by the WAREHOUSE_* variables."""

    host: str
    port: int
    user: str
    password: str
    database: str
    sslmode: str = "prefer"
    # The CA that signed the server's certificate, for sslmode verify-ca/verify-full (an edge
    # box). Given per connection: a root CA file in libpq's environment or default location
    # would make every `require` connection (the PEC's too) verify against it.
    sslrootcert: str | None = None

    @classmethod
    def from_env(cls) -> Warehouse:
        missing = [
            name
            for name in ("WAREHOUSE_HOST", "WAREHOUSE_USER", "WAREHOUSE_PASSWORD")
            if not os.environ.get(name)
        ]
        if missing:
            msg = (
                f"the banco analítico is not configured: {', '.join(missing)} not set. "
                "Run `transmissor db start` for a local server, or set WAREHOUSE_HOST, "
                "WAREHOUSE_PORT, WAREHOUSE_USER, WAREHOUSE_PASSWORD and WAREHOUSE_DATABASE "
                "in the environment or in .env"
            )
            raise TransmissorError(msg)
        return cls(
            host=os.environ["WAREHOUSE_HOST"],
            port=int(os.environ.get("WAREHOUSE_PORT", "5432")),
            user=os.environ["WAREHOUSE_USER"],
            password=os.environ["WAREHOUSE_PASSWORD"],
            database=os.environ.get("WAREHOUSE_DATABASE", "transmissor"),
            sslmode=os.environ.get("WAREHOUSE_SSLMODE", "prefer"),
            sslrootcert=os.environ.get("WAREHOUSE_SSLROOTCERT") or None,
        )

    def url(self, database: str | None = None, driver: str = "postgresql") -> str:
        return (
            f"{driver}://{quote(self.user, safe='')}:{quote(self.password, safe='')}"
            f"@{self.host}:{self.port}/{database or self.database}"
        )
