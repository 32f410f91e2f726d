"""Pseudonymisation of identifiers in the extractor's output, before anything is loaded.

When a deployment sets TRANSMISSOR_PSEUDONYMISE=true, extract/tap-pec runs the tap through
this filter: in RECORD messages of the streams whose contract lists `pseudonymise` columns
(CPF and CNS), each value is replaced by HMAC-SHA256(key, value) in hex. The key is a secret
(TRANSMISSOR_PSEUDONYMISATION_KEY) shared by the whole deployment, so one person has the same
pseudonym in every table and município and the marts still unify people by CPF and CNS. Every
other line passes through untouched, unparsed.

    python -m transmissor.load.pseudonymise -- TAP_EXECUTABLE [TAP ARGS...]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator

from transmissor.contract.model import Contract
from transmissor.settings import project_root

SWITCH = "TRANSMISSOR_PSEUDONYMISE"
KEY = "TRANSMISSOR_PSEUDONYMISATION_KEY"
MIN_KEY_LENGTH = 32


def pseudonym(key: bytes, value: str) -> str:
    return hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()


def enabled() -> bool:
    return os.environ.get(SWITCH, "false").strip().lower() in {"1", "true", "yes"}


def read_key() -> bytes:
    key = os.environ.get(KEY, "")
    if len(key) < MIN_KEY_LENGTH:
        msg = (
            f"{SWITCH} is on but {KEY} is missing or shorter than {MIN_KEY_LENGTH} characters; "
            f"set it (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`) in .env. "
            "Nothing was extracted."
        )
        raise SystemExit(msg)
    return key.encode("utf-8")


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
    command = argv[1:] if argv and argv[0] == "--" else argv
    if {"--discover", "--about", "--help", "--version"} & set(command):
        os.execv(command[0], command)  # no records: nothing to pseudonymise
    key = read_key()
    fields = fields_by_stream(Contract.load(project_root()))
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, encoding="utf-8") as tap:
        assert tap.stdout is not None
        for line in transform(tap.stdout, key, fields):
            sys.stdout.write(line)
        sys.stdout.flush()
        return tap.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
