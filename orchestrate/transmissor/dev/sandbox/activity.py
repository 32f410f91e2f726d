"""What happens to people: planned events (encounters, procedures, visits, vaccines, cadastros)
and the fact rows they become.

Events are plain tuples (cheap to build by the million). Every event carries its clinical date
(`co_dim_tempo`) and its processing date: the day the PEC's nightly job loaded it, which
decides the order of ids. Usually the two are equal; a late fact has an old clinical date.

Event layouts (`kind, processed, date, record, staff, ...`; record 0 = the person's main
tb_fat_cidadao_pec row, 1 = the duplicate row):
  FAI    (..., problems ((cid|None, ciap|None), ...), requested codes, evaluated codes,
          dum ordinal|0, gestational weeks|None, tipo_atendimento, local, minute)
  PROC   (..., codes, escuta_inicial 0/1, minute)
  ODONTO (..., gestante 0/1, codes, tipo_consulta, minute)
  VAC    (..., doses ((imunobiologico, dose, applied ordinal, registro_anterior), ...), minute)
  VISIT  (..., desfecho, (gestante, crianca, hipertensao, diabetes), pa text|None, minute)
  CAD    (..., uuid, hypertension, diabetes, gestante, saida|None, first, last, smoker)
"""

from __future__ import annotations

import math
import random

from transmissor.dev.sandbox import identity
from transmissor.dev.sandbox.population import Person, Pregnancy, Staff, Team, World

FAI, PROC, ODONTO, VAC, VISIT, CAD = range(6)

# (ciap, cid) pairs for everyday problems; None = not coded in that classification
EVERYDAY = (
    ("R74", "J069"),
    ("A03", "R509"),
    ("D73", "A09"),
    ("L03", "M545"),
    ("P76", "F329"),
    ("P74", "F419"),
    ("T82", "E669"),
    ("R96", "J459"),
    ("U71", "N390"),
    ("S74", "B359"),
    ("D01", "R104"),
    ("N01", "R51"),
    ("F70", "H109"),
    ("D87", "K297"),
    ("A98", "Z000"),
)
CHILD_PROBLEMS = (
    ("A98", "Z001"),
    ("R74", "J069"),
    ("H71", "H669"),
    ("A03", "R509"),
    ("D73", "A09"),
)
HYPERTENSION_PROBLEMS = (
    ((("K86", None),), 45),
    (((None, "I10"),), 30),
    ((("K86", "I10"),), 10),
    ((("ABP005", None),), 10),
    ((("K87", "I119"),), 5),
)
DIABETES_PROBLEMS = (
    ((("T90", None),), 45),
    (((None, "E119"),), 25),
    ((("T90", "E119"),), 10),
    ((("ABP006", None),), 10),
    ((("T89", "E109"),), 5),
    (((None, "E149"),), 5),
)
PREGNANCY_PROBLEMS = (
    ((("W78", None),), 40),
    ((("ABP001", None),), 20),
    (((None, "Z348"),), 25),
    ((("W78", "Z348"),), 10),
    ((("W84", "Z359"),), 5),
)
ROUTINE_EXAMS = ("0202020380", "0202010473", "0202010295", "0202010317", "0202050017")
SALA = (
    ("0301100039",),
    ("0401010023",),
    ("0214010015",),
    ("0101040024",),
    ("0301100039", "0101040024"),
)


def pick(rng: random.Random, options: tuple) -> object:
    total = sum(w for _, w in options)
    draw = rng.random() * total
    for value, weight in options:
        draw -= weight
        if draw < 0:
            return value
    return options[-1][0]


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def fai_rate(p: Person, age: int) -> float:
    """Individual encounters per year."""
    if age < 1:
        rate = 5.0
    elif age < 5:
        rate = 2.5
    elif age < 15:
        rate = 1.2
    elif age < 60:
        rate = 1.8 if p.sex == "F" else 0.9
    else:
        rate = 2.8 if age < 80 else 3.2
    if p.hypertension:
        rate += 2.5 if p.has_problem else 0.8
    if p.diabetes:
        rate += 2.0 if p.dm_problem else 0.6
    return rate


def sala_rate(p: Person, age: int) -> float:
    """Procedure-only attendances (sala de procedimentos) per year."""
    rate = 3.2 if age >= 18 else 1.0
    if p.hypertension:
        rate += 6.0
    if p.diabetes:
        rate += 3.0
    return rate


def visit_rate(p: Person, age: int) -> float:
    rate = 2.6 + (2.0 if p.hypertension or p.diabetes else 0.0)
    return rate + (6.0 if age < 2 else 0.0)


class Planner:
    """Draws the events of one person (create) or of one day (advance)."""

    def __init__(self, world: World, first: int, last: int, late_share: float = 0.02) -> None:
        self.world = world
        self.first = first  # first day of simulated activity (ordinal)
        self.last = last  # last day (the reference or current date)
        self.late_share = late_share
        self.teams = world.teams

    # -- helpers -------------------------------------------------------------------------
    def team_of(self, p: Person, rng: random.Random) -> Team:
        return p.team if p.team is not None else rng.choice(self.teams)

    def processed(self, rng: random.Random, day: int) -> int:
        if rng.random() < self.late_share:
            return min(self.last, day + rng.randint(7, 45))
        return day

    def record(self, p: Person, rng: random.Random) -> int:
        return 1 if p.dup_fat_id and rng.random() < 0.3 else 0

    @staticmethod
    def minute(rng: random.Random) -> int:
        return rng.randint(7 * 60, 17 * 60 + 30)

    # -- single events -------------------------------------------------------------------
    def fai(
        self,
        p: Person,
        day: int,
        rng: random.Random,
        age: int,
        problems: tuple | None = None,
        clinician: Staff | None = None,
    ) -> tuple:
        team = self.team_of(p, rng)
        if clinician is None:
            draw = rng.random()
            role = "medico" if draw < 0.55 else "enfermeiro" if draw < 0.95 else "outro"
            clinician = team.pick(rng, role)
        requested: tuple = ()
        evaluated: tuple = ()
        if problems is None:
            found = []
            if p.has_problem and rng.random() < 0.6:
                found.extend(pick(rng, HYPERTENSION_PROBLEMS))
            elif p.hypertension and not p.has_problem and rng.random() < 0.2:
                # seen by the team but only recorded as a complaint, not as hypertension
                found.append(("L03", None) if rng.random() < 0.5 else ("N01", "R51"))
            if p.dm_problem and rng.random() < 0.6:
                found.extend(pick(rng, DIABETES_PROBLEMS))
            if not found:
                draw = rng.random()
                if draw < 0.05:
                    pass  # encounter with no problem recorded
                else:
                    pool = CHILD_PROBLEMS if age < 5 else EVERYDAY
                    found.append(rng.choice(pool))
                    if draw > 0.85:
                        found.append(rng.choice(pool))
            problems = tuple(found)
        if p.diabetes and rng.random() < 0.4:
            requested += ("0202010503" if rng.random() < 0.8 else "ABEX008",)
        if p.diabetes and rng.random() < 0.2:
            evaluated += ("0202010503" if rng.random() < 0.8 else "ABEX008",)
        if age >= 15 and rng.random() < 0.15:
            requested += tuple(rng.sample(ROUTINE_EXAMS, rng.randint(1, 3)))
        if age >= 15 and rng.random() < 0.06:
            evaluated += (rng.choice(ROUTINE_EXAMS),)
        tipo = rng.choice((2, 3, 3, 5, 5, 5, 6)) if age else 2
        local = 4 if rng.random() < 0.04 else 2
        return (
            FAI,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            clinician,
            problems,
            requested,
            evaluated,
            0,
            None,
            tipo,
            local,
            self.minute(rng),
        )

    def escuta(self, p: Person, fai: tuple, rng: random.Random, age: int) -> tuple | None:
        """Pre-consultation (escuta inicial) procedures of an encounter, same day."""
        codes: list[str] = []
        if age >= 18 and rng.random() < 0.9:
            codes.append("0301100039" if rng.random() < 0.85 else "ABPG033")
        if rng.random() < (0.8 if age < 5 else 0.4):
            codes.append("0101040024")
        if p.diabetes and rng.random() < 0.5:
            codes.append("0214010015")
        if rng.random() < 0.35:
            codes.append("0301040079")
        if not codes:
            return None
        team = fai[4].team
        staff = team.pick(rng, "tecnico" if rng.random() < 0.8 else "enfermeiro")
        return (PROC, fai[1], fai[2], fai[3], staff, tuple(codes), 1, max(fai[12] - 10, 420))

    def proc(
        self,
        p: Person,
        day: int,
        rng: random.Random,
        codes: tuple,
        role: str = "tecnico",
        staff: Staff | None = None,
    ) -> tuple:
        if staff is None:
            staff = self.team_of(p, rng).pick(rng, role)
        return (
            PROC,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            codes,
            0,
            self.minute(rng),
        )

    def odonto(self, p: Person, day: int, rng: random.Random, gestante: int) -> tuple:
        staff = self.team_of(p, rng).pick(rng, "dentista")
        codes = tuple(
            rng.sample(("0301010153", "0101020058", "0307010031", "0414020138"), rng.randint(1, 2))
        )
        return (
            ODONTO,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            gestante,
            codes,
            rng.choice((2, 3, 4)),
            self.minute(rng),
        )

    def vac(self, p: Person, day: int, rng: random.Random, doses: tuple) -> tuple:
        staff = self.team_of(p, rng).pick(rng, "tecnico")
        return (
            VAC,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            doses,
            self.minute(rng),
        )

    def visit(self, p: Person, day: int, rng: random.Random, age: int, pregnant: bool) -> tuple:
        team = p.team
        acs = next(
            (s for s in team.staff["acs"] if s.microarea == p.microarea), team.staff["acs"][0]
        )
        draw = rng.random()
        desfecho = 2 if draw < 0.85 else 3 if draw < 0.88 else 4
        pa = None
        if desfecho == 2 and p.hypertension and rng.random() < 0.3:
            pa = f"{rng.randint(11, 16) * 10}/{rng.randint(7, 10) * 10}"
        flags = (int(pregnant), int(age < 2), int(p.hypertension), int(p.diabetes))
        return (
            VISIT,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            acs,
            desfecho,
            flags,
            pa,
            rng.randint(8 * 60, 16 * 60),
        )

    def cad(
        self,
        p: Person,
        day: int,
        rng: random.Random,
        *,
        first: bool,
        last: bool,
        gestante: bool,
        saida: str | None = None,
        has: bool | None = None,
        dm: bool | None = None,
    ) -> tuple:
        team = p.team
        acs = next(
            (s for s in team.staff["acs"] if s.microarea == p.microarea), team.staff["acs"][0]
        )
        has = p.has_self if has is None else has
        dm = p.dm_self if dm is None else dm
        uuid = f"{acs.unit.cnes}-{identity.uuid4(rng)}"
        return (
            CAD,
            self.processed(rng, day),
            day,
            0,
            acs,
            uuid,
            int(has),
            int(dm),
            int(gestante),
            saida,
            first,
            last,
            int(p.smoker),
        )

    # -- whole person (create) -----------------------------------------------------------
    def person(self, p: Person, rng: random.Random) -> list[tuple]:
        first = max(self.first, p.birth)
        last = min(self.last, p.death - 1) if p.death else self.last
        events: list[tuple] = []
        if first > last:
            return events
        span = last - first + 1
        years = span / 365.25
        mid_age = ((first + last) // 2 - p.birth) // 365

        def days(count: int) -> list[int]:
            return sorted(rng.randint(first, last) for _ in range(count))

        def age_at(day: int) -> int:
            return (day - p.birth) // 365

        for day in days(poisson(rng, fai_rate(p, mid_age) * years)):
            age = age_at(day)
            event = self.fai(p, day, rng, age)
            events.append(event)
            if rng.random() < 0.7:
                pre = self.escuta(p, event, rng, age)
                if pre:
                    events.append(pre)
        for day in days(poisson(rng, sala_rate(p, mid_age) * years)):
            if p.hypertension and rng.random() < 0.7:
                codes = ("0301100039",) if rng.random() < 0.85 else ("ABPG033",)
            elif p.diabetes and rng.random() < 0.6:
                codes = ("0214010015",)
            else:
                codes = rng.choice(SALA)
            role = "tecnico" if rng.random() < 0.85 else "enfermeiro"
            events.append(self.proc(p, day, rng, codes, role))
        if p.sex == "F":
            lo = max(first, p.birth + int(25 * 365.25))
            hi = min(last, p.birth + int(65 * 365.25) - 1)
            if lo <= hi and rng.random() < 0.45 * min(1.0, (hi - lo + 1) / 1095):
                draw = rng.random()
                role = "enfermeiro" if draw < 0.75 else "medico" if draw < 0.97 else "tecnico"
                code = "0201020033" if rng.random() < 0.8 else "ABPG010"
                events.append(self.proc(p, rng.randint(lo, hi), rng, (code,), role))
        if mid_age >= 15:
            for day in days(poisson(rng, 0.04 * years)):
                codes = (
                    ("0214010058", "0214010074") if rng.random() < 0.8 else ("ABPG024", "ABPG026")
                )
                events.append(self.proc(p, day, rng, codes, "enfermeiro"))
        for day in days(poisson(rng, 0.3 * years)):
            events.append(self.odonto(p, day, rng, 0))
        events.extend(self.vaccines(p, rng, first, last))
        for preg in p.pregnancies:
            events.extend(self.pregnancy(p, preg, rng, first, last))
        if p.registered and p.team is not None and p.team.kind == "eSF":
            for day in days(poisson(rng, visit_rate(p, mid_age) * years)):
                pregnant = any(g.dum <= day <= g.end for g in p.pregnancies)
                events.append(self.visit(p, day, rng, age_at(day), pregnant))
            events.extend(self.cadastros(p, rng, first, last, years))
        return events

    def cadastros(
        self, p: Person, rng: random.Random, first: int, last: int, years: float
    ) -> list[tuple]:
        if p.birth >= self.first:
            start = min(last, p.birth + rng.randint(5, 90))
        else:
            start = max(p.birth + 1, self.first - rng.randint(0, 720))
        start = min(start, last)
        updates = days_between(rng, max(start + 1, first), last, poisson(rng, 2.0 * years))
        dates = [start, *updates]
        saida = None
        if p.death:
            dates.append(p.death + rng.randint(0, 20))
            saida = "135"
        elif p.moved_out and max(start + 1, first) <= self.last:
            dates.append(rng.randint(max(start + 1, first), self.last))
            saida = "136"
        dates = sorted(d for d in dates if d <= self.last)
        out = []
        for n, day in enumerate(dates):
            is_last = n == len(dates) - 1
            gest = any(g.dum + 30 <= day <= g.end for g in p.pregnancies)
            out.append(
                self.cad(
                    p,
                    day,
                    rng,
                    first=n == 0,
                    last=is_last,
                    gestante=gest,
                    saida=saida if is_last else None,
                )
            )
        return out

    def vaccines(self, p: Person, rng: random.Random, first: int, last: int) -> list[tuple]:
        out: list[tuple] = []
        if p.birth > self.first - 400:
            schedule: dict[int, list[tuple]] = {}
            hexa = rng.random() < 0.03
            day = p.birth + rng.randint(0, 30)
            schedule.setdefault(day, []).append(("9", "1"))
            stop = rng.random() < 0.12
            for dose, months in (("1", 61), ("2", 122), ("3", 183)):
                if stop and dose != "1" and rng.random() < 0.5:
                    break
                day = p.birth + months + int(rng.expovariate(1 / 15))
                if rng.random() < 0.05:
                    continue
                schedule.setdefault(day, []).append(("43" if hexa else "42", dose))
                if not hexa:
                    schedule.setdefault(day, []).append(("22", dose))
            for day, doses in sorted(schedule.items()):
                if first <= day <= last:
                    anterior = rng.random() < 0.03
                    registered = min(self.last, day + rng.randint(20, 90)) if anterior else day
                    out.append(
                        self.vac(
                            p, registered, rng, tuple((i, d, day, int(anterior)) for i, d in doses)
                        )
                    )
        lo = max(first, p.birth + 9 * 365)
        hi = min(last, p.birth + 15 * 365)
        if lo <= hi and rng.random() < 0.6:
            day = rng.randint(lo, hi)
            out.append(self.vac(p, day, rng, (("67", "1", day, 0),)))
            second = day + rng.randint(180, 240)
            if second <= last and rng.random() < 0.7:
                out.append(self.vac(p, second, rng, (("67", "2", second, 0),)))
        return out

    def pregnancy(
        self, p: Person, g: Pregnancy, rng: random.Random, first: int, last: int
    ) -> list[tuple]:
        out: list[tuple] = []
        team = self.team_of(p, rng)
        visit = g.dum + rng.randint(42, 120)
        consults = []
        while visit <= min(g.end, last):
            if visit >= first:
                consults.append(visit)
            visit += rng.randint(21, 35)
        for n, day in enumerate(consults):
            clinician = team.pick(rng, "medico" if n % 2 else "enfermeiro")
            event = list(
                self.fai(
                    p,
                    day,
                    rng,
                    (day - p.birth) // 365,
                    problems=pick(rng, PREGNANCY_PROBLEMS),
                    clinician=clinician,
                )
            )
            weeks = (day - g.dum) // 7
            if g.dum_known:
                event[8], event[9] = g.dum, (weeks if rng.random() < 0.5 else None)
            else:
                event[8], event[9] = 0, weeks
            if n == 0 and rng.random() < 0.7:
                event[6] = (
                    ("0202030300", "0202031110") if rng.random() < 0.85 else ("ABEX018", "ABEX019")
                )
            if n == 2 and rng.random() < 0.4:
                event[7] = ("0202030300", "0202031110")
            out.append(tuple(event))
            if n == 0 and rng.random() < 0.6:
                codes = rng.choice(
                    (
                        ("0214010040", "0214010082"),
                        ("0214010058", "0214010074"),
                        ("ABPG024", "ABPG026"),
                    )
                )
                out.append(self.proc(p, day, rng, codes, "enfermeiro"))
        third = g.dum + rng.randint(196, 240)
        if first <= third <= min(g.end, last) and rng.random() < 0.45:
            out.append(self.proc(p, third, rng, ("0214010040", "0214010082"), "enfermeiro"))
        dental = g.dum + rng.randint(60, 250)
        if first <= dental <= min(g.end, last) and rng.random() < 0.6:
            out.append(self.odonto(p, dental, rng, 1))
        dtpa = g.dum + rng.randint(140, 200)
        if first <= dtpa <= min(g.end, last) and rng.random() < 0.7:
            out.append(self.vac(p, dtpa, rng, (("57", "1", dtpa, 0),)))
        if g.outcome != "ongoing":
            after = g.end + (rng.randint(7, 40) if g.outcome == "parto" else rng.randint(1, 10))
            if first <= after <= last:
                problems = (("W90", "Z390"),) if g.outcome == "parto" else (("W82", "O039"),)
                out.append(
                    self.fai(
                        p,
                        after,
                        rng,
                        (after - p.birth) // 365,
                        problems=problems,
                        clinician=team.pick(rng, "enfermeiro"),
                    )
                )
        return out


def days_between(rng: random.Random, lo: int, hi: int, count: int) -> list[int]:
    if lo > hi:
        return []
    return sorted(rng.randint(lo, hi) for _ in range(count))


def child_rows(event: tuple) -> tuple[tuple[str, int], ...]:
    """Rows an event produces, per table key (used to count before ids are assigned)."""
    kind = event[0]
    if kind == FAI:
        return (
            ("fai", 1),
            ("problemas", len(event[5])),
            ("procedimentos", len(event[6]) + len(event[7])),
        )
    if kind == PROC:
        return (("proced_atend", 1), ("proced_atend_proced", len(event[5])))
    if kind == ODONTO:
        return (("odonto", 1),)
    if kind == VAC:
        return (("vacinacao", 1), ("vacina", len(event[5])))
    if kind == VISIT:
        return (("visita", 1),)
    return (("cad", 1), ("cds_cad", 1))
