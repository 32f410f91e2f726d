"""The record of every transmission: `transmissor.transmissoes` in the banco analítico.

One row per attempt of a município's daily transmission: start, end, status, the step it
reached, rows received per table, the error, and Meltano's run id.

Every `meltano run` of a município writes its row, whoever started it (`transmissor run`,
Airflow, cron, or an operator typing `meltano --environment=<IBGE> run transmissao-diaria`):
Meltano keeps its run history in the same database (`meltano.runs`), and a trigger on that
table records each extract-load of `<IBGE>:tap-pec-to-target-postgres` as it starts and ends,
counting the rows it loaded per table from `_sdc_batched_at`. The trigger never fails
Meltano's own write: any error in it becomes a warning.

The trigger is installed by the daily job's first step (`ensure_recording`, from the first
transmissão on a brand-new warehouse on), and by `transmissor run`, `status` and `edge grant`;
installing it records the runs Meltano wrote before it existed, so a run is never missed
whichever command ran it.

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
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import errors

from transmissor.municipios.ibge import CODE_PATTERN

SCHEMA = "transmissor"
TABLE = f"{SCHEMA}.transmissoes"

STEP_PREFLIGHT = "pre-flight"
STEP_EXTRACT_LOAD = "extract-load"
STEP_TRANSFORM = "transform"
# How far back `ensure_schema` looks for runs the record missed: the status page's 14 days.
RECHECK = timedelta(days=15)

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

-- One extract-load of Meltano's run history (a row of meltano.runs, as written or as it stands)
-- into the record: called by the trigger on every write, and for the runs written before the
-- trigger was installed (record_unrecorded_runs).
create or replace function transmissor.record_run(p_job_name text, p_state text,
                                                  p_started_at timestamp, p_ended_at timestamp,
                                                  p_payload text, p_run_id uuid)
returns void language plpgsql as $$
declare
    v_municipio text := split_part(p_job_name, ':', 1);
    v_error text;
    v_from timestamp;
    v_rows jsonb;
begin
    if p_run_id is null or v_municipio !~ '^{CODE_PATTERN}$' then
        return;
    end if;
    begin
        if p_state = 'RUNNING' then
            insert into transmissor.transmissoes (municipio, started_at, status, step,
                                                  meltano_run_id)
            values (v_municipio, p_started_at at time zone 'UTC', 'running', 'extract-load',
                    p_run_id)
            on conflict (meltano_run_id) do update set step = 'extract-load';
        elsif p_state in ('SUCCESS', 'FAIL', 'DEAD') then
            if p_state <> 'SUCCESS' then
                begin
                    v_error := coalesce((p_payload::jsonb) ->> 'error', 'extract-load failed');
                exception when others then
                    v_error := 'extract-load failed';
                end;
            end if;
            -- Steps before the load block (transmissor:check-and-copy's first load, snapshot)
            -- write rows too: count from the driver's start when it recorded one, else from
            -- the end of the município's previous transmission (its first: everything).
            select least(t.started_at at time zone 'UTC', p_started_at) into v_from
            from transmissor.transmissoes t
            where t.meltano_run_id = p_run_id and t.trigger <> 'meltano';
            if v_from is null then
                select coalesce(max(p.ended_at at time zone 'UTC'), '-infinity'::timestamp)
                into v_from
                from transmissor.transmissoes p
                where p.municipio = v_municipio and p.meltano_run_id is distinct from p_run_id
                  and p.ended_at is not null;
                v_from := least(v_from, p_started_at);
            end if;
            v_rows := transmissor.rows_loaded(v_municipio, v_from, p_ended_at);
            insert into transmissor.transmissoes (municipio, started_at, ended_at, status, step,
                                                  rows, error, meltano_run_id)
            values (v_municipio, p_started_at at time zone 'UTC',
                    p_ended_at at time zone 'UTC',
                    case when p_state = 'SUCCESS' then 'success' else 'failed' end,
                    'extract-load',
                    v_rows, v_error, p_run_id)
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
        raise warning 'transmissor: could not record meltano run %: %', p_run_id, sqlerrm;
    end;
end $$;

-- The runs Meltano wrote that the record has no row for (before the trigger existed, or when
-- recording one failed), started since p_since (null: all), oldest first (each run's rows are
-- counted from the end of the município's previous one); how many.
create or replace function transmissor.record_unrecorded_runs(p_since timestamp)
returns integer language plpgsql as $$
declare
    r record;
    n integer := 0;
begin
    for r in
        select m.job_name, m.state, m.started_at, m.ended_at, m.payload, m.run_id
        from meltano.runs m
        where m.job_name like '%:tap-pec-to-target-postgres' and m.run_id is not null
          and (p_since is null or m.started_at >= p_since)
          and not exists (select from transmissor.transmissoes t
                          where t.meltano_run_id = m.run_id)
        order by m.id
    loop
        perform transmissor.record_run(r.job_name::text, r.state::text, r.started_at,
                                       r.ended_at, r.payload::text, r.run_id);
        n := n + 1;
    end loop;
    return n;
end $$;

create or replace function transmissor.record_meltano_run() returns trigger
language plpgsql as $$
begin
    perform transmissor.record_run(new.job_name::text, new.state::text, new.started_at,
                                   new.ended_at, new.payload::text, new.run_id);
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
    Installing it also records the runs Meltano wrote before (`record_unrecorded_runs`); with
    the trigger in place, the runs of the last RECHECK it has no row for (a warehouse recorded
    by an older version, a record that failed).
    """
    conn.execute("select pg_advisory_lock(hashtext('transmissor.transmissoes'))")
    try:
        conn.execute(DDL)
        if not meltano_runs_exists(conn):
            return False
        if trigger_installed(conn):
            record_unrecorded_runs(conn, since=RECHECK)
        else:
            install_trigger(conn)
        return True
    finally:
        conn.execute("select pg_advisory_unlock(hashtext('transmissor.transmissoes'))")


def install_trigger(conn: psycopg.Connection) -> int:
    """The trigger on meltano.runs, then every run it has not seen; how many those were.

    One transaction: creating the trigger waits for Meltano's writes in flight and holds off
    new ones until it commits, so every write is either before it (recorded here, a running
    run as running) or after it (recorded by the trigger, which completes that row).
    """
    with conn.transaction():
        conn.execute(TRIGGER_DDL)
        return record_unrecorded_runs(conn)


def record_unrecorded_runs(conn: psycopg.Connection, since: timedelta | None = None) -> int:
    """Record the extract-loads in meltano.runs that the record has no row for, those started
    in the last `since` (all without it); how many."""
    row = conn.execute(
        "select transmissor.record_unrecorded_runs((now() at time zone 'UTC') - %s::interval)"
        if since
        else "select transmissor.record_unrecorded_runs(null)",
        (since,) if since else None,
    ).fetchone()
    return int(row[0]) if row else 0


def ensure_recording(conn: psycopg.Connection) -> bool:
    """In a município's job: make sure its run will be recorded, cheaply when it already is.

    The daily job's first step calls this, so the first `meltano run` on a brand-new
    warehouse is recorded too (Meltano creates meltano.runs when the job starts, and writes
    the load's row after this step). A role that may not create the trigger (an edge box's
    loader: `transmissor edge grant` installs it) leaves it to the commands that may.
    Returns whether the trigger is in place.
    """
    if not meltano_runs_exists(conn):
        return False
    if trigger_installed(conn):
        return True
    try:
        return ensure_schema(conn)
    except errors.InsufficientPrivilege:
        return False


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
