"""The record of every transmission: `transmissor.transmissoes` in the banco analítico.

One row per attempt of a município's daily transmission: start, end, status, the step it
reached, rows received per table, the error, and Meltano's run id.

Every `meltano run` of a município writes its row, whoever started it (`transmissor run`,
Airflow, cron, or an operator typing `meltano --environment=<IBGE> run transmissao-diaria`):
Meltano keeps its run history in the same database (`meltano.runs`), and a trigger on that
table records each extract-load of `<IBGE>:tap-pec-to-target-postgres` as it starts and ends,
counting the rows it loaded per table from `_sdc_batched_at`. The trigger never fails
Meltano's own write: any error in it becomes a warning.

Meltano records extract-load blocks only, so on the plain `meltano run` path the row says
whether the data arrived (step `extract-load`). `transmissor run` (and the Airflow DAG,
which calls it) also records the later steps: reconciliation and dbt (step `transform`),
and marks the transmission failed when one of them fails.
"""

from __future__ import annotations

import json
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from transmissor.municipios.ibge import CODE_PATTERN

SCHEMA = "transmissor"
TABLE = f"{SCHEMA}.transmissoes"

STEP_PREFLIGHT = "pre-flight"
STEP_EXTRACT_LOAD = "extract-load"
STEP_TRANSFORM = "transform"

DDL = rf"""
create schema if not exists transmissor;

create table if not exists transmissor.transmissoes (
    id bigserial primary key,
    municipio text not null check (municipio ~ '^{CODE_PATTERN}$'),
    started_at timestamptz not null,
    ended_at timestamptz,
    status text not null check (status in ('running', 'success', 'failed')),
    -- The step reached: pre-flight, extract-load (load and reconciliation) or transform (dbt).
    step text not null default 'extract-load',
    rows jsonb not null default '{{}}'::jsonb,
    error text,
    meltano_run_id uuid unique,
    trigger text not null default 'meltano',
    attempt integer not null default 1,
    fleet_run_id uuid,
    host text,
    log_path text
);
create index if not exists transmissoes_municipio_started_idx
    on transmissor.transmissoes (municipio, started_at desc);
create index if not exists transmissoes_started_idx on transmissor.transmissoes (started_at);

comment on table transmissor.transmissoes is
    'One row per attempt of a município''s daily transmission. Written by a trigger on '
    'meltano.runs for every meltano run, and by transmissor run for the later steps.';

-- Rows a município's extract-load wrote to each raw table between two instants (naive UTC,
-- as Meltano and target-postgres write them).
create or replace function transmissor.rows_loaded(p_municipio text, p_from timestamp,
                                                   p_to timestamp)
returns jsonb language plpgsql stable as $$
declare
    t record;
    n bigint;
    result jsonb := '{{}}'::jsonb;
begin
    for t in
        select c.table_name from information_schema.columns c
        where c.table_schema = 'raw_pec' and c.column_name = '_sdc_batched_at'
          and exists (select from information_schema.columns m
                      where m.table_schema = c.table_schema and m.table_name = c.table_name
                        and m.column_name = 'co_municipio_ibge')
        order by c.table_name
    loop
        execute format('select count(*) from raw_pec.%I where co_municipio_ibge = $1 '
                       'and _sdc_batched_at >= $2 and _sdc_batched_at <= $3', t.table_name)
            into n using p_municipio, p_from, coalesce(p_to, now() at time zone 'UTC');
        result := result || jsonb_build_object(t.table_name, n);
    end loop;
    return result;
end $$;

create or replace function transmissor.record_meltano_run() returns trigger
language plpgsql as $$
declare
    v_municipio text := split_part(new.job_name, ':', 1);
    v_error text;
    v_from timestamp;
    v_rows jsonb;
begin
    if new.run_id is null or v_municipio !~ '^{CODE_PATTERN}$' then
        return new;
    end if;
    begin
        if new.state = 'RUNNING' then
            insert into transmissor.transmissoes (municipio, started_at, status, step,
                                                  meltano_run_id)
            values (v_municipio, new.started_at at time zone 'UTC', 'running', 'extract-load',
                    new.run_id)
            on conflict (meltano_run_id) do update set step = 'extract-load';
        elsif new.state in ('SUCCESS', 'FAIL', 'DEAD') then
            if new.state <> 'SUCCESS' then
                begin
                    v_error := coalesce((new.payload::jsonb) ->> 'error', 'extract-load failed');
                exception when others then
                    v_error := 'extract-load failed';
                end;
            end if;
            -- Steps before the load block (transmissor:check-and-copy's first load, snapshot)
            -- write rows too: count from the driver's start when it recorded one, else from
            -- the end of the município's previous transmission (its first: everything).
            select least(t.started_at at time zone 'UTC', new.started_at) into v_from
            from transmissor.transmissoes t
            where t.meltano_run_id = new.run_id and t.trigger <> 'meltano';
            if v_from is null then
                select coalesce(max(p.ended_at at time zone 'UTC'), '-infinity'::timestamp)
                into v_from
                from transmissor.transmissoes p
                where p.municipio = v_municipio and p.meltano_run_id is distinct from new.run_id
                  and p.ended_at is not null;
                v_from := least(v_from, new.started_at);
            end if;
            v_rows := transmissor.rows_loaded(v_municipio, v_from, new.ended_at);
            insert into transmissor.transmissoes (municipio, started_at, ended_at, status, step,
                                                  rows, error, meltano_run_id)
            values (v_municipio, new.started_at at time zone 'UTC',
                    new.ended_at at time zone 'UTC',
                    case when new.state = 'SUCCESS' then 'success' else 'failed' end,
                    'extract-load',
                    v_rows, v_error, new.run_id)
            on conflict (meltano_run_id) do update set
                rows = excluded.rows,
                step = 'extract-load',
                error = coalesce(excluded.error, transmissor.transmissoes.error),
                -- A run driven by `transmissor run` is not over when its load is: the driver
                -- records the end. On the plain `meltano run` path the load is the record.
                status = case when transmissor.transmissoes.trigger = 'meltano'
                                or excluded.status = 'failed'
                              then excluded.status else transmissor.transmissoes.status end,
                ended_at = case when transmissor.transmissoes.trigger = 'meltano'
                                  or excluded.status = 'failed'
                                then excluded.ended_at else transmissor.transmissoes.ended_at end;
        end if;
    exception when others then
        raise warning 'transmissor: could not record meltano run %: %', new.run_id, sqlerrm;
    end;
    return new;
end $$;
"""

TRIGGER_DDL = r"""
drop trigger if exists transmissor_record_run on meltano.runs;
create trigger transmissor_record_run
    after insert or update of state on meltano.runs
    for each row
    when (new.job_name like '%:tap-pec-to-target-postgres')
    execute function transmissor.record_meltano_run();
"""


def meltano_runs_exists(conn: psycopg.Connection) -> bool:
    return bool(conn.execute("select to_regclass('meltano.runs') is not null").fetchone()[0])


def trigger_installed(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "select 1 from pg_trigger where tgname = 'transmissor_record_run' "
        "and tgrelid = to_regclass('meltano.runs')"
    ).fetchone()
    return row is not None


def ensure_schema(conn: psycopg.Connection) -> bool:
    """Create the record table and functions; install the trigger once meltano.runs exists.

    Returns whether the trigger is in place (Meltano creates meltano.runs on its first run).
    """
    conn.execute("select pg_advisory_lock(hashtext('transmissor.transmissoes'))")
    try:
        conn.execute(DDL)
        if not meltano_runs_exists(conn):
            return False
        if not trigger_installed(conn):
            conn.execute(TRIGGER_DDL)
        return True
    finally:
        conn.execute("select pg_advisory_unlock(hashtext('transmissor.transmissoes'))")


def new_run_id() -> uuid.UUID:
    return uuid.uuid4()


def begin(
    conn: psycopg.Connection,
    municipio: str,
    run_id: uuid.UUID,
    *,
    trigger: str,
    attempt: int,
    fleet_run_id: uuid.UUID | None,
    log_path: str | None,
    step: str = STEP_EXTRACT_LOAD,
) -> None:
    """Record an attempt before Meltano starts; Meltano's own row joins it by run id."""
    conn.execute(
        f"insert into {TABLE} (municipio, started_at, status, step, meltano_run_id, trigger, "
        "attempt, fleet_run_id, host, log_path) values (%s, now(), 'running', %s, %s, %s, %s, "
        "%s, %s, %s) on conflict (meltano_run_id) do update set trigger = excluded.trigger, "
        "attempt = excluded.attempt, fleet_run_id = excluded.fleet_run_id, "
        "host = excluded.host, log_path = excluded.log_path",
        (municipio, step, run_id, trigger, attempt, fleet_run_id, socket.gethostname(), log_path),
    )


def finish(
    conn: psycopg.Connection,
    run_id: uuid.UUID,
    *,
    ok: bool,
    step: str | None,
    error: str | None,
    keep_end: bool = False,
) -> None:
    """Record the end of an attempt; with keep_end, a later step's result (the fleet's dbt).

    With no `step` it is derived: a whole job that succeeded, or failed after its load,
    reached `transform`. The rows come from the trigger, or are counted here when it is not
    installed yet."""
    if step is None:
        loaded = ok
        if not ok and meltano_runs_exists(conn):
            row = conn.execute(
                "select state from meltano.runs where run_id = %s order by id desc limit 1",
                (run_id,),
            ).fetchone()
            loaded = bool(row and row[0] == "SUCCESS")
        step = STEP_TRANSFORM if loaded else STEP_EXTRACT_LOAD
    conn.execute(
        f"update {TABLE} set ended_at = case when %s then ended_at else now() end, "
        "status = %s, step = %s, "
        "error = case when %s then null else coalesce(%s, error) end, "
        "rows = case when rows = '{}'::jsonb and %s "
        "then transmissor.rows_loaded(municipio, (started_at at time zone 'UTC'), "
        "(now() at time zone 'UTC')) else rows end "
        "where meltano_run_id = %s",
        (keep_end, "success" if ok else "failed", step, ok, error, step != STEP_PREFLIGHT, run_id),
    )


def fail_abandoned_meltano_run(conn: psycopg.Connection, run_id: uuid.UUID, reason: str) -> None:
    """A run we killed stays RUNNING in meltano.runs, and Meltano would refuse the retry for
    five minutes; mark it failed as Meltano itself would once its heartbeat went stale."""
    if not meltano_runs_exists(conn):
        return
    conn.execute(
        "update meltano.runs set state = 'FAIL', ended_at = now() at time zone 'UTC', "
        "payload = (coalesce(nullif(payload, ''), '{}')::jsonb "
        "|| jsonb_build_object('error', %s::text))::text "
        "where run_id = %s and state = 'RUNNING'",
        (reason, run_id),
    )


def record_transform(
    conn: psycopg.Connection,
    municipio: str,
    *,
    ok: bool,
    error: str | None,
    since: datetime,
) -> bool:
    """A transform run on its own (Airflow's dbt task): update the município's latest
    transmission that loaded since `since`. Returns whether there was one."""
    row = conn.execute(
        f"select id from {TABLE} where municipio = %s and started_at >= %s "
        "and status = 'success' order by started_at desc limit 1",
        (municipio, since),
    ).fetchone()
    if not row:
        return False
    conn.execute(
        f"update {TABLE} set ended_at = now(), step = %s, status = %s, error = %s where id = %s",
        (STEP_TRANSFORM, "success" if ok else "failed", None if ok else error, row[0]),
    )
    return True


@dataclass(frozen=True, slots=True)
class Transmission:
    id: int
    municipio: str
    started_at: datetime
    ended_at: datetime | None
    status: str
    step: str
    rows: dict[str, int]
    error: str | None
    meltano_run_id: str | None
    trigger: str
    attempt: int

    @property
    def rows_total(self) -> int:
        return sum(self.rows.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "municipio": self.municipio,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "status": self.status,
            "step": self.step,
            "rows": self.rows,
            "rows_total": self.rows_total,
            "error": self.error,
            "meltano_run_id": self.meltano_run_id,
            "trigger": self.trigger,
            "attempt": self.attempt,
        }


COLUMNS = (
    "id, municipio, started_at, ended_at, status, step, rows, error, meltano_run_id::text, "
    "trigger, attempt"
)


def _transmission(r: tuple) -> Transmission:
    rows = r[6] if isinstance(r[6], dict) else json.loads(r[6] or "{}")
    return Transmission(
        r[0], r[1], r[2], r[3], r[4], r[5], {k: int(v) for k, v in rows.items()}, r[7], r[8],
        r[9], r[10],
    )  # fmt: skip


def fetch(
    conn: psycopg.Connection, since: datetime, until: datetime, municipio: str | None = None
) -> list[Transmission]:
    """Transmissions started in [since, until), oldest first."""
    query = f"select {COLUMNS} from {TABLE} where started_at >= %s and started_at < %s"
    params: list[Any] = [since, until]
    if municipio:
        query += " and municipio = %s"
        params.append(municipio)
    query += " order by started_at, id"
    return [_transmission(r) for r in conn.execute(query, params).fetchall()]


def last_success_before(conn: psycopg.Connection, until: datetime) -> dict[str, Transmission]:
    """Per município, its latest successful transmission started before `until`."""
    query = (
        f"select distinct on (municipio) {COLUMNS} from {TABLE} "
        "where started_at < %s and status = 'success' "
        "order by municipio, started_at desc, id desc"
    )
    return {r[1]: _transmission(r) for r in conn.execute(query, (until,)).fetchall()}


def latest(conn: psycopg.Connection, municipio: str, limit: int = 5) -> list[Transmission]:
    """The município's latest transmissions, newest first."""
    query = f"select {COLUMNS} from {TABLE} where municipio = %s order by started_at desc limit %s"
    return [_transmission(r) for r in conn.execute(query, (municipio, limit)).fetchall()]
