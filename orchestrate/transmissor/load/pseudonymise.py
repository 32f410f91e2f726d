"""Pseudonymisation of identifiers, on every path a row takes to the banco analítico.

When a deployment sets TRANSMISSOR_PSEUDONYMISE=true, every contract column marked
`pseudonymise:` (CPF and CNS of tb_fat_cidadao_pec) is replaced by HMAC-SHA256(key, value) in
hex before it leaves this process, whichever path carries it: the COPY first load
(transmissor.load.first_load) and the full-table snapshot (transmissor.load.snapshot) call
`copy_rows`; the Singer path, central, through an SSH tunnel or on an edge box, runs the tap
through this module's filter (extract/tap-pec). One function, `pseudonym`, computes them all,
so one person has the same pseudonym in every table, município and path, and the marts still
unify people by CPF and CNS. The key is a secret (TRANSMISSOR_PSEUDONYMISATION_KEY) shared by
the whole deployment.

`deployment_key` is the one reading of the two settings. Every entry point calls it before
anything connects (the daily job's first task, `transmissor run`, an edge box's install and
run, the filter itself), so a missing or short key stops a transmissão before any row moves.

    python -m transmissor.load.pseudonymise -- TAP_EXECUTABLE [TAP ARGS...]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from transmissor.contract.model import Contract
from transmissor.errors import TransmissorError
from transmissor.settings import project_root

if TYPE_CHECKING:
    import psycopg

SWITCH = "TRANSMISSOR_PSEUDONYMISE"
KEY = "TRANSMISSOR_PSEUDONYMISATION_KEY"
MIN_KEY_LENGTH = 32
ON = frozenset({"1", "true", "yes", "on"})
OFF = frozenset({"", "0", "false", "no", "off"})
NOTHING_MOVED = "Nothing was read or written"


def pseudonym(key: bytes, value: str) -> str:
    """The pseudonym of one identifier: the same key and value give the same one anywhere."""
    return hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()


def deployment_key(where: str = "", environ: Mapping[str, str] | None = None) -> bytes | None:
    """The deployment's key when pseudonymisation is on, None when it is off.

    Refused with a TransmissorError (prefixed by `where`, e.g. the município): the switch on
    and the key missing or shorter than MIN_KEY_LENGTH; a key without the switch on (whoever
    set it meant identifiers to leave pseudonymised); a switch that is neither on nor off.
    """
    environ = os.environ if environ is None else environ
    switch = environ.get(SWITCH, "").strip().lower()
    key = environ.get(KEY, "")
    prefix = f"{where}: " if where else ""
    how = (
        f"set {KEY} to a secret of at least {MIN_KEY_LENGTH} characters, the same for the whole "
        "deployment (e.g. `python3 -c 'import secrets; print(secrets.token_hex(32))'`), in the "
        f"environment or .env. {NOTHING_MOVED}"
    )
    if switch not in ON | OFF:
        msg = f"{prefix}{SWITCH}={environ[SWITCH]!r} is neither true nor false. {NOTHING_MOVED}"
        raise TransmissorError(msg)
    if switch in OFF:
        if key:
            msg = (
                f"{prefix}{KEY} is set but {SWITCH} is not true, so identifiers would leave in "
                f"clear: set {SWITCH}=true, or remove the key to transmit them as they are. "
                f"{NOTHING_MOVED}"
            )
            raise TransmissorError(msg)
        return None
    if not key:
        raise TransmissorError(f"{prefix}{SWITCH} is on but {KEY} is not set: {how}")
    if len(key) < MIN_KEY_LENGTH:
        msg = f"{prefix}{SWITCH} is on but {KEY} has only {len(key)} characters: {how}"
        raise TransmissorError(msg)
    return key.encode("utf-8")


def copy_rows(out: psycopg.Copy, into: psycopg.Copy, positions: Iterable[int], key: bytes) -> int:
    """A text COPY from the PEC into the banco analítico, row by row, with the values at
    `positions` replaced by their pseudonyms on the way; returns the rows copied."""
    positions = list(positions)
    rows = 0
    for row in out.rows():
        values = list(row)
        for i in positions:
            if values[i] not in (None, ""):
                values[i] = pseudonym(key, values[i])
        into.write_row(values)
        rows += 1
    return rows


def fields_by_stream(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {t.stream_id: t.pseudonymise for t in contract.tables if t.pseudonymise}


def transform(
    lines: Iterable[str], key: bytes, fields: dict[str, tuple[str, ...]]
) -> Iterator[str]:
    markers = [f'"{stream}"' for stream in fields]
    for line in lines:
        # Cheap test first: most lines belong to streams with nothing to pseudonymise.
        if not any(marker in line for marker in markers):
            yield line
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            yield line  # not a Singer message (e.g. a line of a discovered catalog)
            continue
        stream = message.get("stream") if isinstance(message, dict) else None
        if stream not in fields:
            yield line
        elif message.get("type") == "RECORD":
            record = message["record"]
            for column in fields[stream]:
                if record.get(column) not in (None, ""):
                    record[column] = pseudonym(key, str(record[column]))
        elif message.get("type") == "SCHEMA":
            for column in fields[stream]:
                message["schema"]["properties"].get(column, {}).pop("maxLength", None)
        if stream in fields:
            yield json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str]) -> int:
    """extract/tap-pec's filter: the tap as it is when pseudonymisation is off, its RECORD
    messages pseudonymised when it is on, nothing at all when the settings are refused."""
    command = argv[1:] if argv and argv[0] == "--" else argv
    if {"--discover", "--about", "--help", "--version"} & set(command):
        os.execv(command[0], command)  # no records: nothing to pseudonymise
    try:
        key = deployment_key(f"tap-pec of município {os.environ.get('MUNICIPIO_IBGE', '?')}")
    except TransmissorError as error:
        raise SystemExit(str(error)) from None  # before the tap connects to anything
    if key is None:
        os.execv(command[0], command)
    fields = fields_by_stream(Contract.load(project_root()))
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8") as tap:
        assert tap.stdout is not None
        for line in transform(tap.stdout, key, fields):
            sys.stdout.write(line)
        sys.stdout.flush()
        return tap.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
