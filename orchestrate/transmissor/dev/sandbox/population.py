"""The municipality's people and services: units, teams, staff, households and citizens.

Sizes follow the brief: about one eSF per 3,000-3,500 people, a few eAP teams, one UBS per one
to three teams; ages and sexes follow the Brazilian 2022 census pyramid; chronic conditions,
pregnancies and deaths follow plausible age-specific rates.

Teams carry their MS type (`tb_tipo_equipe.nu_ms`): eSF 70 and eAP 76 count for the quality
indicators; one eSB (71, dentist and TSB, no population) and one team of the old code 49 (whose
sigla is also EAP; it has ACS and linked people, who fall out of C2-C7) complete the services.
One more eSF team holds only the scripted C1 attendances (`cases.py`): no random person uses it.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from datetime import date

from transmissor.dev.sandbox import identity
from transmissor.dev.sandbox.catalog import Dimensions
from transmissor.municipios.ibge import DATA_DIR, Municipio

# (first age, last age, % of population) - Censo 2022, both sexes, rounded.
PYRAMID = (
    (0, 4, 6.3),
    (5, 9, 6.6),
    (10, 14, 6.8),
    (15, 19, 7.1),
    (20, 24, 7.6),
    (25, 29, 7.7),
    (30, 34, 7.8),
    (35, 39, 8.0),
    (40, 44, 7.7),
    (45, 49, 6.7),
    (50, 54, 6.2),
    (55, 59, 5.8),
    (60, 64, 5.0),
    (65, 69, 4.0),
    (70, 74, 3.0),
    (75, 79, 2.0),
    (80, 84, 1.2),
    (85, 89, 0.6),
    (90, 94, 0.25),
    (95, 99, 0.08),
    (100, 104, 0.02),
)
HOUSEHOLD_SIZES = ((1, 15), (2, 25), (3, 25), (4, 20), (5, 10), (6, 5))


@dataclass(slots=True)
class Unit:
    dim_id: int
    cnes: str
    name: str
    bairro: str
    op_id: int  # tb_unidade_saude id


@dataclass(slots=True)
class Staff:
    dim_id: int
    cns: str
    name: str
    cbo: str
    cbo_dim: int
    role: str  # medico, enfermeiro, tecnico, dentista, acs, outro
    team: Team
    unit: Unit
    microarea: str | None
    cds_prof_id: int


# farmacêutico, fisioterapeuta, nutricionista, terapeuta ocupacional, psicólogo, TSB, ASB,
# dentist, ACS, TACS, técnico de enfermagem
SCRIPTED_EXTRA_CBOS = (
    "223405",
    "223605",
    "223710",
    "223905",
    "251510",
    "322405",
    "322415",
    "223293",
    "515105",
    "322255",
    "322205",
)
# kind -> MS team type (tb_tipo_equipe.nu_ms)
TEAM_TYPES = {"eSF": "70", "eAP": "76", "eSB": "71", "antiga": "49"}


@dataclass(slots=True)
class Team:
    dim_id: int
    ine: str
    name: str
    kind: str  # eSF, eAP, eSB or antiga (MS code 49)
    unit: Unit
    staff: dict[str, list[Staff]] = field(default_factory=dict)
    scripted: bool = False  # only scripted cases use it (the C1 team)
    op_id: int = 0  # tb_equipe id

    def pick(self, rng: random.Random, role: str) -> Staff:
        members = self.staff[role]
        return members[int(rng.random() * len(members))]  # cheaper than rng.choice

    def with_cbo(self, cbo: str) -> Staff:
        return next(s for members in self.staff.values() for s in members if s.cbo == cbo)

    @property
    def ms(self) -> str:
        return TEAM_TYPES[self.kind]

    @property
    def registers(self) -> bool:
        """Has ACS: registers its people (cadastro individual) and visits them."""
        return bool(self.staff.get("acs")) and self.kind in ("eSF", "antiga")


@dataclass(slots=True)
class Pregnancy:
    dum: int  # ordinal
    end: int  # ordinal of the outcome (or expected DPP when ongoing)
    outcome: str  # parto, aborto, ongoing
    dum_known: bool


@dataclass(slots=True)
class Person:
    idx: int
    sex: str
    birth: int
    name: str
    mother: str
    cpf: str | None
    cns: str | None
    phone: str | None
    raca: int
    team: Team | None
    microarea: str
    household: int
    registered: bool = False
    death: int = 0
    hypertension: bool = False
    has_problem: bool = False  # recorded by médico/enfermeiro in FAI
    has_self: bool = False  # self-reported in the cadastro
    diabetes: bool = False
    dm_problem: bool = False
    dm_self: bool = False
    smoker: bool = False
    moved_out: bool = False
    pregnancies: list[Pregnancy] = field(default_factory=list)
    gender: str | None = None  # LEDI identidade de gênero, None = not informed
    cadsus_death: bool = False  # the death also came from CadSUS (st_dados_obito_cadsus)
    refused: bool = False  # the person refused the cadastro individual
    former_team: Team | None = None  # team before a change of team by a new cadastro version
    team_since: int = 0  # ordinal of that change
    dm_resolved: int = 0  # ordinal of the evaluation that marked diabetes resolved
    has_resolved: int = 0  # same for hypertension
    fat_id: int = 0
    cid_id: int = 0
    dup_fat_id: int = 0
    dup_cid_id: int = 0
    dup_missing: str = ""  # which identifier the duplicate record lacks: cpf or cns
    territorio_id: int = 0
    case: str = ""


@dataclass(slots=True)
class Household:
    idx: int
    team: Team | None
    microarea: str
    members: list[int]
    responsible: int
    street: str
    number: str
    bairro: str
    registered: bool


@dataclass(slots=True)
class World:
    municipio: Municipio
    ddd: int
    reference: date
    start: date
    units: list[Unit]
    teams: list[Team]
    staff: list[Staff]
    persons: list[Person]
    households: list[Household]


def ddd_of(code: str) -> int:
    with (DATA_DIR / "municipios.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["codigo_ibge"] == code:
                return int(row["ddd"] or 61)
    return 61


def _weighted(rng: random.Random, options: tuple) -> object:
    total = sum(w for _, w in options)
    pick = rng.random() * total
    for value, weight in options:
        pick -= weight
        if pick < 0:
            return value
    return options[-1][0]


def build_services(rng: random.Random, citizens: int, dims: Dimensions) -> tuple:
    """Units, teams and staff; also appends their dimension rows."""
    n_esf = max(1, round(citizens / 3250))
    n_eap = max(1, round(n_esf / 4))
    n_units = max(1, math.ceil(n_esf / 2))
    bairros = list(identity.BAIRROS)
    rng.shuffle(bairros)
    units: list[Unit] = []
    for i in range(n_units):
        bairro = bairros[i % len(bairros)] + (
            "" if i < len(bairros) else f" {i // len(bairros) + 1}"
        )
        prefix = "UBS" if i % 3 else "USF"
        units.append(Unit(i + 2, identity.cnes(rng), f"{prefix} {bairro}", bairro, i + 2))
    teams: list[Team] = []
    names_used: dict[str, int] = {}

    def add_team(kind: str, unit: Unit, prefix: str, scripted: bool = False) -> Team:
        base = f"{prefix} {unit.bairro}"
        names_used[base] = names_used.get(base, 0) + 1
        suffix = ("", " II", " III", " IV", " V")[min(names_used[base] - 1, 4)]
        team = Team(len(teams) + 2, identity.ine(rng), base + suffix, kind, unit, scripted=scripted)
        teams.append(team)
        return team

    for i in range(n_esf + n_eap):
        if i < n_esf:
            add_team("eSF", units[i % n_units], "ESF")
        else:
            add_team("eAP", units[(i - n_esf) % n_units], "EAP")
    esb = add_team("eSB", units[0], "ESB")
    old = add_team("antiga", units[-1], "EAP")  # MS code 49, sigla EAP: not an eAP
    c1 = add_team("eSF", units[0], "ESF", scripted=True)
    # tb_equipe ids are the operational table's own, unrelated to the DW's
    for n, team in enumerate(reversed(teams)):
        team.op_id = n + 11
    cbo_ids = dims.ids["tb_dim_cbo"]
    staff: list[Staff] = []

    def hire(team: Team, role: str, cbo: str, microarea: str | None = None) -> None:
        sex = "F" if rng.random() < 0.7 else "M"
        member = Staff(
            dim_id=len(staff) + 2,
            cns=identity.cns(rng),
            name=identity.person_name(rng, sex),
            cbo=cbo,
            cbo_dim=cbo_ids[cbo],
            role=role,
            team=team,
            unit=team.unit,
            microarea=microarea,
            cds_prof_id=len(staff) + 2,
        )
        staff.append(member)
        team.staff.setdefault(role, []).append(member)

    first_team_of_unit: dict[int, Team] = {}
    for team in teams:
        if team.kind in ("eSF", "eAP") and not team.scripted:
            first_team_of_unit.setdefault(team.unit.dim_id, team)
        if team.scripted:
            # one professional of every C1 CBO, a pediatrician (médico, not C1) and a técnico
            for cbo in ("225142", "225170", "225125", "225130", "225250", "225124"):
                hire(team, "medico", cbo)
            for cbo in ("223565", "223505"):
                hire(team, "enfermeiro", cbo)
            hire(team, "tecnico", "322245")
            # exact CBOs the scripted cases of C2-C7 name (a role no random draw uses)
            for cbo in SCRIPTED_EXTRA_CBOS:
                hire(team, "extra", cbo, "01" if cbo in ("515105", "322255") else None)
        elif team.kind == "eSF":
            hire(team, "medico", "225142" if rng.random() < 0.7 else "225130")
            hire(team, "enfermeiro", "223565")
            for _ in range(rng.randint(1, 2)):
                hire(team, "tecnico", rng.choice(("322245", "322205")))
            for m in range(rng.randint(4, 6)):
                hire(team, "acs", "322255" if rng.random() < 0.15 else "515105", f"{m + 1:02d}")
        elif team.kind == "eAP":
            hire(team, "medico", rng.choice(("225125", "225170", "225250")))
            hire(team, "enfermeiro", "223505")
            hire(team, "tecnico", "322230")
        elif team.kind == "eSB":
            hire(team, "dentista", "223293")
            hire(team, "tsb", rng.choice(("322405", "322425")))
            hire(team, "asb", "322415")
        else:
            hire(team, "medico", "225170")
            hire(team, "enfermeiro", "223505")
            hire(team, "tecnico", "322205")
            for m in range(2):
                hire(team, "acs", "515105", f"{m + 1:02d}")
    for unit in units:
        team = first_team_of_unit.get(unit.dim_id, teams[0])
        hire(team, "dentista", rng.choice(("223208", "223293")))
        hire(team, "outro", rng.choice(("251510", "223405")))
        hire(team, "multi", rng.choice(("223710", "223605", "223905", "223810", "224140")))
    # Teams without their own dentist, TSB, "outro" or eMulti professional borrow the unit's
    # first team's (the eSB's for TSB and ASB).
    for team in teams:
        lead = first_team_of_unit.get(team.unit.dim_id, teams[0])
        for role in ("dentista", "outro", "multi"):
            team.staff.setdefault(role, lead.staff.get(role) or teams[0].staff[role])
        for role in ("tsb", "asb"):
            team.staff.setdefault(role, esb.staff[role])
    del old, c1

    dims.rows["tb_dim_unidade_saude"] = [(1, "-", "SEM UNIDADE", None, 1, "-")] + [
        (u.dim_id, u.cnes, u.name, u.bairro, 1, f"{u.cnes} {u.name}") for u in units
    ]
    dims.rows["tb_unidade_saude"] = [(1, "-", "Não informado")] + [
        (u.op_id, u.cnes, u.name) for u in units
    ]
    dims.rows["tb_dim_equipe"] = [(1, "-", "SEM EQUIPE", 1, "-")] + [
        (t.dim_id, t.ine, t.name, 1, f"{t.ine} {t.name}") for t in teams
    ]
    tipo_ids = dims.ids["tb_tipo_equipe"]
    dims.rows["tb_equipe"] = sorted(
        (t.op_id, t.ine, t.name, tipo_ids[t.ms], 1, t.unit.op_id) for t in teams
    )
    dims.rows["tb_dim_profissional"] = [(1, "-", "NÃO INFORMADO", 1, "-")] + [
        (s.dim_id, s.cns, s.name, 1, f"{s.cns} {s.name}") for s in staff
    ]
    dims.rows["tb_cds_prof"] = [(1, "-", "Não informado")] + [
        (s.cds_prof_id, s.cns, s.name) for s in staff
    ]
    return units, teams, staff


def _age_days(rng: random.Random, groups: list, cumulative: list) -> int:
    lo, hi, _ = groups[_bisect(cumulative, rng.random() * cumulative[-1])]
    return rng.randint(int(lo * 365.25), int((hi + 1) * 365.25) - 1)


def _bisect(cumulative: list[float], value: float) -> int:
    low, high = 0, len(cumulative) - 1
    while low < high:
        mid = (low + high) // 2
        if cumulative[mid] < value:
            low = mid + 1
        else:
            high = mid
    return low


def _female_share(age: int) -> float:
    if age < 20:
        return 0.49
    if age < 60:
        return 0.515
    return 0.55 if age < 80 else 0.62


def _rate(age: int, table: tuple) -> float:
    for limit, value in table:
        if age <= limit:
            return value
    return table[-1][1]


HYPERTENSION = ((19, 0.002), (39, 0.05), (59, 0.25), (79, 0.5), (200, 0.6))
DIABETES = ((19, 0.001), (39, 0.015), (59, 0.09), (200, 0.2))
DEATH_3Y = ((0, 0.012), (39, 0.004), (59, 0.015), (69, 0.035), (79, 0.07), (200, 0.18))


def new_person(
    rng: random.Random,
    idx: int,
    birth: int,
    sex: str,
    team: Team | None,
    microarea: str,
    household: int,
    ddd: int,
) -> Person:
    cpf = identity.cpf(rng) if rng.random() < 0.9 else None
    cns = identity.cns(rng) if (cpf is None or rng.random() < 0.9) else None
    return Person(
        idx=idx,
        sex=sex,
        birth=birth,
        name=identity.person_name(rng, sex),
        mother=identity.person_name(rng, "F"),
        cpf=cpf,
        cns=cns,
        phone=identity.phone(rng, ddd) if rng.random() < 0.75 else None,
        raca=rng.choice((2, 3, 5, 5, 5, 3)),
        team=team,
        microarea=microarea,
        household=household,
    )


# LEDI identidade de gênero among people who informed it (cis for most; §9 of the rules)
GENDERS_M = (("200", 985), ("149", 5), ("203", 4), ("151", 3), ("156", 3))
GENDERS_F = (("201", 985), ("150", 5), ("203", 4), ("151", 3), ("156", 3))


def draw_gender(rng: random.Random, p: Person, age: int) -> None:
    """Gender identity, informed by about half of the people from 14 years on."""
    if age >= 14 and rng.random() < 0.5:
        p.gender = str(_weighted(rng, GENDERS_M if p.sex == "M" else GENDERS_F))


def build_people(
    rng: random.Random, citizens: int, reference: date, start: date, teams: list[Team], ddd: int
) -> tuple[list[Person], list[Household]]:
    ref, first = reference.toordinal(), start.toordinal()
    groups = list(PYRAMID)
    cumulative, acc = [], 0.0
    for _, _, share in groups:
        acc += share
        cumulative.append(acc)
    esf = [t for t in teams if t.kind == "eSF" and not t.scripted]
    eap = [t for t in teams if t.kind == "eAP"]
    old = [t for t in teams if t.kind == "antiga"]
    eap_share = min(0.25, 1500 * len(eap) / citizens)
    old_share = 0.03 if old else 0.0
    persons: list[Person] = []
    households: list[Household] = []
    while len(persons) < citizens:
        size = min(_weighted(rng, HOUSEHOLD_SIZES), citizens - len(persons))
        draw = rng.random()
        if draw < 0.05:
            team, microarea = None, "-"
        elif draw < 0.05 + eap_share:
            team, microarea = rng.choice(eap), "-"
        else:
            team = esf[rng.randrange(len(esf))]
            if draw > 1 - old_share:
                team = rng.choice(old)
            microarea = rng.choice(team.staff["acs"]).microarea or "-"
        members = []
        h = len(households)
        ages = sorted((_age_days(rng, groups, cumulative) for _ in range(size)), reverse=True)
        if ages[0] < 18 * 365:  # someone adult heads the household
            ages[0] = rng.randint(20 * 365, 60 * 365)
        for age_days in ages:
            age = age_days // 365
            sex = "F" if rng.random() < _female_share(age) else "M"
            person = new_person(rng, len(persons), ref - age_days, sex, team, microarea, h, ddd)
            draw_gender(rng, person, age)
            persons.append(person)
            members.append(person.idx)
        registered = team is not None and team.registers
        for idx in members:
            persons[idx].registered = registered and rng.random() < 0.93
        responsible = next((i for i in members if persons[i].registered), members[0])
        registered = registered and persons[responsible].registered
        households.append(
            Household(
                idx=h,
                team=team,
                microarea=microarea,
                members=members,
                responsible=responsible,
                street=rng.choice(identity.STREETS),
                number=str(rng.randint(1, 2000)),
                bairro=team.unit.bairro if team else "CENTRO",
                registered=registered,
            )
        )
    for person in persons:
        _conditions(rng, person, ref, first)
        _team_change(rng, person, esf + old, ref, first)
    return persons, households


def _conditions(rng: random.Random, p: Person, ref: int, first: int) -> None:
    age = (ref - p.birth) // 365
    if rng.random() < _rate(age, HYPERTENSION):
        p.hypertension = True
        p.has_problem = rng.random() < 0.85
        p.has_self = rng.random() < 0.7 or not p.has_problem
        if p.has_problem and rng.random() < 0.03:  # e.g. gestational or drug-induced
            p.has_resolved = rng.randint(first + 120, ref - 30)
    if rng.random() < _rate(age, DIABETES):
        p.diabetes = True
        p.dm_problem = rng.random() < 0.85
        p.dm_self = rng.random() < 0.7 or not p.dm_problem
        if p.dm_problem and rng.random() < 0.05:  # remission, or a diagnosis revised
            p.dm_resolved = rng.randint(first + 120, ref - 30)
    p.smoker = age >= 15 and rng.random() < 0.1
    if rng.random() < _rate(age, DEATH_3Y) and p.birth < ref:
        p.death = rng.randint(max(first, p.birth + 1), ref)
        p.cadsus_death = rng.random() < 0.4
    elif p.registered and rng.random() < 0.01:
        p.moved_out = True
    elif p.registered and rng.random() < 0.015:
        p.refused = True
    if p.sex == "F" and 14 <= age <= 46 and p.gender != "150":
        _pregnancies(rng, p, ref, first)


def _team_change(rng: random.Random, p: Person, teams: list[Team], ref: int, first: int) -> None:
    """About 2% of the registered came from another team: a new cadastro version moved them."""
    if not p.registered or p.refused or p.team is None or rng.random() >= 0.02:
        return
    others = [t for t in teams if t is not p.team]
    if others and first + 90 < ref - 60:
        p.former_team = rng.choice(others)
        p.team_since = rng.randint(first + 90, ref - 60)


def _pregnancies(rng: random.Random, p: Person, ref: int, first: int) -> None:
    # Around 0.075 pregnancies per woman-year over the ~3.5 years of visible DUMs.
    cursor = first - 200
    while cursor < ref - 14:
        gap = int(rng.expovariate(0.075 / 365.25))
        dum = cursor + gap
        if dum >= ref - 14:
            break
        if (dum - p.birth) / 365.25 < 14 or (p.death and dum > p.death - 30):
            cursor = dum + 30
            continue
        if rng.random() < 0.12:
            end, outcome = dum + rng.randint(42, 120), "aborto"
        else:
            end, outcome = dum + rng.randint(259, 290), "parto"
        if end > ref:
            outcome, end = "ongoing", dum + 280
        p.pregnancies.append(Pregnancy(dum, end, outcome, rng.random() < 0.75))
        cursor = end + 365


def assign_ids(rng: random.Random, persons: list[Person], skip: set[int] | None = None) -> None:
    """tb_fat_cidadao_pec ids in person order, duplicates after; tb_cidadao ids shuffled.

    About 3% of people get a second tb_fat_cidadao_pec row (one of them lacking CPF or CNS);
    people in `skip` (scripted cases) never get a random duplicate.
    """
    skip = skip or set()
    for p in persons:
        p.fat_id = p.idx + 1
    dups = [p for p in persons if rng.random() < 0.03 and p.cpf and p.cns and p.idx not in skip]
    next_fat = len(persons) + 1
    for p in dups:
        p.dup_fat_id = next_fat
        p.dup_missing = "cpf" if rng.random() < 0.5 else "cns"
        next_fat += 1
    records = [(p, False) for p in persons] + [(p, True) for p in dups]
    rng.shuffle(records)
    for n, (p, dup) in enumerate(records, start=1):
        if dup:
            p.dup_cid_id = n
        else:
            p.cid_id = n
    territorio = 1
    for p in persons:
        if p.registered:
            p.territorio_id = territorio
            territorio += 1
