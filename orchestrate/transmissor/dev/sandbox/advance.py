"""`advance`: N more days of a sandbox, as the PEC's nightly processing would load them.

One transaction does, in this order:
1. reprocessing ("Marcar para reprocessamento"): the individual encounters (with their
   problemas/procedimentos children) and the procedures of the last 3 simulated days at one
   UBS are deleted and re-inserted unchanged under new, higher ids;
2. for each new day: new encounters, procedures, visits, dental care, vaccines and cadastro
   versions with new ids (about 5% of them late: clinical date 1-6 weeks back), new people
   (births and people moving in), deaths, new phone numbers and team changes as in-place
   updates of tb_fat_cidadao_pec / tb_cidadao / tb_fat_cidadao_territorio, and the previous
   tb_cds_cad_individual version losing st_versao_atual;
3. tb_dim_tempo extended to two years after the new date, bookkeeping moved forward.

The returned counts are exact: a row is "updated" when it existed before, still exists and
changed; rows created in this run count only as inserted.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import psycopg

from transmissor.dev.sandbox import connect, identity, population
from transmissor.dev.sandbox.activity import (
    Planner,
    fai_rate,
    has_cervix,
    poisson,
    sala_rate,
    visit_rate,
)
from transmissor.dev.sandbox.catalog import build as build_dimensions
from transmissor.dev.sandbox.dates import FIRST_DAY, Calendar, add_years, tempo_row
from transmissor.dev.sandbox.emit import ALL_KEYS, Emitter
from transmissor.dev.sandbox.generate import rng_for
from transmissor.dev.sandbox.loader import copy_rows
from transmissor.dev.sandbox.population import (
    DEATH_3Y,
    Household,
    Person,
    Pregnancy,
    Staff,
    Team,
    Unit,
    World,
    _rate,
)
from transmissor.dev.sandbox.reference import load
from transmissor.errors import TransmissorError
from transmissor.municipios.ibge import lookup

MAX_DAYS = 3660
REPROCESS_DAYS = 3
# births plus people registered for the first time (moving in, first visit to the UBS)
NEW_PEOPLE_PER_YEAR = 0.05


@dataclass(frozen=True, slots=True)
class Changes:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


def advance(url: str, days: int, seed: int | None = None) -> dict[str, Changes]:
    """Simulate `days` more days in the sandbox at `url`; returns changes per table."""
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TransmissorError(f"days must be between 1 and {MAX_DAYS} (got {days})")
    name, where, _ = connect.parse(url)
    with connect.connect(url, where) as conn:
        if not connect.is_sandbox(conn):
            raise TransmissorError(
                f"database {name!r} at {where} is not a sandbox (no sandbox.state table); "
                "create one with `transmissor sandbox create`"
            )
        with conn.transaction():
            return _Run(conn, days, seed).run()


class _Run:
    def __init__(self, conn: psycopg.Connection, days: int, seed: int | None) -> None:
        self.conn, self.days = conn, days
        row = conn.execute(
            "SELECT ibge, seed, reference_date, current_date_ FROM sandbox.state FOR UPDATE"
        ).fetchone()
        self.ibge, stored_seed, self.reference, self.current = row
        self.seed = stored_seed if seed is None else seed
        self.tables = load()
        self.municipio = lookup(self.ibge)
        self.dims = build_dimensions(self.tables, self.municipio)
        self.inserted: dict[str, int] = defaultdict(int)
        self.deleted: dict[str, int] = defaultdict(int)
        # table -> pk -> {column: value}, only for rows that existed before this run
        self.updates: dict[str, dict[int, dict[str, object]]] = defaultdict(dict)
        self.next_ids = dict(conn.execute("SELECT table_name, next_id FROM sandbox.sequence"))
        self.moved_team: set[int] = set()
        self.died: set[int] = set()
        self.last_cad: dict[int, tuple[int, str, int]] = {}
        self.addresses: dict[int, tuple] = {}

    # -- loading the world -------------------------------------------------------------
    def load_world(self) -> World:
        conn = self.conn
        units = {
            uid: Unit(uid, cnes, name, bairro or "CENTRO", uid)
            for uid, cnes, name, bairro in conn.execute(
                "SELECT co_seq_dim_unidade_saude, nu_cnes, no_unidade_saude, no_bairro "
                "FROM tb_dim_unidade_saude WHERE co_seq_dim_unidade_saude > 1 ORDER BY 1"
            )
        }
        staff_rows = conn.execute(
            "SELECT s.co_dim_profissional, s.co_dim_cbo, s.nu_cbo, s.role, s.co_dim_equipe, "
            "s.co_dim_unidade_saude, s.nu_micro_area, s.co_cds_prof, p.nu_cns, "
            "p.no_profissional FROM sandbox.staff s JOIN tb_dim_profissional p "
            "ON p.co_seq_dim_profissional = s.co_dim_profissional ORDER BY 1"
        ).fetchall()
        teams = {
            tid: Team(tid, ine, tname, kind, units[uid], scripted=scripted, op_id=op_id)
            for tid, ine, tname, kind, uid, scripted, op_id in conn.execute(
                "SELECT t.co_dim_equipe, t.nu_ine, d.no_equipe, t.kind, e.co_unidade_saude, "
                "t.scripted, t.co_equipe FROM sandbox.team t "
                "JOIN tb_dim_equipe d ON d.co_seq_dim_equipe = t.co_dim_equipe "
                "JOIN tb_equipe e ON e.co_seq_equipe = t.co_equipe ORDER BY 1"
            )
        }
        staff = []
        for pid, cbo_dim, cbo, role, tid, uid, micro, cds, cns, pname in staff_rows:
            member = Staff(pid, cns, pname, cbo, cbo_dim, role, teams[tid], units[uid], micro, cds)
            staff.append(member)
            teams[tid].staff.setdefault(role, []).append(member)
        team_list = list(teams.values())
        esb = next(t for t in team_list if t.kind == "eSB")
        for team in team_list:
            for role in ("dentista", "outro", "multi"):
                lead = next(t for t in team_list if t.unit is team.unit and role in t.staff)
                team.staff.setdefault(role, lead.staff[role])
            for role in ("tsb", "asb"):
                team.staff.setdefault(role, esb.staff[role])
        persons: list[Person] = []
        for row in conn.execute(
            "SELECT sp.co_pessoa, sp.co_fat_cidadao_pec, sp.co_fat_cidadao_pec_dup, "
            "sp.co_cidadao, sp.co_cidadao_dup, sp.sexo, sp.dt_nascimento, sp.dt_obito, "
            "sp.hypertension, sp.diabetes, sp.dum, sp.household, sp.co_dim_equipe, "
            "sp.nu_micro_area, sp.registered, sp.co_fat_cidadao_territorio, sp.case_name, "
            "f.no_cidadao, f.nu_cpf_cidadao, f.nu_cns, f.nu_telefone_celular, c.no_mae, "
            "c.co_raca_cor, d.nu_cpf_cidadao IS NULL, c.ds_logradouro, c.nu_numero, c.no_bairro, "
            "sp.identidade_genero FROM sandbox.person sp "
            "JOIN tb_fat_cidadao_pec f ON f.co_seq_fat_cidadao_pec = sp.co_fat_cidadao_pec "
            "JOIN tb_cidadao c ON c.co_seq_cidadao = sp.co_cidadao "
            "LEFT JOIN tb_fat_cidadao_pec d ON d.co_seq_fat_cidadao_pec = "
            "sp.co_fat_cidadao_pec_dup ORDER BY sp.co_pessoa"
        ):
            (
                idx,
                fat,
                dup_fat,
                cid,
                dup_cid,
                sex,
                birth,
                death,
                has,
                dm,
                dum,
                household,
                team_id,
                micro,
                registered,
                territorio,
                case,
                pname,
                cpf,
                cns,
                phone,
                mother,
                raca,
                dup_no_cpf,
                street,
                number,
                bairro,
                gender,
            ) = row
            p = Person(
                idx=idx,
                sex=sex,
                birth=birth.toordinal(),
                name=pname,
                mother=mother,
                cpf=cpf,
                cns=cns,
                phone=phone,
                raca=raca or 1,
                team=teams.get(team_id),
                microarea=micro,
                household=household,
                registered=registered,
                death=death.toordinal() if death else 0,
                hypertension=has,
                has_problem=has,
                has_self=has,
                diabetes=dm,
                dm_problem=dm,
                dm_self=dm,
                fat_id=fat,
                cid_id=cid,
                dup_fat_id=dup_fat or 0,
                dup_cid_id=dup_cid or 0,
                dup_missing=("cpf" if dup_no_cpf else "cns") if dup_fat else "",
                territorio_id=territorio or 0,
                case=case or "",
                gender=gender,
            )
            if dum:
                p.pregnancies.append(
                    Pregnancy(dum.toordinal(), dum.toordinal() + 280, "ongoing", True)
                )
            persons.append(p)
            self.addresses[idx] = (street, number, bairro)
        households: dict[int, Household] = {}
        for p in persons:
            h = households.get(p.household)
            if h is None:
                street, number, bairro = self.addresses[p.idx]
                h = households[p.household] = Household(
                    p.household,
                    p.team,
                    p.microarea,
                    [],
                    p.idx,
                    street or "RUA PROJETADA",
                    number or "S/N",
                    bairro or "CENTRO",
                    False,
                )
            h.members.append(p.idx)
        for h in households.values():
            responsible = next((i for i in h.members if persons[i].registered), h.members[0])
            h.responsible = responsible
            h.registered = bool(h.team and h.team.registers and persons[responsible].registered)
        household_list = [households[i] for i in sorted(households)]
        start = add_years(self.reference, -3) + timedelta(days=1)
        return World(
            self.municipio,
            population.ddd_of(self.ibge),
            self.reference,
            start,
            list(units.values()),
            team_list,
            staff,
            persons,
            household_list,
        )

    def take(self, key: str, day: int) -> int:
        table = ALL_KEYS[key]
        value = self.next_ids.get(table, 1)
        self.next_ids[table] = value + 1
        return value

    def take_table(self, table: str, count: int = 1) -> int:
        value = self.next_ids.get(table, 1)
        self.next_ids[table] = value + count
        return value

    # -- the run -----------------------------------------------------------------------
    def run(self) -> dict[str, Changes]:
        conn = self.conn
        world = self.load_world()
        new_current = self.current + timedelta(days=self.days)
        last_tempo = conn.execute(
            "SELECT max(dt_registro) FROM tb_dim_tempo WHERE nu_ano < 3000"
        ).fetchone()[0]
        horizon = add_years(new_current, 2)
        if horizon > last_tempo:
            extra = [
                last_tempo + timedelta(days=i) for i in range(1, (horizon - last_tempo).days + 1)
            ]
            copy_rows(conn, "tb_dim_tempo", (tempo_row(d) for d in extra))
            self.inserted["tb_dim_tempo"] += len(extra)
        self.cal = Calendar(FIRST_DAY, max(horizon, last_tempo))
        self.reprocess(world, rng_for(self.seed, self.ibge, "reprocess", self.current))
        emitter = Emitter(self.tables, self.dims, world, self.cal, self.take)
        emitter.grupo_id = self.take_table("tb_dim_cidadao_pec_grupo", 0) - 1
        emitter.rel_id = self.take_table("tb_fat_rel_op_gestante", 0) - 1
        self.emitter = emitter
        self.versions = self.current_versions()
        self.versioned: set[int] = set()
        self.existing = len(world.persons)
        self.new_people: list[Person] = []
        for offset in range(1, self.days + 1):
            day = self.current + timedelta(days=offset)
            self.simulate_day(world, day, rng_for(self.seed, self.ibge, "advance", day))
        emitter.flush(conn)
        for key, count in emitter.counts().items():
            self.inserted[key] += count
        # ids consumed by the emitter (grupo/rel counters live on the emitter itself)
        self.next_ids["tb_dim_cidadao_pec_grupo"] = emitter.grupo_id + 1
        self.next_ids["tb_fat_rel_op_gestante"] = emitter.rel_id + 1
        self.apply_updates()
        self.save_people(world)
        conn.execute("UPDATE sandbox.state SET current_date_ = %s", (new_current,))
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE sandbox.sequence SET next_id = %s WHERE table_name = %s",
                [(v, k) for k, v in sorted(self.next_ids.items())],
            )
        tables = sorted(set(self.inserted) | set(self.deleted) | set(self.updates))
        return {
            t: Changes(
                self.inserted.get(t, 0), len(self.updates.get(t, {})), self.deleted.get(t, 0)
            )
            for t in tables
            if self.inserted.get(t) or self.deleted.get(t) or self.updates.get(t)
        }

    def current_versions(self) -> dict[int, tuple[int, str, int]]:
        """Person fat id -> (current tb_cds_cad_individual id, origin uuid, fat cad id)."""
        rows = self.conn.execute(
            "SELECT DISTINCT ON (f.co_fat_cidadao_pec) f.co_fat_cidadao_pec, "
            "c.co_seq_cds_cad_individual, coalesce(f.nu_uuid_ficha_origem, f.nu_uuid_ficha), "
            "f.co_seq_fat_cad_individual, c.st_versao_atual "
            "FROM tb_fat_cad_individual f JOIN tb_cds_cad_individual c "
            "ON c.co_unico_ficha = f.nu_uuid_ficha "
            "ORDER BY f.co_fat_cidadao_pec, f.co_seq_fat_cad_individual DESC"
        ).fetchall()
        return {fat: (cds, origin, cad) for fat, cds, origin, cad, current in rows if current}

    # -- reprocessing ------------------------------------------------------------------
    def reprocess(self, world: World, rng: random.Random) -> None:
        first = self.current - timedelta(days=REPROCESS_DAYS - 1)
        window = (
            first.year * 10000 + first.month * 100 + first.day,
            self.current.year * 10000 + self.current.month * 100 + self.current.day,
        )
        units = [u.dim_id for u in world.units]
        unit = rng.choice(units)
        conn = self.conn
        conn.execute(
            "CREATE TEMP TABLE reprocess_map (old bigint PRIMARY KEY, new bigint) ON COMMIT DROP"
        )
        header = "tb_fat_atendimento_individual"
        pk = self.tables[header].primary_key
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT {pk} FROM {header} WHERE co_dim_tempo BETWEEN %s AND %s "
                f"AND co_dim_unidade_saude_1 = %s ORDER BY {pk}",
                (*window, unit),
            )
        ]
        if ids:
            start = self.take_table(header, len(ids))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO reprocess_map VALUES (%s, %s)",
                    [(old, start + i) for i, old in enumerate(ids)],
                )
            self.copy_with_new_ids(header, "reprocess_map", pk, None)
            for child in ("tb_fat_atd_ind_problemas", "tb_fat_atd_ind_procedimentos"):
                self.copy_with_new_ids(child, "reprocess_map", None, "co_fat_atd_ind")
            for child in ("tb_fat_atd_ind_problemas", "tb_fat_atd_ind_procedimentos", header):
                column = pk if child == header else "co_fat_atd_ind"
                cur = conn.execute(
                    f"DELETE FROM {child} WHERE {column} IN (SELECT old FROM reprocess_map)"
                )
                self.deleted[child] += cur.rowcount
        table = "tb_fat_proced_atend_proced"
        pk = self.tables[table].primary_key
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT {pk} FROM {table} WHERE co_dim_tempo BETWEEN %s AND %s "
                f"AND co_dim_unidade_saude = %s ORDER BY {pk}",
                (*window, unit),
            )
        ]
        if ids:
            conn.execute("TRUNCATE reprocess_map")
            start = self.take_table(table, len(ids))
            with conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO reprocess_map VALUES (%s, %s)",
                    [(old, start + i) for i, old in enumerate(ids)],
                )
            self.copy_with_new_ids(table, "reprocess_map", pk, None)
            cur = conn.execute(f"DELETE FROM {table} WHERE {pk} IN (SELECT old FROM reprocess_map)")
            self.deleted[table] += cur.rowcount

    def copy_with_new_ids(
        self, table: str, mapping: str, pk_is_mapped: str | None, parent: str | None
    ) -> None:
        """Insert copies of rows under new ids: the PK itself mapped, or a parent link."""
        spec = self.tables[table]
        pk = spec.primary_key
        others = [c for c in spec.column_names if c != pk]
        if pk_is_mapped:
            select = ", ".join(["m.new", *[f"t.{c}" for c in others]])
            join = f"JOIN {mapping} m ON m.old = t.{pk}"
            order = f"t.{pk}"
        else:
            count = self.conn.execute(
                f"SELECT count(*) FROM {table} WHERE {parent} IN (SELECT old FROM {mapping})"
            ).fetchone()[0]
            if not count:
                return
            start = self.take_table(table, count)
            select = ", ".join(
                [
                    f"{start - 1} + row_number() OVER (ORDER BY t.{pk})",
                    *[("m.new" if c == parent else f"t.{c}") for c in others],
                ]
            )
            join = f"JOIN {mapping} m ON m.old = t.{parent}"
            order = f"t.{pk}"
        cur = self.conn.execute(
            f"INSERT INTO {table} ({', '.join([pk, *others])}) "
            f"SELECT {select} FROM {table} t {join} ORDER BY {order}"
        )
        self.inserted[table] += cur.rowcount

    # -- one day -----------------------------------------------------------------------
    def simulate_day(self, world: World, day: date, rng: random.Random) -> None:
        d = day.toordinal()
        planner = Planner(world, d, d, late_share=0.0)
        emit = self.emitter.event
        # scripted people keep only their script (their expectations are for the created R)
        alive = [p for p in world.persons if (not p.death or p.death > d) and not p.case]
        ages = [(d - p.birth) // 365 for p in alive]

        def choose(weights: list[float], per_year: float = 1.0) -> list[int]:
            total = sum(weights)
            count = poisson(rng, total * per_year / 365.25)
            if not count or total <= 0:
                return []
            return rng.choices(range(len(alive)), weights=weights, k=count)

        def clinical_day(p: Person) -> int:
            late = d - rng.randint(7, 42) if rng.random() < 0.05 else d
            return max(late, p.birth)

        for i in choose([fai_rate(p, a) for p, a in zip(alive, ages, strict=True)]):
            p = alive[i]
            when = clinical_day(p)
            event = self.late(planner.fai(p, when, rng, (when - p.birth) // 365), d)
            emit(p, event)
            if rng.random() < 0.7:
                pre = planner.escuta(p, event, rng, (when - p.birth) // 365)
                if pre:
                    emit(p, pre)
        for i in choose([sala_rate(p, a) for p, a in zip(alive, ages, strict=True)]):
            p = alive[i]
            when = clinical_day(p)
            codes = (
                ("0301100039",)
                if p.hypertension and rng.random() < 0.7
                else rng.choice(
                    (("0301100039",), ("0401010023",), ("0214010015",), ("0101040024",))
                )
            )
            emit(p, self.late(planner.proc(p, when, rng, codes), d))
        visitable = [p.registered and p.team is not None and p.team.registers for p in alive]
        for i in choose(
            [
                visit_rate(p, a) if ok else 0.0
                for p, a, ok in zip(alive, ages, visitable, strict=True)
            ]
        ):
            p = alive[i]
            when = clinical_day(p)
            pregnant = any(g.dum <= when <= g.end for g in p.pregnancies)
            emit(p, self.late(planner.visit(p, when, rng, (when - p.birth) // 365, pregnant), d))
        for i in choose([1.0] * len(alive), 0.3):
            p = alive[i]
            emit(p, planner.odonto(p, d, rng, 0))
        self.programmes(planner, alive, ages, d, rng, choose, clinical_day)
        for i in choose([2.0 if ok else 0.0 for ok in visitable]):
            self.new_version(planner, alive[i], d, rng)
        # deaths, phone and team changes on people who existed before this run
        for i, p in enumerate(alive):
            if p.idx >= self.existing:
                continue
            if rng.random() < _rate(ages[i], DEATH_3Y) / 1095.75:
                self.dies(planner, p, d, rng)
            elif rng.random() < 0.0005:
                new_phone = identity.phone(rng, world.ddd)
                if new_phone != p.phone:
                    p.phone = new_phone
                    self.update_person(
                        p, {"nu_telefone_celular": new_phone}, d, {"nu_telefone_celular": new_phone}
                    )
            elif rng.random() < 0.00001 and p.registered and p.team is not None:
                self.new_version(planner, p, d, rng, saida="136")  # moved out of the territory
            elif rng.random() < 0.0002 and p.team is not None:
                other = rng.choice([t for t in planner.teams if t is not p.team] or [p.team])
                if other is not p.team:
                    p.team = other
                    p.microarea = (
                        other.staff["acs"][0].microarea if "acs" in other.staff else "-"
                    ) or "-"
                    self.update_person(
                        p,
                        {
                            "co_dim_equipe_vinc": other.dim_id,
                            "co_dim_unidade_saude_vinc": other.unit.dim_id,
                        },
                        d,
                        {"nu_micro_area": p.microarea},
                    )
                    self.moved_team.add(p.idx)
                    self.new_version(planner, p, d, rng)  # the new team's ACS registers them
        for _ in range(poisson(rng, len(alive) * NEW_PEOPLE_PER_YEAR / 365.25)):
            self.new_person(world, planner, d, rng)

    def programmes(
        self,
        planner: Planner,
        alive: list[Person],
        ages: list[int],
        d: int,
        rng: random.Random,
        choose: Callable[..., list[int]],
        clinical_day: Callable[[Person], int],
    ) -> None:
        """Child care, vaccines, screening, diabetic feet and prenatal care of one day."""
        emit = self.emitter.event

        def rates(rule: Callable[[Person, int], float]) -> list[float]:
            return [rule(p, a) for p, a in zip(alive, ages, strict=True)]

        for i in choose(rates(lambda p, a: 5.0 if a < 2 else 0.0)):
            p = alive[i]
            for event in planner.child_consult(p, clinical_day(p), rng):
                emit(p, self.late(event, d))
        for i in choose(rates(lambda p, a: 4.0 if a < 2 else 0.0)):
            event = planner.child_dose(alive[i], d, rng)
            if event:
                emit(alive[i], event)
        campaign = date.fromordinal(d).month in (4, 5, 6)
        for i in choose(rates(lambda p, a: (3.0 if a >= 60 else 0.1) if campaign else 0.0)):
            emit(alive[i], planner.influenza(alive[i], d, rng))
        for i in choose(rates(lambda p, a: 0.2 if p.sex == "F" and 9 <= a <= 14 else 0.0)):
            emit(alive[i], planner.vac(alive[i], d, rng, (("67", "1", d, 0),)))
        for i in choose(rates(lambda p, a: 0.17 if 25 <= a <= 64 and has_cervix(p) else 0.0)):
            for event in planner.cervical(alive[i], d, rng):
                emit(alive[i], event)
        for i in choose(rates(lambda p, a: 0.25 if 50 <= a <= 69 and has_cervix(p) else 0.0)):
            for event in planner.mammography(alive[i], d, rng):
                emit(alive[i], event)
        for i in choose(rates(lambda p, a: 0.35 if 14 <= a <= 69 and has_cervix(p) else 0.0)):
            p = alive[i]
            emit(p, self.late(planner.ssr(p, clinical_day(p), rng, ages[i]), d))
        for i in choose(rates(lambda p, a: 0.45 if p.diabetes else 0.0)):
            emit(alive[i], planner.foot_exam(alive[i], d, rng))
        pregnant = [next((g for g in p.pregnancies if g.dum <= d <= g.end), None) for p in alive]
        for i in choose([12.0 if g else 0.0 for g in pregnant]):
            p, g = alive[i], pregnant[i]
            n = 0 if d - g.dum < 100 and rng.random() < 0.3 else rng.randint(1, 8)
            for event in planner.prenatal(p, g, d, n, rng, planner.team_of(p, rng, d)):
                emit(p, event)
        # after the expected date: the delivery recorded at a consultation, the puerpério
        for p in alive:
            for g in p.pregnancies:
                since = d - g.end
                if 7 <= since <= 40 and rng.random() < 0.035:
                    emit(p, planner.delivery(p, d, rng, planner.team_of(p, rng, d)))
                elif 10 <= since <= 60 and rng.random() < 0.02:
                    emit(p, planner.puerperal(p, d, rng, planner.team_of(p, rng, d)))

    @staticmethod
    def late(event: tuple, processed: int) -> tuple:
        """Every event of a day is processed that night, whatever its clinical date."""
        return (event[0], processed, *event[2:])

    def update_person(self, p: Person, fat_values: dict, d: int, cid_values: dict) -> None:
        stamp = datetime.combine(date.fromordinal(d), datetime.min.time()) + timedelta(
            hours=8, minutes=p.idx % 600
        )
        for fat in filter(None, (p.fat_id, p.dup_fat_id)) if fat_values else ():
            self.updates["tb_fat_cidadao_pec"].setdefault(fat, {}).update(fat_values)
        for cid in filter(None, (p.cid_id, p.dup_cid_id)):
            self.updates["tb_cidadao"].setdefault(cid, {}).update(
                {**cid_values, "dt_atualizado": stamp}
            )

    def new_version(
        self, planner: Planner, p: Person, d: int, rng: random.Random, saida: str | None = None
    ) -> None:
        if p.idx in self.versioned or not p.registered or p.team is None or not p.team.registers:
            return
        self.versioned.add(p.idx)
        previous = self.versions.get(p.fat_id)
        gest = any(g.dum + 30 <= d <= g.end for g in p.pregnancies)
        event = planner.cad(
            p,
            d,
            rng,
            first=previous is None,
            last=True,
            gestante=gest,
            saida=saida,
            recusa=p.refused,
        )
        written = self.emitter.event(p, event, previous[1] if previous else None)
        cad_id = written[0][1]
        if previous:
            self.updates["tb_cds_cad_individual"].setdefault(previous[0], {}).update(
                {"st_versao_atual": 0}
            )
        if p.idx < self.existing:
            values = {"co_unico_ultima_ficha": event[5], "dt_ultima_ficha": date.fromordinal(d)}
            self.update_person(p, {}, d, values)
            if p.territorio_id:
                self.updates["tb_fat_cidadao_territorio"].setdefault(p.territorio_id, {}).update(
                    {"co_fat_cad_individual": cad_id}
                )
        self.versions[p.fat_id] = (written[1][1], event[5], cad_id)
        self.last_cad[p.idx] = (cad_id, event[5], d)

    def dies(self, planner: Planner, p: Person, d: int, rng: random.Random) -> None:
        p.death = d
        obito = date.fromordinal(d)
        death = {"st_faleceu": 1, "dt_obito": obito}
        if rng.random() < 0.4:  # the death also came from CadSUS
            death["st_dados_obito_cadsus"] = 1
        self.update_person(p, {"st_faleceu": 1}, d, death)
        if p.territorio_id:
            self.updates["tb_fat_cidadao_territorio"].setdefault(p.territorio_id, {}).update(
                {"st_vivo": 0}
            )
        self.died.add(p.idx)
        self.new_version(planner, p, d, rng, saida="135")

    def new_person(self, world: World, planner: Planner, d: int, rng: random.Random) -> None:
        esf = [t for t in world.teams if t.kind == "eSF" and not t.scripted]
        team = rng.choice(esf)
        options = [h for h in world.households if h.team is team and h.registered]
        household = rng.choice(options) if options else None
        newborn = rng.random() < 0.6
        birth = d - (rng.randint(0, 20) if newborn else rng.randint(18 * 365, 70 * 365))
        sex = "F" if rng.random() < 0.5 else "M"
        microarea = household.microarea if household else team.staff["acs"][0].microarea
        p = population.new_person(
            rng,
            len(world.persons),
            birth,
            sex,
            team,
            microarea or "-",
            household.idx if household else -1,
            world.ddd,
        )
        population.draw_gender(rng, p, (d - birth) // 365)
        p.registered = household is not None
        p.refused = p.registered and rng.random() < 0.015
        p.fat_id = self.take_table("tb_fat_cidadao_pec")
        p.cid_id = self.take_table("tb_cidadao")
        if p.registered:
            p.territorio_id = self.take_table("tb_fat_cidadao_territorio")
            household.members.append(p.idx)
        world.persons.append(p)
        self.new_people.append(p)
        self.new_version(planner, p, d, rng)
        self.emitter.person_rows(p, self.last_cad.get(p.idx), d)

    # -- writing -----------------------------------------------------------------------
    def apply_updates(self) -> None:
        with self.conn.cursor() as cur:
            for table, rows in sorted(self.updates.items()):
                pk = self.tables[table].primary_key
                grouped: dict[tuple[str, ...], list[tuple]] = defaultdict(list)
                for row_id, values in sorted(rows.items()):
                    columns = tuple(sorted(values))
                    grouped[columns].append((*[values[c] for c in columns], row_id))
                for columns, params in grouped.items():
                    sets = ", ".join(f"{c} = %s" for c in columns)
                    cur.executemany(f"UPDATE public.{table} SET {sets} WHERE {pk} = %s", params)

    def save_people(self, world: World) -> None:
        conn = self.conn
        for idx in sorted(self.died):
            p = world.persons[idx]
            conn.execute(
                "UPDATE sandbox.person SET dt_obito = %s WHERE co_pessoa = %s",
                (date.fromordinal(p.death), idx),
            )
        for idx in sorted(self.moved_team):
            p = world.persons[idx]
            conn.execute(
                "UPDATE sandbox.person SET co_dim_equipe = %s, nu_micro_area = %s "
                "WHERE co_pessoa = %s",
                (p.team.dim_id, p.microarea, idx),
            )
        with conn.cursor() as cur, cur.copy("COPY sandbox.person FROM STDIN") as copy:
            for p in self.new_people:
                copy.write_row(
                    (
                        p.idx,
                        p.fat_id,
                        None,
                        p.cid_id,
                        None,
                        p.sex,
                        date.fromordinal(p.birth),
                        None,
                        False,
                        False,
                        None,
                        p.household,
                        p.team.dim_id if p.team else 1,
                        p.microarea,
                        p.registered,
                        p.territorio_id or None,
                        None,
                        p.gender,
                    )
                )
