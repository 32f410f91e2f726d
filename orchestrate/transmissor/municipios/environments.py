"""One Meltano environment per município, one file each under environments/.

The file holds the município's IBGE code, name, state and time zone (from the official list)
and how to reach its banco do município. Secrets never go in it: the password is read from
`PEC_PASSWORD_<IBGE>` (environment or .env) when Meltano runs.

The files are the register of the fleet: `registered_codes` is the one way to list it (the
fleet, the commands and the Airflow DAG use it; the DAG imports this module from its own
virtual environment, so it needs nothing beyond the standard library and PyYAML).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import Municipio, lookup

ENVIRONMENTS_DIR = Path("environments")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
LOCAL_HOSTS = {"localhost"}
# Read by extract/tap-pec: "true" in an SSH município's environment, whose every table then
# goes through Singer (the COPY steps do not go through its tunnel; transmissor.municipios.tunnel
# serves the pre-flight and reconciliation).
ALL_TABLES_VARIABLE = "TRANSMISSOR_SINGER_ALL_TABLES"


def password_variable(ibge: str) -> str:
    return f"PEC_PASSWORD_{ibge}"


def ssh_key_variable(ibge: str) -> str:
    return f"PEC_SSH_PRIVATE_KEY_{ibge}"


def is_local_host(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class SshTunnel:
    host: str
    port: int
    username: str


@dataclass(frozen=True, slots=True)
class MunicipioEnvironment:
    """What environments/<IBGE>.meltano.yml says about one município."""

    municipio: Municipio
    host: str
    port: int
    database: str
    user: str
    sslmode: str
    ssh: SshTunnel | None = None

    @property
    def ibge(self) -> str:
        return self.municipio.codigo_ibge

    @property
    def name(self) -> str:
        """The Meltano environment name: the IBGE code."""
        return self.ibge

    def to_document(self) -> dict[str, Any]:
        tap_config: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "database": self.database,
            "user": self.user,
            "password": f"${{{password_variable(self.ibge)}}}",
            "ssl_enable": True,
            "ssl_mode": self.sslmode,
        }
        if self.ssh:
            tap_config["ssh_tunnel"] = {
                "enable": True,
                "host": self.ssh.host,
                "port": self.ssh.port,
                "username": self.ssh.username,
                "private_key": f"${{{ssh_key_variable(self.ibge)}}}",
            }
        return {
            "environments": [
                {
                    "name": self.name,
                    "env": self._env(),
                    "config": {"plugins": {"extractors": [self._extractor(tap_config)]}},
                }
            ]
        }

    def _env(self) -> dict[str, str]:
        env = {
            "MUNICIPIO_IBGE": self.ibge,
            "MUNICIPIO_NOME": self.municipio.nome,
            "MUNICIPIO_UF": self.municipio.uf,
            "MUNICIPIO_FUSO_HORARIO": self.municipio.fuso_horario,
        }
        if self.ssh:
            env[ALL_TABLES_VARIABLE] = "true"  # extract/tap-pec: the stream maps of every table
        return env

    def _extractor(self, tap_config: dict[str, Any]) -> dict[str, Any]:
        extractor: dict[str, Any] = {"name": "tap-pec", "config": tap_config}
        if self.ssh:
            # The COPY steps do not go through the tunnel: every table goes through Singer.
            extractor["select_filter"] = ["*"]
        return extractor

    def render(self) -> str:
        m = self.municipio
        header = (
            f"# {m.nome} ({m.uf}), IBGE {m.codigo_ibge}, time zone {m.fuso_horario}.\n"
            "# Written by `transmissor municipio add`. The password is read from "
            f"{password_variable(self.ibge)}\n# (environment or .env), never stored here.\n"
        )
        return header + yaml.safe_dump(self.to_document(), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_file(cls, path: Path) -> MunicipioEnvironment:
        where = f"environment file {path}"
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            (environment,) = document["environments"]
            ibge = str(environment["env"]["MUNICIPIO_IBGE"])
            (tap,) = environment["config"]["plugins"]["extractors"]
            config = tap["config"]
            ssh = config.get("ssh_tunnel")
            loaded = cls(
                municipio=lookup(ibge),
                host=str(config["host"]),
                port=int(config["port"]),
                database=str(config["database"]),
                user=str(config["user"]),
                sslmode=str(config.get("ssl_mode", "prefer")),
                ssh=SshTunnel(ssh["host"], int(ssh.get("port", 22)), ssh["username"])
                if ssh and ssh.get("enable")
                else None,
            )
        except TransmissorError as error:
            msg = f"{where}: {error}"
            raise TransmissorError(msg) from error
        except (yaml.YAMLError, KeyError, TypeError, ValueError) as error:
            msg = (
                f"{where} is malformed ({type(error).__name__}: {error}); rewrite it with "
                "`transmissor municipio add` or fix it by hand"
            )
            raise TransmissorError(msg) from error
        if str(environment.get("name")) != ibge or path.name != f"{ibge}.meltano.yml":
            msg = f"{where}: the environment name and file name must both be the IBGE code {ibge}"
            raise TransmissorError(msg)
        return loaded


def label(env_or_ibge: MunicipioEnvironment | str) -> str:
    """`município 2611606 (Recife/PE)`: how every message names the município."""
    if isinstance(env_or_ibge, MunicipioEnvironment):
        return env_or_ibge.municipio.label
    return lookup(env_or_ibge).label


def environment_path(root: Path, ibge: str) -> Path:
    return root / ENVIRONMENTS_DIR / f"{ibge}.meltano.yml"


def registered_codes(root: Path) -> list[str]:
    """The IBGE code of every environments/<IBGE>.meltano.yml, ordered, from the file names.

    Names only: a malformed file fails its own município where it is read (its pre-flight),
    not the listing of the fleet.
    """
    return [
        path.name.split(".")[0] for path in sorted((root / ENVIRONMENTS_DIR).glob("*.meltano.yml"))
    ]


def registered(root: Path) -> list[MunicipioEnvironment]:
    """Every registered município, read from its environment file, ordered by IBGE code."""
    return [
        MunicipioEnvironment.from_file(environment_path(root, code))
        for code in registered_codes(root)
    ]


def add(
    root: Path,
    ibge: str,
    host: str,
    port: int,
    database: str,
    user: str,
    sslmode: str | None = None,
    ssh: SshTunnel | None = None,
) -> MunicipioEnvironment:
    """Write environments/<IBGE>.meltano.yml for a município not yet registered."""
    municipio = lookup(ibge)
    path = environment_path(root, municipio.codigo_ibge)
    if path.exists():
        msg = (
            f"município {municipio.codigo_ibge} ({municipio.nome}/{municipio.uf}) is already "
            f"registered in {path.relative_to(root)}; edit that file or remove it first"
        )
        raise TransmissorError(msg)
    if sslmode is None:
        # TLS by default whenever the banco do município is not on this machine.
        sslmode = "prefer" if is_local_host(host) else "require"
    if sslmode not in SSL_MODES:
        msg = f"--sslmode must be one of {', '.join(SSL_MODES)}, not {sslmode!r}"
        raise TransmissorError(msg)
    if not 0 < port < 65536:
        msg = f"--port must be between 1 and 65535, not {port}"
        raise TransmissorError(msg)
    environment = MunicipioEnvironment(municipio, host, port, database, user, sslmode, ssh)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary file first so a failure never leaves half a file behind.
    partial = path.with_suffix(".tmp")
    partial.write_text(environment.render(), encoding="utf-8")
    partial.replace(path)
    return environment


def load_registered(root: Path, code: str | None) -> MunicipioEnvironment:
    """The registered município named by `code`, or a TransmissorError saying what to do."""
    if not code:
        raise TransmissorError("name the município with --municipio CODE")
    path = environment_path(root, code)
    if not path.exists():
        msg = f"município {code} is not registered: run `transmissor municipio add`"
        raise TransmissorError(msg)
    return MunicipioEnvironment.from_file(path)
