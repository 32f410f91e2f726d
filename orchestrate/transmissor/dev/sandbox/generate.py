"""`create`: a new synthetic PEC database, filled in one transaction.

Order of work: validate everything (IBGE code, sizes, date, server reachable) → build the
municipality in memory (services, people, scripted edge cases) → count each person's planned
events per processing day (pass 1, so ids can grow with the date) → CREATE DATABASE → in one
transaction: tables, COPY of dimensions and facts (pass 2 replays the same per-person random
streams), primary and foreign keys, sandbox bookkeeping. If anything fails after the CREATE
DATABASE, the new database is dropped again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg

from transmissor.dev.sandbox import cases, connect, ddl, identity, population
from transmissor.dev.sandbox.activity import CAD, Planner, child_rows
from transmissor.dev.sandbox.catalog import Dimensions
from transmissor.dev.sandbox.catalog import build as build_dimensions
from transmissor.dev.sandbox.dates import FIRST_DAY, SENTINEL, Calendar, add_years, tempo_row
from transmissor.dev.sandbox.emit import DateOrderedIds, Emitter
from transmissor.dev.sandbox.loader import NULL, copy_rows
from transmissor.dev.sandbox.reference import Table, load
from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import lookup

MIN_CITIZENS, MAX_CITIZENS = 100, 200_000
GENERATOR_VERSION = 2
BATCH = 4000


def rng_for(seed: int, ibge: str, *parts: object) -> random.Random:
    """A private random stream named by seed, municipality and purpose (never the global RNG)."""
    return random.Random(":".join(str(x) for x in (seed, ibge, *parts)))


def validate(url: str, ibge: str, citizens: int, reference_date: date | None) -> tuple:
    municipio = lookup(str(ibge))
    if not isinstance(citizens, int) or not MIN_CITIZENS <= citizens <= MAX_CITIZENS:
        raise TransmissorError(
            f"citizens must be between {MIN_CITIZENS:,} and {MAX_CITIZENS:,} (got {citizens})"
        )
    if reference_date is not None and not date(2000, 1, 1) <= reference_date <= date(2100, 1, 1):
        raise TransmissorError(f"reference date {reference_date} is out of range (2000-2100)")
    name, where, admin_url = connect.parse(url)
    if name in connect.PROTECTED:
        raise TransmissorError(f"refusing to use the system database {name!r} as a sandbox")
    return municipio, name, where, admin_url


def create(
    url: str, ibge: str, citizens: int = 1000, seed: int = 42, reference_date: date | None = None
) -> dict[str, int]:
    """Create (or re-create) the sandbox database named in `url`; returns rows per table."""
    municipio, name, where, admin_url = validate(url, ibge, citizens, reference_date)
    with connect.connect(admin_url, where, autocommit=True) as admin:
        if connect.database_exists(admin, name):
            with connect.connect(url, where) as existing:
                if connect.has_public_tables(existing) and not connect.is_sandbox(existing):
                    raise TransmissorError(
                        f"database {name!r} at {where} exists and is not a sandbox (it has "
                        "tables and no sandbox.state); refusing to drop it"
                    )
    reference = reference_date or date.today()
    ibge = municipio.codigo_ibge
    model = build_model(municipio, citizens, seed, reference)
    with connect.connect(admin_url, where, autocommit=True) as admin:
        connect.drop_database(admin, name)
        connect.create_database(admin, name)
    try:
        with connect.connect(url, where) as conn, conn.transaction():
            counts = fill(conn, model, seed, ibge, citizens, reference)
    except BaseException:
        with connect.connect(admin_url, where, autocommit=True) as admin:
            connect.drop_database(admin, name)
        raise
    return counts


@dataclass(frozen=True, slots=True)
class Model:
    """Everything decided before the database exists."""

    tables: dict[str, Table]
    dims: Dimensions
    world: population.World
    scripted: cases.Scripted
    cal: Calendar
    planner: Planner
    last: date


def build_model(municipio, citizens: int, seed: int, reference: date) -> Model:
    ibge = municipio.codigo_ibge
    tables = load()
    dims = build_dimensions(tables, municipio)
    rng = rng_for(seed, ibge, "services")
    units, teams, staff = population.build_services(rng, citizens, dims)
    start = add_years(reference, -3) + timedelta(days=1)
    ddd = population.ddd_of(ibge)
    persons, households = population.build_people(
        rng_for(seed, ibge, "people"), citizens, reference, start, teams, ddd
    )
    world = population.World(
        municipio, ddd, reference, start, units, teams, staff, persons, households
    )
    scripted = cases.inject(world, rng_for(seed, ibge, "cases"))
    population.assign_ids(
        rng_for(seed, ibge, "ids"), persons, skip={p.idx for p in persons if p.case}
    )
    cases.link_duplicates(world, scripted)
    last = add_years(reference, 2)
    cal = Calendar(FIRST_DAY, last)
    planner = Planner(world, start.toordinal(), reference.toordinal())
    return Model(
        tables=tables,
        dims=dims,
        world=world,
        scripted=scripted,
        cal=cal,
        planner=planner,
        last=last,
    )


def person_events(model: Model, seed: int, ibge: str, p: population.Person) -> list[tuple]:
    if p.case:
        return model.scripted.events[p.idx]
    return model.planner.person(p, rng_for(seed, ibge, "person", p.idx))


def fill(
    conn: psycopg.Connection, model: Model, seed: int, ibge: str, citizens: int, reference: date
) -> dict[str, int]:
    world, tables, dims, cal = model.world, model.tables, model.dims, model.cal
    for statement in ddl.create_tables_sql(tables):
        conn.execute(statement)
    for statement in ddl.BOOKKEEPING_SQL:
        conn.execute(statement)
    counts: dict[str, int] = {}

    # tb_dim_tempo: every day from 1920 to reference + 2 years, plus the 3000-12-31 sentinel.
    days = [FIRST_DAY + timedelta(days=i) for i in range((model.last - FIRST_DAY).days + 1)]
    copy_rows(conn, "tb_dim_tempo", (tempo_row(d) for d in [*days, SENTINEL]))
    counts["tb_dim_tempo"] = len(days) + 1
    for table, rows in dims.rows.items():
        copy_rows(conn, table, (format_row(row) for row in rows))
        counts[table] = len(rows)

    # Pass 1: rows per table per processing day.
    per_day: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for p in world.persons:
        for event in person_events(model, seed, ibge, p):
            for key, amount in child_rows(event):
                per_day[key][event[1]] += amount
    ids = DateOrderedIds(per_day)
    emitter = Emitter(tables, dims, world, cal, ids.take)

    # Pass 2: the same events, now written.
    ref = reference.toordinal()
    for n, p in enumerate(world.persons, start=1):
        origin, last_cad, updated = None, None, max(world.start.toordinal(), p.birth)
        for event in person_events(model, seed, ibge, p):
            written = emitter.event(p, event, origin)
            if event[0] == CAD:
                origin = origin or event[5]
                last_cad = (written[0][1], event[5], event[2])
                updated = max(updated, event[2])
        if p.death:
            updated = max(updated, min(ref, p.death + 1))
        emitter.person_rows(p, last_cad, updated)
        if n % BATCH == 0:
            emitter.flush(conn)
    hrng = rng_for(seed, ibge, "households")
    for h in world.households:
        day = world.start.toordinal() - hrng.randint(0, 700)
        cnes = h.team.unit.cnes if h.team else "0000000"
        emitter.household_rows(h, day, f"{cnes}-{identity.uuid4(hrng)}")
    emitter.flush(conn)
    counts.update(emitter.counts())

    for statement in ddl.primary_keys_sql(tables):
        conn.execute(statement)
    for statement in ddl.foreign_keys_sql(tables):
        conn.execute(statement)
    write_bookkeeping(conn, model, seed, ibge, citizens, reference)
    missing = set(tables) - set(counts)
    if missing:
        raise RuntimeError(f"tables left without rows bookkeeping: {sorted(missing)}")
    return dict(sorted(counts.items()))


def format_row(row: tuple) -> str:
    return "\t".join(NULL if v is None else str(v) for v in row) + "\n"


def write_bookkeeping(
    conn: psycopg.Connection, model: Model, seed: int, ibge: str, citizens: int, reference: date
) -> None:
    conn.execute(
        "INSERT INTO sandbox.state VALUES (%s, %s, %s, %s, %s, %s)",
        (ibge, seed, citizens, reference, reference, GENERATOR_VERSION),
    )
    for table in model.tables.values():
        if table.name == "tb_dim_tempo":
            continue
        conn.execute(
            f"INSERT INTO sandbox.sequence SELECT %s, coalesce(max({table.primary_key}), 0) + 1 "
            f"FROM public.{table.name}",
            (table.name,),
        )
    world = model.world
    with conn.cursor() as cur, cur.copy("COPY sandbox.team FROM STDIN") as copy:
        for t in world.teams:
            copy.write_row((t.dim_id, t.op_id, t.ine, t.kind, t.ms, t.scripted))
    with conn.cursor() as cur, cur.copy("COPY sandbox.staff FROM STDIN") as copy:
        for s in world.staff:
            copy.write_row(
                (
                    s.dim_id,
                    s.cbo_dim,
                    s.cbo,
                    s.role,
                    s.team.dim_id,
                    s.unit.dim_id,
                    s.unit.cnes,
                    s.microarea,
                    s.cds_prof_id,
                )
            )
    with conn.cursor() as cur, cur.copy("COPY sandbox.person FROM STDIN") as copy:
        for p in world.persons:
            current = next((g.dum for g in p.pregnancies if g.outcome == "ongoing"), None)
            copy.write_row(
                (
                    p.idx,
                    p.fat_id,
                    p.dup_fat_id or None,
                    p.cid_id,
                    p.dup_cid_id or None,
                    p.sex,
                    date.fromordinal(p.birth),
                    date.fromordinal(p.death) if p.death else None,
                    p.hypertension,
                    p.diabetes,
                    date.fromordinal(current) if current else None,
                    p.household,
                    p.team.dim_id if p.team else 1,
                    p.microarea,
                    p.registered,
                    p.territorio_id or None,
                    p.case or None,
                    p.gender,
                )
            )
    with conn.cursor() as cur, cur.copy("COPY sandbox.edge_case FROM STDIN") as copy:
        for case in model.scripted.cases:
            p = world.persons[case.person]
            copy.write_row(
                (
                    case.name,
                    p.idx,
                    p.fat_id,
                    p.dup_fat_id or None,
                    case.indicator,
                    case.expectation,
                    *case.expected,
                )
            )
