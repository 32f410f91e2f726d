"""Meltano's state of a município: its bookmarks, read and written where Meltano keeps them."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg

from transmissor.errors import TransmissorError
from transmissor.meltano.run import run_meltano

# The state ID of a município is "<IBGE>:" + this (environment, extractor, loader).
STATE_ID_SUFFIX = "tap-pec-to-target-postgres"


def state_id(ibge: str) -> str:
    return f"{ibge}:{STATE_ID_SUFFIX}"


def get_state(root: Path, ibge: str) -> dict:
    """The município's Meltano state ({} when it has none).

    Read straight from Meltano's system database when it is PostgreSQL (the project's
    setting): `meltano state get` costs a Meltano start-up, 2-3 s of every daily job.
    """
    if uri := _postgres_systemdb():
        return _state_from_systemdb(uri, state_id(ibge))
    result = run_meltano(root, ["state", "get", state_id(ibge)])
    lines = result.output.strip().splitlines()
    if result.ok and lines and lines[-1].startswith("{"):
        return json.loads(lines[-1])  # `{}` when the município has no state yet
    msg = f"município {ibge}: could not read the Meltano state: {result.output[-500:]}"
    raise TransmissorError(msg)


def _state_from_systemdb(uri: str, state_id: str) -> dict:
    """Meltano's own reading: the partial state (of an interrupted run) over the completed one."""
    with _systemdb(uri, f"read Meltano's state {state_id}") as conn:
        if not conn.execute("select to_regclass('state')").fetchone()[0]:
            return {}  # Meltano has not created its tables yet: no run so far
        row = conn.execute(
            "select partial_state, completed_state from state where state_id = %s",
            (state_id,),
        ).fetchone()
    if row is None:
        return {}
    partial, completed = (json.loads(text) if text else {} for text in row)
    return _merged(partial, completed)


def _state_to_systemdb(uri: str, state_id: str, completed: str) -> None:
    """Meltano's own write of a complete state: completed replaced, partial emptied."""
    with _systemdb(uri, f"write Meltano's state {state_id}") as conn:
        conn.execute(
            "insert into state (state_id, partial_state, completed_state, updated_at) "
            "values (%s, '{}', %s, now() at time zone 'UTC') on conflict (state_id) do "
            "update set partial_state = '{}', completed_state = excluded.completed_state, "
            "updated_at = excluded.updated_at",
            (state_id, completed),
        )


def _postgres_systemdb() -> str | None:
    """MELTANO_DATABASE_URI when Meltano's system database is PostgreSQL (the project's setting)."""
    uri = os.environ.get("MELTANO_DATABASE_URI", "")
    postgres = uri.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))
    return uri if postgres else None


@contextlib.contextmanager
def _systemdb(uri: str, doing: str) -> Iterator[psycopg.Connection]:
    """A committed-on-exit connection to Meltano's system database; errors say what failed."""
    conninfo = uri.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(conninfo, connect_timeout=10) as conn:
            yield conn
    except psycopg.Error as error:
        msg = f"could not {doing} (MELTANO_DATABASE_URI): {str(error).strip().splitlines()[-1]}"
        raise TransmissorError(msg) from error


def _merged(src: dict, dest: dict) -> dict:
    """`src` merged recursively onto a copy of `dest` (Meltano's `utils.merge`)."""
    out = dict(dest)
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(value, out[key])
        else:
            out[key] = value
    return out


def set_state(root: Path, ibge: str, state: dict) -> None:
    """Replace the município's Meltano state (as `meltano state set --force` does)."""
    if uri := _postgres_systemdb():
        _state_to_systemdb(uri, state_id(ibge), json.dumps(state))
        return
    result = run_meltano(root, ["state", "set", "--force", state_id(ibge), json.dumps(state)])
    if not result.ok:
        msg = f"município {ibge}: could not write the Meltano state: {result.output[-500:]}"
        raise TransmissorError(msg)
