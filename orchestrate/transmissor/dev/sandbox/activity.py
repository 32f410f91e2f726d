"""What happens to people: planned events (encounters, procedures, visits, vaccines, cadastros)
and the fact rows they become.

Events are plain tuples (cheap to build by the million). Every event carries its clinical date
(`co_dim_tempo`) and its processing date: the day the PEC's nightly job loaded it, which
decides the order of ids. Usually the two are equal; a late fact has an old clinical date.

Event layouts (`kind, processed, date, record, staff, ...`; record 0 = the person's main
tb_fat_cidadao_pec row, 1 = the duplicate row; codes are LEDI/SIGTAP codes, never dimension
ids, except `local` and `desfecho`, which are tb_dim_* ids):
  FAI    (..., problems, requested codes, evaluated codes, dum ordinal|0, gestational
          weeks|None, demand type LEDI|None, local, minute, participation LEDI|None,
          (systolic, diastolic)|None, weight|None, height|None)
         problems: (ciap|None, cid|None) pairs, or `Problem`s where the evolution data is set
  PROC   (..., codes, escuta_inicial 0/1, minute, (systolic, diastolic)|None, weight|None,
          height|None)
  ODONTO (..., gestante 0/1, codes, tipo_consulta, minute)
  VAC    (..., doses ((imunobiologico, dose, applied ordinal, registro_anterior), ...), minute)
  VISIT  (..., desfecho, (gestante, puerpera, recem_nascido, crianca, hipertensao, diabetes),
          pa text|None, minute, weight|None, height|None)
  CAD    (..., uuid, hypertension, diabetes, gestante, saida|None, first, last, smoker,
          recusa 0/1)
Use the `fai_event`, `proc_event` and `visit_event` builders, not literal tuples.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date
from typing import NamedTuple

from transmissor.dev.sandbox import identity
from transmissor.dev.sandbox.dates import add_months, add_years
from transmissor.dev.sandbox.population import Person, Pregnancy, Staff, Team, World

FAI, PROC, ODONTO, VAC, VISIT, CAD = range(6)


class Problem(NamedTuple):
    """A problem row whose evolution data is set explicitly.

    Plain (ciap, cid) pairs get the defaults of `emit`: the person-problem's uuid, assessed,
    situation active for chronic conditions.
    """

    ciap: str | None
    cid: str | None
    situacao: str | None  # LEDI 0 ativo, 1 latente, 2 resolvido; None = not informed
    key: str | None  # the person's problem (its nu_uuid_problema); None = no uuid
    avaliado: int | None = 1


def fai_event(
    processed: int,
    day: int,
    record: int,
    staff: Staff,
    problems: tuple,
    requested: tuple = (),
    evaluated: tuple = (),
    dum: int = 0,
    weeks: int | None = None,
    tipo: str | None = "2",
    local: int = 2,
    minute: int = 540,
    particip: str | None = "2",
    pa: tuple[int, int] | None = None,
    peso: float | None = None,
    altura: float | None = None,
) -> tuple:
    return (
        FAI,
        processed,
        day,
        record,
        staff,
        problems,
        requested,
        evaluated,
        dum,
        weeks,
        tipo,
        local,
        minute,
        particip,
        pa,
        peso,
        altura,
    )


def proc_event(
    processed: int,
    day: int,
    record: int,
    staff: Staff,
    codes: tuple,
    escuta: int = 0,
    minute: int = 600,
    pa: tuple[int, int] | None = None,
    peso: float | None = None,
    altura: float | None = None,
) -> tuple:
    return (PROC, processed, day, record, staff, codes, escuta, minute, pa, peso, altura)


def visit_event(
    processed: int,
    day: int,
    record: int,
    staff: Staff,
    desfecho: int = 2,
    flags: tuple = (0, 0, 0, 0, 0, 0),
    pa: str | None = None,
    minute: int = 600,
    peso: float | None = None,
    altura: float | None = None,
) -> tuple:
    return (VISIT, processed, day, record, staff, desfecho, flags, pa, minute, peso, altura)


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
    ((("W78", None),), 38),
    ((("ABP001", None),), 20),
    (((None, "Z348"),), 20),
    ((("W78", "Z340"),), 8),
    ((("W78", "Z321"),), 4),
    ((("W84", "Z359"),), 5),
    ((("W84", "O249"),), 3),
    ((("W78", "O100"),), 2),
)
PUERICULTURA = (
    ((("A98", "Z001"),), 45),
    ((("ABP004", None),), 20),
    (((None, "Z001"),), 20),
    ((("A98", None),), 15),
)
DELIVERY = (
    ((("W90", "Z390"),), 55),
    ((("W90", "Z370"),), 25),
    ((("W91", "Z390"),), 5),
    (((None, "Z390"),), 15),
)
PUERPERIO = (
    ((("ABP002", None),), 40),
    ((("W18", "Z392"),), 30),
    (((None, "Z392"),), 15),
    ((("W19", None),), 10),
    ((("P76", "F530"),), 5),
)
ABORTION = ((("W82", "O039"),), (("W83", "O069"),), (("W82", "O021"),))
# saúde sexual e reprodutiva consultations; the last two are look-alikes the rule leaves out
SSR_PROBLEMS = (
    ((("W14", "Z300"),), 20),
    ((("W11", "Z304"),), 20),
    ((("W12", "Z301"),), 8),
    ((("ABP003", None),), 15),
    ((("X11", "N951"),), 10),
    ((("X89", "N943"),), 6),
    (((None, "N912"),), 6),
    ((("X02", "N920"),), 5),
    ((("X84", "N760"),), 10),
)
# The key naming the person's problem (its uuid) for the chronic conditions' codes
PROBLEM_KEYS = {
    **dict.fromkeys(("K86", "K87", "ABP005", "I10", "I119"), "has"),
    **dict.fromkeys(("T89", "T90", "ABP006", "E109", "E119", "E149"), "dm"),
}
ROUTINE_EXAMS = ("0202020380", "0202010473", "0202010295", "0202010317", "0202050017")
SALA = (
    ("0301100039",),
    ("0401010023",),
    ("0214010015",),
    ("0101040024",),
    ("0301100039", "0101040024"),
    ("0101040083",),
)
# first-trimester exams requested at the first prenatal consultation: HIV, sífilis, HBV, HCV
PRENATAL_LABS = ("0202030300", "0202031110", "0202030970", "0202030679")
PRENATAL_LABS_AB = ("ABEX018", "ABEX019", "0202030784", "0202030679")
RAPID_TESTS = (
    ("0214010040", "0214010082", "0214010236", "0214010309"),
    ("0214010279", "0214010252", "0214010104", "0214010090"),
    ("0214010040", "0214010082"),
    ("ABPG024", "ABPG026"),
)
# child care (puericultura) consultations: days of life of the schedule
CHILD_CARE_DAYS = (7, 30, 60, 120, 180, 270, 365, 450, 540, 630, 720)
HPV_TEST_SINCE = date(2025, 3, 1).toordinal()  # the molecular test reaches the UBS
# Weighted choices expanded once: rng.choice on a list is the cheapest draw.
DEMAND = ["1"] * 12 + ["2"] * 25 + ["4"] * 8 + ["5"] * 40 + ["6"] * 8 + [None] * 7
PARTICIPATION = ["2"] * 168 + [None] * 18 + ["3"] * 4 + ["4"] * 4 + ["6"] * 2 + ["5", "7"]
PARTICIPATION += ["1"] * 2


# The planner draws millions of numbers: random() is several times cheaper than randint()
# and choice(), which go through randrange and getrandbits.
def between(rng: random.Random, lo: int, hi: int) -> int:
    """An integer from lo to hi, both included."""
    return lo + int(rng.random() * (hi - lo + 1))


def one_of(rng: random.Random, options: tuple | list) -> object:
    return options[int(rng.random() * len(options))]


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
    """Individual encounters per year (besides the programmes: child care, prenatal...)."""
    if age < 1 or age < 5:
        rate = 2.0
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


def has_cervix(p: Person) -> bool:
    """Women (but trans women) and trans men: the cervical screening population."""
    return (p.sex == "F" and p.gender != "150") or (p.sex == "M" and p.gender == "149")


def blood_pressure(rng: random.Random, hypertensive: bool) -> tuple[int, int]:
    high = 2 if hypertensive else 0
    return between(rng, 10, 15 + high) * 10, between(rng, 6, 9 + high // 2) * 10


def measures(rng: random.Random, age_days: int, both: float) -> tuple[float | None, float | None]:
    """Weight (kg) and height (cm) of a record: both with chance `both`, sometimes only one."""
    draw = rng.random()
    if draw >= both + 0.25:
        return None, None
    if age_days < 730:
        weight = round(3.3 + age_days / 70 + rng.random(), 1)
        height = float(49 + age_days // 20)
    elif age_days < 6570:
        weight = round(12 + age_days / 300 + rng.random() * 5, 1)
        height = float(85 + min(90, age_days // 70))
    else:
        weight = between(rng, 500, 1100) / 10
        height = float(between(rng, 150, 190))
    if draw < both:
        return weight, height
    return (weight, None) if draw < both + 0.2 else (None, height)


class Planner:
    """Draws the events of one person (create) or of one day (advance)."""

    def __init__(self, world: World, first: int, last: int, late_share: float = 0.02) -> None:
        self.world = world
        self.first = first  # first day of simulated activity (ordinal)
        self.last = last  # last day (the reference or current date)
        self.late_share = late_share
        self.teams = [t for t in world.teams if not t.scripted and t.kind != "eSB"]
        first_year, last_year = date.fromordinal(first).year, date.fromordinal(last).year
        # influenza campaigns open in April every year
        self.campaigns = [date(y, 4, 1).toordinal() for y in range(first_year, last_year + 1)]

    # -- helpers -------------------------------------------------------------------------
    def team_at(self, p: Person, day: int) -> Team | None:
        if p.former_team is not None and day < p.team_since:
            return p.former_team
        return p.team

    def team_of(self, p: Person, rng: random.Random, day: int = 0) -> Team:
        team = self.team_at(p, day) if day else p.team
        return team if team is not None else one_of(rng, self.teams)

    def visits(self, p: Person, day: int) -> bool:
        """The person is registered by a team with ACS on that day."""
        team = self.team_at(p, day)
        return p.registered and team is not None and team.registers

    def acs_of(self, p: Person, team: Team) -> Staff:
        return next(
            (s for s in team.staff["acs"] if s.microarea == p.microarea), team.staff["acs"][0]
        )

    def processed(self, rng: random.Random, day: int) -> int:
        if rng.random() < self.late_share:
            return min(self.last, day + between(rng, 7, 45))
        return day

    def record(self, p: Person, rng: random.Random) -> int:
        return 1 if p.dup_fat_id and rng.random() < 0.3 else 0

    @staticmethod
    def minute(rng: random.Random) -> int:
        return between(rng, 7 * 60, 17 * 60 + 30)

    # -- single events -------------------------------------------------------------------
    def fai(
        self,
        p: Person,
        day: int,
        rng: random.Random,
        age: int,
        problems: tuple | None = None,
        clinician: Staff | None = None,
        requested: tuple | None = None,
        evaluated: tuple | None = None,
    ) -> tuple:
        team = self.team_of(p, rng, day)
        if clinician is None:
            draw = rng.random()
            role = (
                "medico"
                if draw < 0.55
                else "enfermeiro"
                if draw < 0.95
                else "outro"
                if draw < 0.97
                else "multi"
            )
            clinician = team.pick(rng, role)
        if problems is None:
            problems = self.everyday_problems(p, day, rng, age)
        if requested is None:
            requested = ()
            if p.diabetes and rng.random() < 0.4:
                requested += ("0202010503" if rng.random() < 0.8 else "ABEX008",)
            if age >= 15 and rng.random() < 0.15:
                requested += tuple(rng.sample(ROUTINE_EXAMS, between(rng, 1, 3)))
        if evaluated is None:
            evaluated = ()
            if p.diabetes and rng.random() < 0.2:
                evaluated += ("0202010503" if rng.random() < 0.8 else "ABEX008",)
            if age >= 15 and rng.random() < 0.06:
                evaluated += (one_of(rng, ROUTINE_EXAMS),)
        pa = None
        if age >= 18 and rng.random() < (0.8 if p.hypertension else 0.45):
            pa = blood_pressure(rng, p.hypertension)
        peso, altura = measures(rng, day - p.birth, 0.5 if age < 2 else 0.3)
        return fai_event(
            self.processed(rng, day),
            day,
            self.record(p, rng),
            clinician,
            problems,
            requested,
            evaluated,
            tipo=one_of(rng, DEMAND) if age else "1",
            local=4 if rng.random() < 0.04 else 2,
            minute=self.minute(rng),
            particip=one_of(rng, PARTICIPATION),
            pa=pa,
            peso=peso,
            altura=altura,
        )

    def everyday_problems(self, p: Person, day: int, rng: random.Random, age: int) -> tuple:
        found = []
        has_active = not (p.has_resolved and day >= p.has_resolved)
        if p.has_problem and has_active and rng.random() < 0.6:
            found.extend(pick(rng, HYPERTENSION_PROBLEMS))
        elif p.hypertension and not p.has_problem and rng.random() < 0.2:
            # seen by the team but only recorded as a complaint, not as hypertension
            found.append(("L03", None) if rng.random() < 0.5 else ("N01", "R51"))
        if p.dm_problem and not (p.dm_resolved and day >= p.dm_resolved) and rng.random() < 0.6:
            found.extend(pick(rng, DIABETES_PROBLEMS))
        if not found:
            draw = rng.random()
            if draw >= 0.05:  # else an encounter with no problem recorded
                pool = CHILD_PROBLEMS if age < 5 else EVERYDAY
                found.append(one_of(rng, pool))
                if draw > 0.85:
                    found.append(one_of(rng, pool))
        return tuple(found)

    def escuta(self, p: Person, fai: tuple, rng: random.Random, age: int) -> tuple | None:
        """Pre-consultation (escuta inicial) of an encounter, same day: vitals and procedures."""
        codes: list[str] = []
        pa = peso = altura = None
        if age >= 18 and rng.random() < 0.9:
            codes.append("0301100039" if rng.random() < 0.85 else "ABPG033")
            if rng.random() < 0.9:
                pa = blood_pressure(rng, p.hypertension)
        if rng.random() < (0.8 if age < 5 else 0.4):
            codes.append("0101040024")
            if rng.random() < 0.9:
                peso, altura = measures(rng, fai[2] - p.birth, 1.0)
        elif rng.random() < 0.15:
            # weighed only: the height may come from the consultation itself (one day, a pair)
            peso = measures(rng, fai[2] - p.birth, 1.0)[0]
        if p.diabetes and rng.random() < 0.5:
            codes.append("0214010015")
        if rng.random() < 0.35:
            codes.append("0301040079")
        if not codes and peso is None:
            return None
        team = fai[4].team
        staff = team.pick(rng, "tecnico" if rng.random() < 0.8 else "enfermeiro")
        return proc_event(
            fai[1], fai[2], fai[3], staff, tuple(codes), 1, max(fai[12] - 10, 420), pa, peso, altura
        )

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
            staff = self.team_of(p, rng, day).pick(rng, role)
        pa = peso = altura = None
        if "0301100039" in codes and rng.random() < 0.8:
            pa = blood_pressure(rng, p.hypertension)
        if "0101040024" in codes and rng.random() < 0.8:
            peso, altura = measures(rng, day - p.birth, 1.0)
        return proc_event(
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            codes,
            0,
            self.minute(rng),
            pa,
            peso,
            altura,
        )

    def odonto(self, p: Person, day: int, rng: random.Random, gestante: int) -> tuple:
        team = self.team_of(p, rng, day)
        staff = team.pick(rng, "tsb" if rng.random() < 0.15 else "dentista")
        codes = tuple(
            rng.sample(("0301010153", "0101020058", "0307010031", "0414020138"), between(rng, 1, 2))
        )
        return (
            ODONTO,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            gestante,
            codes,
            one_of(rng, (2, 3, 4)),
            self.minute(rng),
        )

    def vac(self, p: Person, day: int, rng: random.Random, doses: tuple) -> tuple:
        staff = self.team_of(p, rng, day).pick(rng, "tecnico")
        return (
            VAC,
            self.processed(rng, day),
            day,
            self.record(p, rng),
            staff,
            doses,
            self.minute(rng),
        )

    def visit(
        self,
        p: Person,
        day: int,
        rng: random.Random,
        age: int,
        pregnant: bool,
        puerpera: bool = False,
    ) -> tuple:
        acs = self.acs_of(p, self.team_at(p, day) or p.team)
        draw = rng.random()
        desfecho = 2 if draw < 0.85 else 3 if draw < 0.88 else 4  # realizada, recusada, ausente
        pa = None
        if desfecho == 2 and p.hypertension and rng.random() < 0.3:
            pa = f"{between(rng, 11, 16) * 10}/{between(rng, 7, 10) * 10}"
        age_days = day - p.birth
        flags = (
            int(pregnant),
            int(puerpera),
            int(age_days <= 28 and rng.random() < 0.9),
            int(age < 10 and rng.random() < 0.85),
            int(p.hypertension),
            int(p.diabetes),
        )
        peso = altura = None
        if desfecho == 2 and age < 2 and rng.random() < 0.2:
            peso, altura = measures(rng, age_days, 1.0)
        return visit_event(
            self.processed(rng, day),
            day,
            self.record(p, rng),
            acs,
            desfecho,
            flags,
            pa,
            between(rng, 8 * 60, 16 * 60),
            peso,
            altura,
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
        recusa: bool = False,
    ) -> tuple:
        acs = self.acs_of(p, self.team_at(p, day) or p.team)
        has = p.has_self if has is None else has
        dm = p.dm_self if dm is None else dm
        uuid = f"{acs.unit.cnes}-{identity.uuid4(rng)}"
        if recusa:  # a refusal records no health conditions
            has = dm = gestante = False
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
            int(recusa),
        )

    # -- programmes (one event or a few, also used day by day by advance) ----------------
    def child_consult(
        self, p: Person, day: int, rng: random.Random, clinician: Staff | None = None
    ) -> list[tuple]:
        """A puericultura consultation: weighed and measured, sometimes the growth chart."""
        team = self.team_of(p, rng, day)
        clinician = clinician or team.pick(rng, "enfermeiro" if rng.random() < 0.6 else "medico")
        event = list(
            self.fai(p, day, rng, 0, problems=pick(rng, PUERICULTURA), clinician=clinician)
        )
        event[10] = "1"  # consulta agendada programada / cuidado continuado
        event[13] = "2" if rng.random() < 0.9 else one_of(rng, (None, None, "3"))
        event[15], event[16] = measures(rng, day - p.birth, 0.92)
        out = [tuple(event)]
        if rng.random() < 0.3:
            out.append(self.proc(p, day, rng, ("0301010269",), staff=clinician))
        return out

    def child_care(self, p: Person, rng: random.Random, first: int, last: int) -> list[tuple]:
        out: list[tuple] = []
        if p.birth < self.first - 730:
            return out
        adherence = one_of(rng, (0.95, 0.95, 0.9, 0.75, 0.4))
        for slot in CHILD_CARE_DAYS:
            if rng.random() >= adherence:
                continue
            jitter = between(rng, -4, 23) if slot == 7 else between(rng, -15, 15)
            day = p.birth + max(1, slot + jitter)
            if first <= day <= last:
                out.extend(self.child_consult(p, day, rng))
        newborn = p.birth + between(rng, 2, 20)
        if first <= newborn <= last and self.visits(p, newborn) and rng.random() < 0.8:
            out.append(self.visit(p, newborn, rng, 0, False))
        return out

    def cervical(self, p: Person, day: int, rng: random.Random) -> list[tuple]:
        """Collection of the Pap smear, the request in the consultation, later its result."""
        draw = rng.random()
        role = "enfermeiro" if draw < 0.75 else "medico" if draw < 0.97 else "tecnico"
        staff = self.team_of(p, rng, day).pick(rng, role)
        code = "0201020033" if rng.random() < 0.8 else "ABPG010"
        out = [self.proc(p, day, rng, (code,), staff=staff)]
        if role != "tecnico" and rng.random() < 0.7:
            problems = one_of(rng, ((("ABP022", None),), ((None, "Z124"),), (("A98", None),)))
            out.append(self.fai(p, day, rng, 30, problems, staff, ("0203010086",), ()))
            result = day + between(rng, 30, 75)
            if result <= self.last and rng.random() < 0.5:
                exam = "0203010086" if rng.random() < 0.7 else "0203010019"
                out.append(self.fai(p, result, rng, 30, None, None, (), (exam,)))
        return out

    def hpv_test(self, p: Person, day: int, rng: random.Random) -> list[tuple]:
        staff = self.team_of(p, rng, day).pick(rng, "enfermeiro")
        out = [self.proc(p, day, rng, ("0201020076",), staff=staff)]
        out.append(self.fai(p, day, rng, 30, (("ABP022", None),), staff, ("0202100251",), ()))
        result = day + between(rng, 20, 60)
        if result <= self.last and rng.random() < 0.6:
            out.append(self.fai(p, result, rng, 30, None, None, (), ("0202100251",)))
        return out

    def mammography(self, p: Person, day: int, rng: random.Random) -> list[tuple]:
        exam = "0204030188" if rng.random() < 0.85 else "0204030030"
        problems = (("ABP023", None),) if rng.random() < 0.4 else None
        out = [self.fai(p, day, rng, 55, problems, None, (exam,), ())]
        result = day + between(rng, 30, 90)
        if result <= self.last and rng.random() < 0.5:
            out.append(self.fai(p, result, rng, 55, None, None, (), (exam,)))
        return out

    def ssr(self, p: Person, day: int, rng: random.Random, age: int) -> tuple:
        team = self.team_of(p, rng, day)
        staff = team.pick(rng, "enfermeiro" if rng.random() < 0.6 else "medico")
        return self.fai(p, day, rng, age, pick(rng, SSR_PROBLEMS), staff)

    def foot_exam(self, p: Person, day: int, rng: random.Random) -> tuple:
        draw = rng.random()
        role = (
            "enfermeiro"
            if draw < 0.7
            else "medico"
            if draw < 0.9
            else "multi"
            if draw < 0.95
            else "tecnico"
        )
        return self.proc(p, day, rng, ("0301040095",), role)

    def child_dose(self, p: Person, day: int, rng: random.Random) -> tuple | None:
        """The doses a child of that age is due (advance: one visit to the vaccine room)."""
        age = day - p.birth
        doses: tuple = ()
        if age <= 30:
            doses = (("9", "1"),)
        for n, (lo, hi) in enumerate(((55, 80), (115, 140), (175, 200))):
            if lo <= age <= hi:
                dose = str(n + 1)
                doses = (("42", dose), ("22", dose)) + ((("26", dose),) if n < 2 else ())
        if 366 <= age <= 400:
            doses = (("24", "1"), ("26", "REF"))
        if 458 <= age <= 490:
            doses = (("56", "2"), ("46", "REF"))
        if not doses:
            return None
        return self.vac(p, day, rng, tuple((code, dose, day, 0) for code, dose in doses))

    def influenza(self, p: Person, day: int, rng: random.Random) -> tuple:
        code = "33" if rng.random() < 0.75 else "77"
        return self.vac(p, day, rng, ((code, "1", day, 0),))

    def screening(self, p: Person, rng: random.Random, first: int, last: int) -> list[tuple]:
        out: list[tuple] = []
        birth = date.fromordinal(p.birth)

        def ages(lo: int, hi: int) -> tuple[int, int]:
            return (
                max(first, add_years(birth, lo).toordinal()),
                min(last, add_years(birth, hi + 1).toordinal() - 1),
            )

        def share(lo: int, hi: int) -> float:
            return min(1.0, (hi - lo + 1) / 1095)

        if has_cervix(p):
            lo, hi = ages(25, 64)
            if lo <= hi and rng.random() < 0.5 * share(lo, hi):
                out.extend(self.cervical(p, between(rng, lo, hi), rng))
            lo = max(lo, HPV_TEST_SINCE)
            if lo <= hi and rng.random() < 0.12 * share(lo, hi):
                out.extend(self.hpv_test(p, between(rng, lo, hi), rng))
            lo, hi = ages(50, 69)
            if lo <= hi and rng.random() < 0.55 * share(lo, hi):
                out.extend(self.mammography(p, between(rng, lo, hi), rng))
            lo, hi = ages(14, 69)
            if lo <= hi:
                for _ in range(poisson(rng, 0.35 * (hi - lo + 1) / 365.25)):
                    day = between(rng, lo, hi)
                    out.append(self.ssr(p, day, rng, (day - p.birth) // 365))
        if p.dm_problem:
            for _ in range(poisson(rng, 0.45 * (last - first + 1) / 365.25)):
                out.append(self.foot_exam(p, between(rng, first, last), rng))
            for _ in range(poisson(rng, 0.15 * (last - first + 1) / 365.25)):
                # HbA1c collected and run at the UBS (performed, not only requested)
                out.append(self.proc(p, between(rng, first, last), rng, ("0202010503",)))
        return out

    def resolutions(self, p: Person, rng: random.Random, first: int, last: int) -> list[tuple]:
        """The evaluation that marked a chronic condition resolved (no later evaluations)."""
        out = []
        for when, problem in (
            (p.dm_resolved, Problem("T90", None, "2", "dm")),
            (p.has_resolved, Problem("K86", None, "2", "has")),
        ):
            if when and first <= when <= last:
                clinician = self.team_of(p, rng, when).pick(rng, "medico")
                out.append(self.fai(p, when, rng, 50, (problem,), clinician))
        return out

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
            return sorted(between(rng, first, last) for _ in range(count))

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
                codes = one_of(rng, SALA)
            role = "tecnico" if rng.random() < 0.85 else "enfermeiro"
            events.append(self.proc(p, day, rng, codes, role))
        events.extend(self.screening(p, rng, first, last))
        if mid_age >= 15:
            for day in days(poisson(rng, 0.04 * years)):
                codes = (
                    ("0214010058", "0214010074") if rng.random() < 0.8 else ("ABPG024", "ABPG026")
                )
                events.append(self.proc(p, day, rng, codes, "enfermeiro"))
        for day in days(poisson(rng, 0.3 * years)):
            events.append(self.odonto(p, day, rng, 0))
        events.extend(self.vaccines(p, rng, first, last))
        events.extend(self.child_care(p, rng, first, last))
        events.extend(self.resolutions(p, rng, first, last))
        for preg in p.pregnancies:
            events.extend(self.pregnancy(p, preg, rng, first, last))
        if p.registered and p.team is not None and p.team.registers:
            for day in days(poisson(rng, visit_rate(p, mid_age) * years)):
                if not self.visits(p, day):
                    continue
                pregnant = any(g.dum <= day <= g.end for g in p.pregnancies)
                events.append(self.visit(p, day, rng, age_at(day), pregnant))
            events.extend(self.cadastros(p, rng, first, last, years))
        return events

    def cadastros(
        self, p: Person, rng: random.Random, first: int, last: int, years: float
    ) -> list[tuple]:
        if p.birth >= self.first:
            start = min(last, p.birth + between(rng, 5, 90))
        else:
            start = max(p.birth + 1, self.first - between(rng, 0, 720))
        start = min(start, last)
        updates = days_between(rng, max(start + 1, first), last, poisson(rng, 2.0 * years))
        dates = [start, *updates]
        if p.former_team is not None and first <= p.team_since <= last:
            dates.append(p.team_since)  # the version of the new team's ACS moved the person
        saida = None
        if p.refused:
            dates = dates[:1]  # the citizen refused the cadastro: one refusal, no more
        elif p.death:
            dates.append(p.death + between(rng, 0, 20))
            saida = "135"
        elif p.moved_out and max(start + 1, first) <= self.last:
            dates.append(between(rng, max(start + 1, first), self.last))
            saida = "136"
        # one version a day: "the version in force" is then the version of the latest day
        dates = sorted({d for d in dates if d <= self.last})
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
                    recusa=p.refused,
                )
            )
        return out

    def vaccines(self, p: Person, rng: random.Random, first: int, last: int) -> list[tuple]:
        schedule: dict[int, list[tuple[str, str]]] = defaultdict(list)
        if p.birth > self.first - 800:
            child_schedule(p, rng, schedule)
        birth = date.fromordinal(p.birth)
        lo = max(first, add_years(birth, 9).toordinal())
        hi = min(last, add_years(birth, 15).toordinal() - 1)
        if lo <= hi and rng.random() < (0.6 if p.sex == "F" else 0.3):
            day = between(rng, lo, hi)
            schedule[day].append(("67" if rng.random() < 0.9 else "93", "1"))
        for opening in self.campaigns:
            age = (opening - p.birth) / 365.25
            share = 0.72 if age >= 60 else 0.45 if 0.5 <= age < 6 else 0.08
            if rng.random() < share:
                schedule[opening + between(rng, 0, 75)].append(
                    ("33" if rng.random() < 0.75 else "77", "1")
                )
        out = []
        for day, doses in sorted(schedule.items()):
            if first <= day <= last:
                anterior = rng.random() < 0.03
                registered = min(self.last, day + between(rng, 20, 90)) if anterior else day
                out.append(
                    self.vac(
                        p, registered, rng, tuple((i, d, day, int(anterior)) for i, d in doses)
                    )
                )
        return out

    def prenatal(
        self, p: Person, g: Pregnancy, day: int, n: int, rng: random.Random, team: Team
    ) -> list[tuple]:
        """The n-th prenatal consultation of a gestation (n = 0: the first)."""
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
        event[10] = "2"
        # prenatal care is presencial (a remote first record would still start the gestation)
        event[13] = "2" if rng.random() < 0.92 else one_of(rng, (None, "3"))
        event[14] = blood_pressure(rng, p.hypertension) if rng.random() < 0.92 else None
        event[15], event[16] = measures(rng, day - p.birth, 0.85)
        if n == 0 and rng.random() < 0.75:
            event[6] = PRENATAL_LABS if rng.random() < 0.85 else PRENATAL_LABS_AB
        if n in (1, 2) and rng.random() < 0.4:
            event[7] = PRENATAL_LABS
        if day >= g.dum + 196 and rng.random() < 0.15:
            event[7] = ("0202030300", "0202031110")
        out = [tuple(event)]
        if n == 0 and rng.random() < 0.6:
            out.append(self.proc(p, day, rng, one_of(rng, RAPID_TESTS), "enfermeiro"))
        return out

    def pregnancy(
        self, p: Person, g: Pregnancy, rng: random.Random, first: int, last: int
    ) -> list[tuple]:
        out: list[tuple] = []
        team = self.team_of(p, rng, g.dum)
        visit = g.dum + between(rng, 42, 120)
        consults = []
        while visit <= min(g.end, last):
            if visit >= first:
                consults.append(visit)
            visit += between(rng, 21, 35)
        for n, day in enumerate(consults):
            out.extend(self.prenatal(p, g, day, n, rng, team))
            visit_day = day + between(rng, 3, 20)
            if visit_day <= min(g.end, last) and self.visits(p, visit_day) and rng.random() < 0.6:
                out.append(self.visit(p, visit_day, rng, (visit_day - p.birth) // 365, True))
        third = g.dum + between(rng, 196, 240)
        if first <= third <= min(g.end, last) and rng.random() < 0.45:
            out.append(self.proc(p, third, rng, one_of(rng, RAPID_TESTS[2:]), "enfermeiro"))
        dental = g.dum + between(rng, 60, 250)
        if first <= dental <= min(g.end, last) and rng.random() < 0.6:
            out.append(self.odonto(p, dental, rng, 1))
        dtpa = g.dum + between(rng, 140, 200)
        if first <= dtpa <= min(g.end, last) and rng.random() < 0.7:
            out.append(self.vac(p, dtpa, rng, (("57", "1", dtpa, 0),)))
        if g.outcome == "ongoing":
            return out
        age = (g.end - p.birth) // 365
        if g.outcome == "aborto":
            after = g.end + between(rng, 1, 10)
            if first <= after <= last:
                clinician = team.pick(rng, "enfermeiro")
                out.append(self.fai(p, after, rng, age, one_of(rng, ABORTION), clinician))
            return out
        # the delivery is recorded at the first consultation after it (the end D of the rule)
        delivery = g.end + between(rng, 7, 40)
        if first <= delivery <= last:
            out.append(self.delivery(p, delivery, rng, team))
            puerperal = delivery + between(rng, 5, 35)
            if puerperal <= last and rng.random() < 0.6:
                out.append(self.puerperal(p, puerperal, rng, team))
            home = delivery + between(rng, 1, 40)
            if home <= last and self.visits(p, home) and rng.random() < 0.7:
                out.append(self.visit(p, home, rng, age, False, puerpera=True))
        return out

    def delivery(self, p: Person, day: int, rng: random.Random, team: Team) -> tuple:
        clinician = team.pick(rng, "enfermeiro")
        return self.fai(p, day, rng, (day - p.birth) // 365, pick(rng, DELIVERY), clinician)

    def puerperal(self, p: Person, day: int, rng: random.Random, team: Team) -> tuple:
        clinician = team.pick(rng, "medico" if rng.random() < 0.4 else "enfermeiro")
        return self.fai(p, day, rng, (day - p.birth) // 365, pick(rng, PUERPERIO), clinician)


def child_schedule(p: Person, rng: random.Random, schedule: dict[int, list]) -> None:
    """The child vaccination calendar, with late, missed and early doses."""
    birth = date.fromordinal(p.birth)
    b = p.birth

    def at(day: int, code: str, dose: str) -> None:
        schedule[day].append((code, dose))

    if rng.random() < 0.96:
        at(b + (between(rng, 0, 30) if rng.random() < 0.9 else between(rng, 31, 90)), "9", "1")
    hexa = rng.random() < 0.03
    stop = rng.random() < 0.08
    pneumo = "26" if rng.random() < 0.9 else "59"
    for n, offset in enumerate((61, 122, 183)):
        if stop and n and rng.random() < 0.5:
            return
        day = b + offset + int(rng.expovariate(1 / 12))
        dose = str(n + 1)
        if rng.random() < 0.04:
            continue  # a dose missed
        if hexa:
            at(day, "43", dose)
        else:
            at(day, "42", dose)
            at(day, "22", dose)
        if n < 2 and rng.random() < 0.96:
            at(day, pneumo, dose)
    if stop:
        return
    one = add_years(birth, 1).toordinal()
    if rng.random() < 0.02:
        at(one - between(rng, 10, 40), "24", "1")  # before the 1st birthday: does not count
    if rng.random() < 0.93:
        at(one + int(rng.expovariate(1 / 20)), "24", "1")
    if rng.random() < 0.93:
        at(one + int(rng.expovariate(1 / 20)), pneumo, "REF")
    fifteen = add_months(birth, 15).toordinal() + int(rng.expovariate(1 / 25))
    if rng.random() < 0.85:
        at(fifteen, "56", "2")
    if rng.random() < 0.8:
        at(fifteen, "46", "REF")


def days_between(rng: random.Random, lo: int, hi: int, count: int) -> list[int]:
    if lo > hi:
        return []
    return sorted(between(rng, lo, hi) for _ in range(count))


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
