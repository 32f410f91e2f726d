"""Scripted edge cases: people injected on top of the random population so that every
indicator rule has someone just inside and just outside it: the Previne-era rules of
PEC_SCHEMA.md section 4 (listed below), and the quality indicators C1-C7 as
transform/models/marts/qualidade/_qualidade__docs.md states them (`_Quality`, at the end).

Dates are relative to the reference date R and to the end Q (start Qs) of R's quadrimester
(Jan-Apr, May-Aug, Sep-Dec); "Q-6m" is `Q - interval '6 months'` as PostgreSQL computes it.
These people belong to the first eSF team and are registered by its first ACS (the C1-C7
ones: unless their case names another team); none has random activity, at creation or in
`advance`, so nothing but their script counts. `sandbox.edge_case` lists them with their
tb_fat_cidadao_pec ids.

Hipertensão (Previne 6 / C5)
  has_pa_6m_exato          K86 by médico at R-10; PA 0301100039 by técnico exactly at Q-6m
  has_pa_6m_mais_1d        same, PA at Q-6m-1d (outside the 6-month window)
  has_autorreferida        no problem; latest cadastro st_hipertensao_arterial=1; PA at R-20
  has_autorreferida_revogada  first cadastro says hypertension, the latest says no
  has_cbo_outro            I10 recorded only by the psicólogo/farmacêutico (CBO filter); PA R-15
  has_sem_pa               K86 at R-30, last PA a year before R
  has_pa_tecnico_ab        ABP005 by enfermeiro; PA as ABPG033 by técnico (CBO 3222%) at R-40
  has_falecida             K86 and PA at R-60, died at R-5 (st_faleceu=1, dt_obito)
  has_duplicado            two tb_fat_cidadao_pec rows (the 2nd without CPF): K86 on the 1st,
                           PA on the 2nd
  has_pa_tardio            K86 at R-30; PA dated R-30 but processed at R (late fact, high id)
Diabetes (Previne 7 / C4)
  dm_hba1c_solicitada      T90 at R-20 with HbA1c 0202010503 requested
  dm_hba1c_abex008         E119 at R-25 with ABEX008 requested
  dm_hba1c_avaliada        T90 at R-20, HbA1c only evaluated (Previne no, C4 yes)
  dm_hba1c_6m_exato        T90 at R-20; HbA1c requested in an encounter exactly at Q-6m
  dm_hba1c_6m_mais_1d      T90 at R-20; HbA1c requested at Q-6m-1d
  dm_autorreferida         st_diabete=1 in the cadastro only; HbA1c requested at R-15
  dm_cbo_outro             T90 recorded only by the psicólogo/farmacêutico
Gestantes (Previne 1-3 / C3)
  gest_dum_completa        DUM R-180 in co_dim_tempo_dum; 1st consulta at 8 weeks, 9 consultas,
                           HIV+sífilis rapid tests, dental care, dTpa at 21 weeks
  gest_12_semanas_exatas   DUM R-150; 1st consulta exactly at 84 days (12 weeks)
  gest_ig_sem_dum          DUM = 30001231; only nu_idade_gestacional_semanas (1st at 16 weeks)
  gest_sem_exames          DUM R-120; consultas but no tests, no dental care
  gest_exames_laboratorio  HIV/sífilis as evaluated lab exams 0202030300/0202031110 in FAI
  gest_aborto              DUM R-150; W82 at DUM+70 ends the gestation
  gest_parto               DUM R-320; W90 at DUM+275, puerperal consulta 10 days later
  gest_cbo_outro           W78 recorded only by the psicólogo/farmacêutico
Citopatológico (Previne 4 / C7)
  cito_25_exame_36m        25 years old at Q; collection 0201020033 exactly at Q-36m
  cito_25_exame_36m_mais_1d  25 at Q; collection at Q-36m-1d
  cito_24_anos             24 at Q (born a day after Q-25y); collection at R-30
  cito_64_anos             64 at Q (born a day after Q-65y); collection at R-30
  cito_65_anos             65 at Q (born at Q-65y); collection at R-30
  cito_tecnico             40 years; collection by técnico de enfermagem only
  cito_abpg010             35 years; collection as ABPG010 by médico at R-100
  cito_falecida            50 years; collection at R-200; died at R-10
Vacinação (Previne 5)
  vac_12m_completa         turns 12 months inside the quadrimester; VIP and penta D1-D3
  vac_12m_sem_3a_penta     same age; VIP D1-D3, penta D1-D2 only
  vac_12m_hexa             same age; hexa (43) D1-D3 instead of penta + VIP
  vac_12m_inicio_quad      turns 12 months exactly on Qs; complete
  vac_12m_vespera_quad     turns 12 months on Qs-1d (outside); complete
  vac_12m_fim_quad         turns 12 months exactly on Q; complete
  vac_registro_anterior    D3 applied at 6 months, registered 60 days later (st_registro_anterior)
  vac_falecida             complete, died at R-3
  vac_hpv_menina           girl of 10 with HPV (67) D1
Identity
  duplicado_sem_cns        two tb_fat_cidadao_pec rows (the 2nd without CNS); encounters split

Quality indicators C1-C7 (R's competência M; names c1_... to c7_..., each with its expectation
in words and, machine-checkable, in sandbox.edge_case: in the list, in the denominator,
points, possible points for C7, the DUM for C3, the practices done). Each person has every
practice of the indicator except the one at the edge, so that one practice decides:
  C1  one attendance each, on a team only they use: demand types 1/2 and 4/5/6, none, every
      C1 CBO and two outside it, the month's first day and R vs the day before M, no unit,
      no participation, remote, another team's type
  C2  2nd birthday on M's first day (denominator), the day after M, the day before M; A at
      30/31 days, remote, not informed, no participation, Z000; B's 9th on/after the 2nd
      birthday; C from two sources on one day vs two days, 0301010269 by enfermeiro/técnico,
      the ACS's scale; D's 1st visit at 30/31 days, 2nd on/after the 6-month anniversary
      (also of a 31st birth), no motive, one day; E 30/29 days apart, SCR on/before the 1st
      birthday, a dose after the 2nd, hexa, no birth HepB, transcribed; eAP
  C3  D + 42 on M's first day, the day after M, the day before; A DUM+90/91; B on 6 days;
      C by ACS/TACS, FAI and procedure on one day; D two sources/two days; E on the 1st
      consultation's day, refused/absent, eAP; F DUM+140/139; G DUM+97/98, the day before the
      DUM, three agents, HTLV, farmacêutico, requested vs evaluated AB codes; H DUM+196/195;
      I D+42/43, only the delivery, no puerpério code; J D+42/43; K TSB/ASB/dentist's
      procedure, DUM-1, D, D+1; DUM from the gestational age; no delivery (D = DUM + 294);
      abortion; ongoing; an earlier gestation; practices by a farmacêutico only
  C4  6- and 12-month windows' first day vs the day before for A-F; no participation,
      remote; PA by ACS/TACS; two sources; visits 30/29 days apart; eAP; HbA1c evaluated,
      ABEX008, performed, by 2234/psicólogo; foot exam by 2236/técnico; resolvido, latente,
      resolved then active, another problem active, a row without situation, not assessed
      (st_avaliado 0) vs not informed, a farmacêutico's diagnosis, ABP006, E14
  C5  windows, PA by ACS/TACS, visits 29 days apart, eAP, K87/I10/ABP005, resolved
  C6  60 vs 59 years; each practice's window edges (the 12 months' first day, R); no
      participation, remote, farmacêutico; two sources/two days; visits 30/29 days apart,
      TACS, refused/absent; eAP; influenza 33/77 vs dTpa; a refusal by another team, a new
      version by a type-49 team and back
  C7  ages 8/9, 14, 15, 24/25, 49/50, 64/65, 69/70; HPV on/before the 9th birthday, 93;
      trans man (with and without cadastro), trans woman, cis man; A's 36 months, requested,
      evaluated, ABEX001, ABP022, ABPG010, técnico, the HPV test's 60 months and the HPV
      collection's 36; C's 12 months, codes outside the list, ABP003, no participation; D's 24
      months, evaluated, performed only, ABP023
  C2-C4, C6, C7 also: died, CadSUS death flag only, moved out (exit 136), a team of MS type 49
  (sigla EAP), no valid CPF/CNS (in the list, not the denominator), two tb_fat_cidadao_pec
  records with the practices split between them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from transmissor.dev.sandbox import identity
from transmissor.dev.sandbox.activity import (
    CAD,
    ODONTO,
    VAC,
    Problem,
    fai_event,
    proc_event,
    visit_event,
)
from transmissor.dev.sandbox.dates import add_months, add_years, quadrimester
from transmissor.dev.sandbox.population import (
    Household,
    Person,
    Pregnancy,
    Staff,
    Team,
    Unit,
    World,
    new_person,
)

NO_EXPECTATION = (None, None, None, None, None, None)
NO_UNIT = Unit(1, "-", "SEM UNIDADE", "-", 1)  # an attendance with no health unit


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    indicator: str
    expectation: str
    person: int
    # for R's competência: in the list, in the denominator, points, possible points (C7),
    # DUM (C3), practices done (letters); None for the Previne-era cases
    expected: tuple = NO_EXPECTATION


@dataclass(slots=True)
class Scripted:
    cases: list[Case] = field(default_factory=list)
    events: dict[int, list[tuple]] = field(default_factory=dict)
    duplicates: dict[int, str] = field(default_factory=dict)  # person idx -> missing id


class _Script:
    """Builds one case person and their events."""

    def __init__(self, world: World, rng: random.Random, out: Scripted) -> None:
        self.world, self.rng, self.out = world, rng, out
        self.team = next(t for t in world.teams if t.kind == "eSF")
        self.acs = self.team.staff["acs"][0]
        self.ref = world.reference
        self.c1_team = next(t for t in world.teams if t.scripted)
        self.eap = next(t for t in world.teams if t.kind == "eAP")
        self.old = next(t for t in world.teams if t.kind == "antiga")

    def find(self, cbo: str) -> Staff:
        """A professional with exactly this CBO: of the cases' team, else the scripted team's."""
        for team in (self.team, self.c1_team):
            for members in team.staff.values():
                for member in members:
                    if member.cbo == cbo:
                        return member
        return next(member for member in self.world.staff if member.cbo == cbo)

    def person(
        self,
        name: str,
        indicator: str,
        expectation: str,
        sex: str,
        birth: date,
        *,
        team: Team | None = None,
        expected: tuple = NO_EXPECTATION,
        **attrs,
    ) -> _Case:
        world, rng = self.world, self.rng
        team = team or self.team
        acs = team.staff["acs"][0] if team.registers else None
        idx = len(world.persons)
        h = len(world.households)
        microarea = (acs.microarea if acs else None) or "-"
        p = new_person(rng, idx, birth.toordinal(), sex, team, microarea, h, world.ddd)
        p.cpf, p.cns = p.cpf or identity.cpf(rng), p.cns or identity.cns(rng)
        # people of a team without ACS are linked by the PEC only (no cadastro individual)
        p.registered, p.case = acs is not None, name
        for key, value in attrs.items():
            setattr(p, key, value)
        world.persons.append(p)
        world.households.append(
            Household(
                idx=h,
                team=team,
                microarea=p.microarea,
                members=[idx],
                responsible=idx,
                street=rng.choice(identity.STREETS),
                number=str(rng.randint(1, 999)),
                bairro=team.unit.bairro,
                registered=p.registered,
            )
        )
        self.out.cases.append(Case(name, indicator, expectation, idx, expected))
        events: list[tuple] = []
        self.out.events[idx] = events
        return _Case(self, p, events, acs)


class _Case:
    def __init__(self, script: _Script, p: Person, events: list[tuple], acs: Staff | None) -> None:
        self.s, self.p, self.events = script, p, events
        self.acs = acs
        self.cad_first = True

    def staff(self, who: str) -> Staff:
        """A role of the cases' eSF team (drawn), or a professional of exactly that CBO."""
        if who.isdigit():
            return self.s.find(who)
        return self.s.team.pick(self.s.rng, who)

    def fai(
        self,
        day: date,
        role: str,
        problems: tuple,
        requested: tuple = (),
        evaluated: tuple = (),
        dum: date | None = None,
        weeks: int | None = None,
        record: int = 0,
        *,
        tipo: str | None = "2",
        particip: str | None = "2",
        pa: tuple[int, int] | None = None,
        peso: float | None = None,
        altura: float | None = None,
        staff: Staff | None = None,
    ) -> _Case:
        o = day.toordinal()
        self.events.append(
            fai_event(
                o,
                o,
                record,
                staff or self.staff(role),
                problems,
                requested,
                evaluated,
                dum.toordinal() if dum else 0,
                weeks,
                tipo=tipo,
                particip=particip,
                pa=pa,
                peso=peso,
                altura=altura,
            )
        )
        return self

    def proc(
        self,
        day: date,
        role: str,
        codes: tuple,
        record: int = 0,
        processed: date | None = None,
        *,
        pa: tuple[int, int] | None = None,
        peso: float | None = None,
        altura: float | None = None,
        escuta: int = 0,
    ) -> _Case:
        o = day.toordinal()
        self.events.append(
            proc_event(
                (processed or day).toordinal(),
                o,
                record,
                self.staff(role),
                codes,
                escuta,
                pa=pa,
                peso=peso,
                altura=altura,
            )
        )
        return self

    def visit(
        self,
        day: date,
        who: str = "515105",
        *,
        desfecho: int = 2,
        flags: tuple = (0, 0, 0, 0, 0, 0),
        pa: str | None = None,
        peso: float | None = None,
        altura: float | None = None,
        record: int = 0,
    ) -> _Case:
        o = day.toordinal()
        self.events.append(
            visit_event(o, o, record, self.staff(who), desfecho, flags, pa, 600, peso, altura)
        )
        return self

    def vac(
        self, day: date, doses: tuple, registered: date | None = None, record: int = 0
    ) -> _Case:
        o = day.toordinal()
        reg = (registered or day).toordinal()
        self.events.append(
            (
                VAC,
                reg,
                reg,
                record,
                self.staff("tecnico"),
                tuple((i, d, o, int(registered is not None)) for i, d in doses),
                8 * 60,
            )
        )
        return self

    def odonto(self, day: date, gestante: int, who: str = "dentista") -> _Case:
        o = day.toordinal()
        self.events.append(
            (ODONTO, o, o, 0, self.staff(who), gestante, ("0301010153",), 2, 14 * 60)
        )
        return self

    def cad(
        self,
        day: date,
        has: int = 0,
        dm: int = 0,
        gest: int = 0,
        last: bool = True,
        saida: str | None = None,
        *,
        recusa: int = 0,
        acs: Staff | None = None,
    ) -> _Case:
        acs = acs or self.acs or self.s.acs
        o = day.toordinal()
        uuid = f"{acs.unit.cnes}-{identity.uuid4(self.s.rng)}"
        self.events.append(
            (CAD, o, o, 0, acs, uuid, has, dm, gest, saida, self.cad_first, last, 0, recusa)
        )
        self.cad_first = False
        return self

    def dies(self, day: date) -> _Case:
        self.p.death = day.toordinal()
        return self


def inject(world: World, rng: random.Random) -> Scripted:
    """Append the scripted people to the world; returns their events."""
    out = Scripted()
    s = _Script(world, rng, out)
    r = world.reference
    quad = quadrimester(r)
    q, qs = quad.end, quad.start
    q6 = add_months(q, -6)
    q36 = add_months(q, -36)
    day = timedelta(days=1)

    def d(n: int) -> date:
        return r - timedelta(days=n)

    def adult(age: int, _sex: str = "F") -> date:
        return add_years(r, -age) - timedelta(days=100)

    cad0 = d(900)
    pa, pa_ab = ("0301100039",), ("ABPG033",)
    k86, i10 = (("K86", None),), ((None, "I10"),)
    t90, e119 = (("T90", None),), ((None, "E119"),)
    hba1c = ("0202010503",)

    # -- hipertensão --------------------------------------------------------------------
    s.person(
        "has_pa_6m_exato",
        "hipertensao",
        "numerator iff the 6-month window includes its first day (PA exactly at Q-6m)",
        "M",
        adult(58, "M"),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(10), "medico", k86).proc(q6, "tecnico", pa)
    s.person(
        "has_pa_6m_mais_1d",
        "hipertensao",
        "denominator, not numerator (PA at Q-6m-1d)",
        "F",
        adult(61),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(10), "medico", k86).proc(q6 - day, "tecnico", pa)
    s.person(
        "has_autorreferida",
        "hipertensao",
        "Previne denominator via cadastro only; not C5 (no diagnosis in FAI)",
        "F",
        adult(52),
        hypertension=True,
        has_self=True,
    ).cad(cad0, has=1).fai(d(25), "medico", (("A98", None),)).proc(d(20), "tecnico", pa)
    s.person(
        "has_autorreferida_revogada",
        "hipertensao",
        "out: latest cadastro says no hypertension",
        "M",
        adult(47, "M"),
    ).cad(cad0, has=1, last=False).cad(d(200), has=0).proc(d(20), "tecnico", pa)
    s.person(
        "has_cbo_outro",
        "hipertensao",
        "out of the denominator: I10 recorded only by a CBO outside médico/enfermeiro",
        "M",
        adult(55, "M"),
        hypertension=True,
    ).cad(cad0).fai(d(15), "outro", i10).proc(d(15), "tecnico", pa)
    s.person(
        "has_sem_pa",
        "hipertensao",
        "denominator, not numerator (no PA in 6 months)",
        "F",
        adult(66),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(30), "medico", k86).proc(d(365), "tecnico", pa)
    s.person(
        "has_pa_tecnico_ab",
        "hipertensao",
        "numerator: ABP005 by enfermeiro, PA as ABPG033 by técnico (CBO 3222%)",
        "M",
        adult(70, "M"),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(40), "enfermeiro", (("ABP005", None),)).proc(d(40), "tecnico", pa_ab)
    s.person(
        "has_falecida",
        "hipertensao",
        "excluded: deceased (would be in the numerator)",
        "F",
        adult(78),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(60), "medico", k86).proc(d(60), "tecnico", pa).cad(
        d(4), has=1, saida="135"
    ).dies(d(5))
    dup = s.person(
        "has_duplicado",
        "hipertensao",
        "numerator only when both "
        "tb_fat_cidadao_pec rows are joined (problem on one, PA on the other)",
        "F",
        adult(59),
        hypertension=True,
        has_problem=True,
    )
    dup.cad(cad0, has=1).fai(d(35), "medico", k86, record=0).proc(d(30), "tecnico", pa, record=1)
    out.duplicates[dup.p.idx] = "cpf"
    s.person(
        "has_pa_tardio",
        "hipertensao",
        "numerator, but the PA row arrives late: co_dim_tempo R-30, id among the last loaded",
        "M",
        adult(63, "M"),
        hypertension=True,
        has_problem=True,
    ).cad(cad0, has=1).fai(d(30), "medico", k86).proc(d(30), "tecnico", pa, processed=r)
    # -- diabetes -----------------------------------------------------------------------
    s.person(
        "dm_hba1c_solicitada",
        "diabetes",
        "numerator: HbA1c requested in 6 months",
        "F",
        adult(57),
        diabetes=True,
        dm_problem=True,
    ).cad(cad0).fai(d(20), "medico", t90, requested=hba1c)
    s.person(
        "dm_hba1c_abex008",
        "diabetes",
        "numerator: HbA1c requested as ABEX008",
        "M",
        adult(64, "M"),
        diabetes=True,
        dm_problem=True,
    ).cad(cad0).fai(d(25), "medico", e119, requested=("ABEX008",))
    s.person(
        "dm_hba1c_avaliada",
        "diabetes",
        "Previne no (only evaluated); C4 yes",
        "F",
        adult(69),
        diabetes=True,
        dm_problem=True,
    ).cad(cad0).fai(d(20), "medico", t90, evaluated=hba1c)
    s.person(
        "dm_hba1c_6m_exato",
        "diabetes",
        "numerator iff the window includes Q-6m",
        "M",
        adult(50, "M"),
        diabetes=True,
        dm_problem=True,
    ).cad(cad0).fai(d(20), "medico", t90).fai(q6, "enfermeiro", t90, requested=hba1c)
    s.person(
        "dm_hba1c_6m_mais_1d",
        "diabetes",
        "denominator, not numerator (HbA1c at Q-6m-1d)",
        "F",
        adult(72),
        diabetes=True,
        dm_problem=True,
    ).cad(cad0).fai(d(20), "medico", t90).fai(q6 - day, "enfermeiro", t90, requested=hba1c)
    s.person(
        "dm_autorreferida",
        "diabetes",
        "Previne denominator via cadastro only",
        "M",
        adult(45, "M"),
        diabetes=True,
        dm_self=True,
    ).cad(cad0, dm=1).fai(d(15), "enfermeiro", (("A98", None),), requested=hba1c)
    s.person(
        "dm_cbo_outro",
        "diabetes",
        "out of the denominator: T90 only by a CBO outside médico/enfermeiro",
        "F",
        adult(53),
        diabetes=True,
    ).cad(cad0).fai(d(15), "outro", t90, requested=hba1c)
    # -- gestantes ----------------------------------------------------------------------
    w78 = (("W78", None),)

    def gestante(
        name: str,
        expectation: str,
        dum: date,
        outcome: str = "ongoing",
        end: date | None = None,
        dum_known: bool = True,
    ) -> _Case:
        end = end or dum + timedelta(days=280)
        return s.person(
            name,
            "gestantes",
            expectation,
            "F",
            adult(27),
            pregnancies=[Pregnancy(dum.toordinal(), end.toordinal(), outcome, dum_known)],
        ).cad(cad0, last=False)

    dum = d(180)
    g = gestante(
        "gest_dum_completa",
        "numerator of 1-3: 1st consulta at 8 weeks, >=6 consultas, HIV+sífilis tests, dental care",
        dum,
    )
    for n, offset in enumerate(range(56, 181, 15)):
        g.fai(dum + timedelta(days=offset), "medico" if n % 2 else "enfermeiro", w78, dum=dum)
    g.proc(dum + timedelta(days=56), "enfermeiro", ("0214010040", "0214010082"))
    g.odonto(dum + timedelta(days=100), 1).vac(dum + timedelta(days=150), (("57", "1"),))
    g.cad(dum + timedelta(days=60), gest=1)
    dum = d(150)
    g = gestante("gest_12_semanas_exatas", "1st consulta exactly at 12 weeks (84 days)", dum)
    for offset in (84, 110, 135):
        g.fai(dum + timedelta(days=offset), "enfermeiro", (("ABP001", None),), dum=dum)
    g.cad(dum + timedelta(days=90), gest=1)
    dum = d(170)
    g = gestante(
        "gest_ig_sem_dum",
        "DUM = 30001231: DUM must come from nu_idade_gestacional_semanas; 1st consulta at 16 weeks",
        dum,
        dum_known=False,
    )
    for offset in (112, 133, 154):
        consult = dum + timedelta(days=offset)
        g.events.append(
            fai_event(
                consult.toordinal(),
                consult.toordinal(),
                0,
                g.staff("enfermeiro"),
                ((None, "Z348"),),
                weeks=offset // 7,
                minute=600,
            )
        )
    g.cad(dum + timedelta(days=120), gest=1)
    dum = d(120)
    g = gestante("gest_sem_exames", "denominator; no HIV/sífilis tests and no dental care", dum)
    for offset in (60, 85, 110):
        g.fai(dum + timedelta(days=offset), "medico", w78, dum=dum)
    g.cad(dum + timedelta(days=70), gest=1)
    dum = d(140)
    g = gestante("gest_exames_laboratorio", "HIV and sífilis as evaluated lab exams in FAI", dum)
    g.fai(dum + timedelta(days=60), "medico", w78, dum=dum, requested=("0202030300", "0202031110"))
    g.fai(
        dum + timedelta(days=90),
        "enfermeiro",
        w78,
        dum=dum,
        evaluated=("0202030300", "0202031110", "ABEX018", "ABEX019"),
    )
    g.cad(dum + timedelta(days=70), gest=1)
    dum = d(150)
    g = gestante(
        "gest_aborto", "gestation ended by W82 at DUM+70", dum, "aborto", dum + timedelta(days=70)
    )
    g.fai(dum + timedelta(days=50), "medico", w78, dum=dum)
    g.fai(dum + timedelta(days=70), "medico", (("W82", "O039"),))
    g.cad(dum + timedelta(days=60), gest=1)
    dum = d(320)
    g = gestante(
        "gest_parto",
        "finished gestation (W90 at DUM+275) with puerperal consulta",
        dum,
        "parto",
        dum + timedelta(days=275),
    )
    for offset in range(60, 271, 30):
        g.fai(dum + timedelta(days=offset), "enfermeiro", w78, dum=dum)
    g.fai(dum + timedelta(days=285), "medico", (("W90", "Z390"),))
    g.cad(dum + timedelta(days=100), gest=1)
    dum = d(100)
    g = gestante(
        "gest_cbo_outro", "out: pregnancy recorded only by a CBO outside médico/enfermeiro", dum
    )
    g.fai(dum + timedelta(days=60), "outro", w78, dum=dum)
    g.cad(dum + timedelta(days=65), gest=1)
    # -- citopatológico -----------------------------------------------------------------
    cito = ("0201020033",)
    s.person(
        "cito_25_exame_36m",
        "citopatologico",
        "numerator iff the 36-month window includes its first day",
        "F",
        add_years(q, -25),
    ).cad(cad0).proc(q36, "enfermeiro", cito)
    s.person(
        "cito_25_exame_36m_mais_1d",
        "citopatologico",
        "denominator, not numerator",
        "F",
        add_years(q, -25),
    ).cad(cad0).proc(q36 - day, "enfermeiro", cito)
    s.person(
        "cito_24_anos", "citopatologico", "out: 24 years old at Q", "F", add_years(q, -25) + day
    ).cad(cad0).proc(d(30), "enfermeiro", cito)
    s.person(
        "cito_64_anos",
        "citopatologico",
        "denominator and numerator: 64 at Q",
        "F",
        add_years(q, -65) + day,
    ).cad(cad0).proc(d(30), "medico", cito)
    s.person(
        "cito_65_anos", "citopatologico", "out: 65 years old at Q", "F", add_years(q, -65)
    ).cad(cad0).proc(d(30), "enfermeiro", cito)
    s.person(
        "cito_tecnico",
        "citopatologico",
        "denominator; not numerator (collected by técnico, CBO outside médico/enfermeiro)",
        "F",
        adult(40),
    ).cad(cad0).proc(d(60), "tecnico", cito)
    s.person("cito_abpg010", "citopatologico", "numerator via ABPG010", "F", adult(35)).cad(
        cad0
    ).proc(d(100), "medico", ("ABPG010",))
    s.person("cito_falecida", "citopatologico", "excluded: deceased", "F", adult(50)).cad(
        cad0
    ).proc(d(200), "enfermeiro", cito).dies(d(10))

    # -- vacinação ----------------------------------------------------------------------
    def child(
        name: str,
        expectation: str,
        birth: date,
        penta: tuple = ("1", "2", "3"),
        vip: tuple = ("1", "2", "3"),
        hexa: bool = False,
        late_third: bool = False,
    ) -> _Case:
        c = s.person(name, "vacinacao", expectation, rng.choice("MF"), birth)
        c.cad(birth + timedelta(days=20))
        c.vac(birth + timedelta(days=2), (("9", "1"),))
        for dose, months in (("1", 2), ("2", 4), ("3", 6)):
            when = add_months(birth, months)
            doses = []
            if hexa:
                doses.append(("43", dose))
            else:
                if dose in penta:
                    doses.append(("42", dose))
                if dose in vip:
                    doses.append(("22", dose))
            if doses:
                c.vac(
                    when,
                    tuple(doses),
                    registered=when + timedelta(days=60) if late_third and dose == "3" else None,
                )
        return c

    mid = add_months(qs, -12) + timedelta(days=20)
    child("vac_12m_completa", "denominator and numerator", mid)
    child("vac_12m_sem_3a_penta", "denominator, not numerator (no penta D3)", mid, penta=("1", "2"))
    child(
        "vac_12m_hexa",
        "hexa instead of penta+VIP (counts only if 43 is accepted)",
        mid + day,
        hexa=True,
    )
    child(
        "vac_12m_inicio_quad",
        "in: turns 12 months exactly on the first day of the quadrimester",
        add_months(qs, -12),
    )
    child(
        "vac_12m_vespera_quad",
        "out: turns 12 months the day before the quadrimester",
        add_months(qs, -12) - day,
    )
    child(
        "vac_12m_fim_quad",
        "in: turns 12 months on the last day of the quadrimester",
        add_months(q, -12),
    )
    child(
        "vac_registro_anterior",
        "numerator by co_dim_tempo_vacina_aplicada; the D3 row was registered 60 days later",
        mid + 2 * day,
        late_third=True,
    )
    child("vac_falecida", "excluded: deceased", mid + 3 * day).dies(d(3))
    s.person(
        "vac_hpv_menina",
        "vacinacao",
        "girl of 10 with HPV (67) D1",
        "F",
        add_years(r, -10) - timedelta(days=40),
    ).cad(cad0).vac(d(50), (("67", "1"),))
    # -- identity -----------------------------------------------------------------------
    c = s.person(
        "duplicado_sem_cns",
        "identidade",
        "one person, two tb_fat_cidadao_pec rows "
        "(the 2nd without CNS), encounters split between them",
        "M",
        adult(33, "M"),
    )
    c.cad(cad0).fai(d(90), "medico", (("R74", "J069"),), record=0).fai(
        d(40), "enfermeiro", (("N01", "R51"),), record=1
    )
    out.duplicates[c.p.idx] = "cns"
    quality = _Quality(s)
    for indicator in (quality.c1, quality.c2, quality.c3, quality.c4, quality.c5):
        indicator()
    quality.c6()
    quality.c7()
    _drop_future(out, world.reference.toordinal())
    return out


def _drop_future(out: Scripted, last: int) -> None:
    """Scripted dates are relative to Q, which may lie after R: keep only what happened."""
    for idx, events in out.events.items():
        kept = [e for e in events if e[2] <= last and e[1] <= last]
        cads = [i for i, e in enumerate(kept) if e[0] == CAD]
        for i in cads:  # the first surviving cadastro is the origin, the last the current one
            e = kept[i]
            kept[i] = (*e[:10], i == cads[0], i == cads[-1], *e[12:])
        out.events[idx] = kept


def link_duplicates(world: World, scripted: Scripted) -> None:
    """Give the scripted duplicates their second tb_fat_cidadao_pec/tb_cidadao rows."""
    next_fat = max(max(p.fat_id, p.dup_fat_id) for p in world.persons) + 1
    next_cid = max(max(p.cid_id, p.dup_cid_id) for p in world.persons) + 1
    for idx, missing in sorted(scripted.duplicates.items()):
        p = world.persons[idx]
        p.dup_fat_id, p.dup_cid_id, p.dup_missing = next_fat, next_cid, missing
        next_fat += 1
        next_cid += 1


# -- the quality indicators C1-C7, for R's competência M -------------------------------------
# Rules: transform/models/marts/qualidade/_qualidade__docs.md. Each person's expectation is
# recorded in sandbox.edge_case: in the list of M, in its denominator, the points, the
# possible points (C7), the DUM of the gestation (C3) and the practices done (letters; eAP's
# visit practices count as done). C1 is per team: its people are single attendances of the
# scripted team, in M unless said; their points are 100 for programada, 0 for espontânea, so
# the team's C1 is the mean over the attendances counted.
WEIGHTS = {
    "C2": dict.fromkeys("ABCDE", 20),
    "C3": {"A": 10, **dict.fromkeys("BCDEFGHIJK", 9)},
    "C4": {"A": 20, "B": 15, "C": 15, "D": 20, "E": 15, "F": 15},
    "C5": dict.fromkeys("ABCD", 25),
    "C6": dict.fromkeys("ABCD", 25),
    "C7": {"A": 20, "B": 30, "C": 30, "D": 20},
}
OUT = (False, False, None, None, None, None)
RAPID4 = ("0214010040", "0214010082", "0214010236", "0214010309")  # HIV, sífilis, HBV, HCV
RAPID2 = ("0214010040", "0214010082")  # HIV, sífilis
PA = (120, 80)
CRIANCA, RECEM_NASCIDO, PUERPERA = (0, 0, 0, 1, 0, 0), (0, 0, 1, 1, 0, 0), (0, 1, 0, 0, 0, 0)
PUERI, W78, SSR, R74 = (("A98", "Z001"),), (("W78", None),), (("W14", "Z300"),), (("R74", "J069"),)
T90, K86 = (("T90", None),), (("K86", None),)


def expect(indicator: str, done: str = "", *, den: bool = True, subgroups: str = "") -> tuple:
    """In the list of M with these practices done (and in the denominator unless den=False)."""
    weights = WEIGHTS[indicator]
    points = sum(weights[letter] for letter in done)
    possible = sum(weights[letter] for letter in subgroups) if subgroups else None
    return (True, den, points, possible, None, done)


def aniversario(birth: date, years: int = 0, months: int = 0) -> date:
    """N - 1 day + k, + 1 day (29 Feb + 2 years = 1 Mar), as the rules define anniversaries."""
    return add_months(birth - timedelta(days=1), 12 * years + months) + timedelta(days=1)


def birth_for(target: date, years: int = 0, months: int = 0, step: int = 1) -> date:
    """The birth date whose anniversary (as the rules count it) is `target`, else the nearest
    anniversary after it (step 1) or before it (step -1).

    Not always target - k: with N - 1 + k + 1, a child born on 1 March 2022 turns 2 on
    29 February 2024, and 1 March 2024 is nobody's 2nd birthday.
    """
    for _ in range(4):
        naive = add_months(target, -(12 * years + months))
        for shift in (0, -1, 1, -2, 2):
            birth = naive + timedelta(days=shift)
            if aniversario(birth, years, months) == target:
                return birth
        target += timedelta(days=step)
    raise ValueError(f"no birth date has its anniversary near {target}")


class _Quality:
    """The C1-C7 scripted people, dated from R's competência: first day `ini`, last `fim`."""

    def __init__(self, s: _Script) -> None:
        self.s = s
        self.r = s.ref
        self.ini = self.r.replace(day=1)
        self.fim = add_months(self.ini, 1) - timedelta(days=1)
        self.cad0 = self.r - timedelta(days=900)

    def window(self, months: int) -> date:
        """First day of the last `months` whole months ending with M."""
        return add_months(self.ini, -(months - 1))

    def born(self, age: int) -> date:
        """Born so as to have exactly `age` completed years at the end of M."""
        return add_years(self.fim, -age)

    def person(
        self,
        name: str,
        indicator: str,
        text: str,
        sex: str,
        birth: date,
        expected: tuple,
        *,
        team: Team | None = None,
        registered_on: date | None = None,
        **attrs,
    ) -> _Case:
        c = self.s.person(name, indicator, text, sex, birth, team=team, expected=expected, **attrs)
        if c.acs is not None:
            c.cad(registered_on or max(birth + timedelta(days=20), self.cad0))
        return c

    # -- shared exits and identities -----------------------------------------------------
    def exits(self, indicator: str, make: Callable[..., _Case], full: tuple) -> None:
        """The population rules every indicator shares, applied to a complete person."""
        d = timedelta(days=1)
        make(f"{indicator.lower()}_falecido", "out: died before R (st_faleceu, dt_obito)", OUT).cad(
            self.r - 9 * d, saida="135"
        ).dies(self.r - 10 * d)
        c = make(f"{indicator.lower()}_obito_cadsus", "out: CadSUS death flag only, no date", OUT)
        c.p.cadsus_death = True
        make(f"{indicator.lower()}_mudou_territorio", "out: cadastro in force exits 136", OUT).cad(
            self.r - 30 * d, saida="136"
        )
        make(
            f"{indicator.lower()}_equipe_outro_tipo",
            "out: linked to a team of MS type 49 (sigla EAP, not an eAP)",
            OUT,
            team=self.s.old,
        )
        c = make(
            f"{indicator.lower()}_sem_documento",
            "in the list, not in the denominator: no valid CPF or CNS",
            (full[0], False, *full[2:]),
        )
        # the person's own CPF with its last check digit wrong (distinct: no CPF shared)
        c.p.cpf, c.p.cns = c.p.cpf[:10] + str((int(c.p.cpf[10]) + 1) % 10), None

    # -- C1 ------------------------------------------------------------------------------
    def c1(self) -> None:
        s, d = self.s, timedelta(days=1)
        team = s.c1_team
        no_unit = replace(team.with_cbo("225142"), unit=NO_UNIT)
        rows = (
            ("c1_programada_ledi1", "225142", "1", "2", self.ini, "P"),
            ("c1_programada_ledi2_enfermeiro", "223565", "2", "2", self.ini, "P"),
            ("c1_espontanea_ledi4", "223505", "4", "2", self.ini, "E"),
            ("c1_espontanea_ledi5", "225170", "5", "2", self.ini, "E"),
            ("c1_espontanea_ledi6", "225125", "6", "2", self.ini, "E"),
            ("c1_programada_mfc_225130", "225130", "2", "2", self.ini, "P"),
            ("c1_programada_go_225250", "225250", "2", "2", self.ini, "P"),
            ("c1_sem_tipo_atendimento", "225142", None, "2", self.ini, ""),
            ("c1_pediatra_fora_da_lista", "225124", "2", "2", self.ini, ""),
            ("c1_tecnico_fora_da_lista", "322245", "2", "2", self.ini, ""),
            ("c1_mes_anterior", "225142", "2", "2", self.ini - d, ""),
            ("c1_espontanea_no_dia_r", "223565", "5", "2", self.r, "E"),
            ("c1_programada_no_dia_r", "225142", "1", "2", self.r, "P"),
            ("c1_sem_unidade", "", "2", "2", self.ini, ""),
            ("c1_cidadao_nao_participou", "223505", "1", "1", self.ini, "P"),
            ("c1_remota_video", "225170", "2", "3", self.ini, "P"),
            ("c1_equipe_outro_tipo", "old", "2", "2", self.ini, ""),
        )
        for name, cbo, tipo, particip, day, kind in rows:
            staff = (
                no_unit
                if not cbo
                else s.old.with_cbo("225170")
                if cbo == "old"
                else team.with_cbo(cbo)
            )
            counted = bool(kind)
            expected = (counted, counted, (100 if kind == "P" else 0) if counted else None)
            text = (
                f"C1 {'programada' if kind == 'P' else 'espontânea'}"
                if counted
                else "not counted in C1"
            )
            c = self.person(
                name, "C1", text, "M", self.born(35), (*expected, None, None, kind or None)
            )
            c.fai(day, "", R74, staff=staff, tipo=tipo, particip=particip)

    # -- C2 ------------------------------------------------------------------------------
    CONSULTS = (7, 30, 60, 120, 180, 270, 365, 450, 540, 630)

    def child(
        self,
        name: str,
        text: str,
        birth: date,
        expected: tuple,
        *,
        consults: tuple = CONSULTS,
        measured: bool = True,
        visits: tuple = ((5, RECEM_NASCIDO), (60, CRIANCA)),
        vaccines: dict | None = None,
        team: Team | None = None,
        **attrs,
    ) -> _Case:
        """A child with the whole programme unless told otherwise (offsets in days of life)."""
        c = self.person(name, "C2", text, "F", birth, expected, team=team, **attrs)
        for n, offset in enumerate(consults):
            # one decimal, as the PEC records them (long floats do not round-trip as text)
            peso, altura = (
                (round(4.0 + offset / 60, 1), round(50.0 + offset / 20, 1))
                if measured
                else (None, None)
            )
            role = "enfermeiro" if n % 2 == 0 else "medico"
            c.fai(birth + timedelta(days=offset), role, PUERI, peso=peso, altura=altura, tipo="1")
        if c.acs is not None:
            for offset, flags in visits:
                c.visit(birth + timedelta(days=offset), flags=flags)
        doses = self.child_doses(birth)
        doses.update(vaccines or {})
        for day, pairs in sorted(doses.items()):
            if pairs:
                c.vac(day, pairs)
        return c

    @staticmethod
    def child_doses(birth: date) -> dict[date, tuple]:
        """HepB at birth; penta, VIP and pneumo at 2, 4 (6) months; SCR at 1 year; SCRV at 15."""

        def at(days: int) -> date:
            return birth + timedelta(days=days)

        return {
            birth: (("9", "1"),),
            at(61): (("42", "1"), ("22", "1"), ("26", "1")),
            at(122): (("42", "2"), ("22", "2"), ("26", "2")),
            at(183): (("42", "3"), ("22", "3")),
            aniversario(birth, 1): (("24", "1"),),
            aniversario(birth, months=15): (("56", "2"),),
        }

    def c2(self) -> None:
        d = timedelta(days=1)
        n0 = birth_for(self.ini, 2)  # 2nd birthday on the first day of M
        full = expect("C2", "ABCDE")
        self.child("c2_completo", "denominator: 2nd birthday in M, every practice", n0, full)
        self.child(
            "c2_aniversario_mes_seguinte",
            "list only: 2nd birthday the day after M",
            birth_for(self.fim + d, 2),
            expect("C2", "ABCDE", den=False),
        )
        self.child(
            "c2_aniversario_mes_anterior",
            "out: 2nd birthday the day before M",
            birth_for(self.ini - d, 2, step=-1),
            OUT,
        )
        self.child(
            "c2_nascida_em_m",
            "list only: born on the first day of M, consulted that day",
            self.ini,
            expect("C2", "A", den=False),
            consults=(0,),
            visits=(),
            vaccines={k: () for k in self.child_doses(self.ini)},
        )
        rest = (45, 60, 120, 180, 270, 365, 450, 540, 630)
        self.child("c2_a_30_dias", "A: 1st consultation at 30 days", n0, full, consults=(30, *rest))
        self.child(
            "c2_a_31_dias",
            "not A: 1st consultation at 31 days",
            n0,
            expect("C2", "BCDE"),
            consults=(31, *rest),
        )
        c = self.child(
            "c2_a_remota", "not A (remote), B counts it", n0, expect("C2", "BCDE"), consults=rest
        )
        c.fai(n0 + 7 * d, "enfermeiro", PUERI, particip="3", peso=4.2, altura=51.0)
        c = self.child(
            "c2_a_participacao_nao_informada",
            "A: not informed is presencial",
            n0,
            full,
            consults=rest,
        )
        c.fai(n0 + 7 * d, "enfermeiro", PUERI, particip=None, peso=4.2, altura=51.0)
        c = self.child(
            "c2_a_nao_participou",
            "not A: the citizen did not take part",
            n0,
            expect("C2", "BCDE"),
            consults=rest,
        )
        c.fai(n0 + 7 * d, "enfermeiro", PUERI, particip="1")
        c = self.child(
            "c2_a_codigo_z000",
            "not A: Z000 is not puericultura",
            n0,
            expect("C2", "BCDE"),
            consults=rest,
        )
        c.fai(n0 + 7 * d, "enfermeiro", ((None, "Z000"),), peso=4.2, altura=51.0)
        c = self.child("c2_abp004", "A and B by ABP004", n0, full, consults=())
        for offset in self.CONSULTS:
            c.fai(n0 + offset * d, "medico", (("ABP004", None),), peso=5.0, altura=55.0)
        two = aniversario(n0, 2)
        eight = (7, 30, 60, 120, 180, 270, 365, 450)
        self.child(
            "c2_b_9a_no_aniversario",
            "B and C: the 9th on the 2nd birthday",
            n0,
            # (only when R is 1 March of a leap year does that birthday fall after R)
            full if two <= self.r else expect("C2", "ADE"),
            consults=(*eight, (two - n0).days),
        )
        c = self.child(
            "c2_b_9a_depois_aniversario",
            "not B: the 9th the day after",
            n0,
            expect("C2", "ACDE"),
            consults=(*eight, (two - n0).days + 1),
        )
        c.proc(n0 + 600 * d, "322205", ("0101040024",), peso=11.0, altura=80.0)
        c = self.child(
            "c2_c_duas_fontes_mesmo_dia",
            "C: weight in FAI, height at the escuta",
            n0,
            full,
            consults=eight,
        )
        c.fai(n0 + 540 * d, "enfermeiro", PUERI, peso=10.0)
        c.proc(n0 + 540 * d, "322205", (), escuta=1, altura=78.0)
        c = self.child(
            "c2_c_dias_diferentes",
            "not C: weight and height on two days",
            n0,
            expect("C2", "ABDE"),
            consults=eight,
        )
        c.fai(n0 + 540 * d, "enfermeiro", PUERI, peso=10.0)
        c.proc(n0 + 541 * d, "322205", (), escuta=1, altura=78.0)
        c = self.child(
            "c2_c_crescimento_enfermeiro",
            "C: 0301010269 by enfermeiro is a day",
            n0,
            full,
            consults=eight,
        )
        c.fai(n0 + 540 * d, "enfermeiro", PUERI)
        c.proc(n0 + 600 * d, "enfermeiro", ("0301010269",))
        c = self.child(
            "c2_c_crescimento_tecnico",
            "not C: 0301010269 by técnico",
            n0,
            expect("C2", "ABDE"),
            consults=eight,
        )
        c.fai(n0 + 540 * d, "enfermeiro", PUERI)
        c.proc(n0 + 600 * d, "322205", ("0301010269",))
        c = self.child(
            "c2_c_peso_altura_na_visita",
            "C: weight and height by the ACS",
            n0,
            full,
            consults=eight,
        )
        c.fai(n0 + 540 * d, "enfermeiro", PUERI)
        c.visit(n0 + 600 * d, flags=CRIANCA, peso=11.0, altura=80.0)
        self.child(
            "c2_d_30_dias",
            "D: 1st visit at 30 days",
            n0,
            full,
            visits=((30, CRIANCA), (60, CRIANCA)),
        )
        self.child(
            "c2_d_31_dias",
            "not D: 1st visit at 31 days",
            n0,
            expect("C2", "ABCE"),
            visits=((31, CRIANCA), (60, CRIANCA)),
        )
        six = (aniversario(n0, months=6) - n0).days
        self.child(
            "c2_d_6_meses_no_aniversario",
            "D: 2nd visit on the 6-month anniversary",
            n0,
            full,
            visits=((5, RECEM_NASCIDO), (six, CRIANCA)),
        )
        self.child(
            "c2_d_6_meses_dia_seguinte",
            "not D: 2nd visit the day after",
            n0,
            expect("C2", "ABCE"),
            visits=((5, RECEM_NASCIDO), (six + 1, CRIANCA)),
        )
        self.child(
            "c2_d_sem_motivo",
            "not D: visits without the child motives",
            n0,
            expect("C2", "ABCE"),
            visits=((5, (0,) * 6), (60, (0,) * 6)),
        )
        self.child(
            "c2_d_mesmo_dia",
            "not D: two visits on one day",
            n0,
            expect("C2", "ABCE"),
            visits=((5, RECEM_NASCIDO), (5, CRIANCA)),
        )
        self.month_end_child()
        self.child("c2_d_eap", "eAP: D in full without visits", n0, full, team=self.s.eap)
        second = (("42", "2"), ("22", "2"), ("26", "2"))
        self.child(
            "c2_e_30_dias",
            "E: 2nd dose 30 days after the 1st",
            n0,
            full,
            vaccines={n0 + 122 * d: (), n0 + 91 * d: second},
        )
        self.child(
            "c2_e_29_dias",
            "not E: 2nd dose 29 days after the 1st",
            n0,
            expect("C2", "ABCD"),
            vaccines={n0 + 122 * d: (), n0 + 90 * d: second},
        )
        one = aniversario(n0, 1)
        self.child(
            "c2_e_scr_vespera_1_ano",
            "not E: SCR the day before the 1st birthday",
            n0,
            expect("C2", "ABCD"),
            vaccines={one: (), one - d: (("24", "1"),)},
        )
        self.child("c2_e_scr_no_1_ano", "E: SCR on the 1st birthday", n0, full)
        self.child(
            "c2_e_pneumo_depois_2_anos",
            "not E: 2nd pneumo after the 2nd birthday",
            n0,
            expect("C2", "ABCD"),
            vaccines={n0 + 122 * d: (("42", "2"), ("22", "2")), two + d: (("26", "2"),)},
        )
        self.child(
            "c2_e_hexa",
            "E: hexa for penta and VIP",
            n0,
            full,
            vaccines={
                n0 + 61 * d: (("43", "1"), ("26", "1")),
                n0 + 122 * d: (("43", "2"), ("26", "2")),
                n0 + 183 * d: (("43", "3"),),
            },
        )
        self.child(
            "c2_e_sem_hepb_ao_nascer",
            "E: hepatitis B from the three pentas",
            n0,
            full,
            vaccines={n0: ()},
        )
        c = self.child(
            "c2_e_transcrita",
            "E: doses transcribed later count by their date",
            n0,
            full,
            vaccines={n0 + 183 * d: ()},
        )
        c.vac(n0 + 183 * d, (("42", "3"), ("22", "3")), registered=n0 + 243 * d)
        c = self.child(
            "c2_duplicado", "one child, two records: practices split", n0, full, consults=()
        )
        for n, offset in enumerate(self.CONSULTS):
            c.fai(n0 + offset * d, "enfermeiro", PUERI, record=n % 2, peso=5.0, altura=55.0)
        self.s.out.duplicates[c.p.idx] = "cpf"

        def make(name: str, text: str, expected: tuple, **kw) -> _Case:
            return self.child(name, text, n0, expected, **kw)

        self.exits("C2", make, full)

    def month_end_child(self) -> None:
        """Born on a 31st whose 6-month anniversary (N - 1 + 6 months + 1) is a 1st."""
        day = self.r - timedelta(days=200)
        while not (day.day == 31 and add_months(day, 6).day != 31):
            day -= timedelta(days=1)
        six = aniversario(day, months=6)
        c = self.person(
            "c2_d_aniversario_fim_de_mes",
            "C2",
            f"D: 2nd visit on {six}, the anniversary of a {day} birth",
            "M",
            day,
            expect("C2", "AD", den=False),
        )
        c.fai(day + timedelta(days=7), "enfermeiro", PUERI)
        c.visit(day + timedelta(days=5), flags=RECEM_NASCIDO).visit(six, flags=CRIANCA)

    # -- C3 ------------------------------------------------------------------------------
    PRENATAL = (56, 84, 112, 140, 168, 196, 224, 252)
    MEASURED = (57, 85, 113, 141, 169, 197, 225, 253)

    def gestation(
        self,
        name: str,
        text: str,
        delivery: date | None,
        done: str | None,
        *,
        den: bool = True,
        dum: date | None = None,
        team: Team | None = None,
        consults: tuple = PRENATAL,
        dum_known: bool = True,
        pa_days: tuple = MEASURED,
        antro_days: tuple = MEASURED,
        visits: tuple = (100, 130, 190),
        visit_desfecho: int = 2,
        dtpa: int | None = 150,
        g_day: int | None = 56,
        g_codes: tuple = RAPID4,
        g_who: str = "enfermeiro",
        h_day: int | None = 210,
        puerperal: int | None = 10,
        j_visit: int | None = 5,
        dental: int | None = 100,
        dental_who: str = "dentista",
        consult_who: str = "",
        **attrs,
    ) -> _Case:
        """A gestation with the whole prenatal and puerperal care unless told otherwise.

        `delivery` is the attendance that records the delivery (the end D); None: no delivery
        recorded, D = DUM + 294. Offsets are days from the DUM (after D for the puerpério).
        """
        dum = dum or (delivery - timedelta(days=270))
        end = delivery or dum + timedelta(days=294)
        expected = OUT
        if done is not None:
            expected = (True, den, sum(WEIGHTS["C3"][x] for x in done), None, dum, done)
        c = self.person(
            name,
            "C3",
            text,
            "F",
            self.born(27),
            expected,
            team=team,
            registered_on=dum - timedelta(days=200),
            **attrs,
        )

        def at(offset: int) -> date:
            return dum + timedelta(days=offset)

        for n, offset in enumerate(consults):
            role = consult_who or ("enfermeiro" if n % 2 == 0 else "medico")
            if dum_known:
                c.fai(at(offset), role, W78, dum=dum)
            else:
                c.fai(at(offset), role, W78, weeks=offset // 7)
        for offset in sorted(set(pa_days) | set(antro_days)):
            pa = PA if offset in pa_days else None
            peso, altura = (68.0, 162.0) if offset in antro_days else (None, None)
            codes = ("0301100039",) * (pa is not None) + ("0101040024",) * (peso is not None)
            c.proc(at(offset), "322205", codes, pa=pa, peso=peso, altura=altura, escuta=1)
        if c.acs is not None:
            for offset in visits:
                c.visit(at(offset), flags=(1, 0, 0, 0, 0, 0), desfecho=visit_desfecho)
        if dtpa is not None:
            c.vac(at(dtpa), (("57", "1"),))
        if g_day is not None:
            c.proc(at(g_day), g_who, g_codes)
        if h_day is not None:
            c.proc(at(h_day), "enfermeiro", RAPID2)
        if dental is not None:
            if dental_who in ("dentista", "322405"):
                c.odonto(at(dental), 1, dental_who)
            else:
                c.proc(at(dental), dental_who, ("0101020058",))
        if delivery is not None:
            c.fai(delivery, "enfermeiro", (("W90", "Z390"),))
        if puerperal is not None:
            c.fai(end + timedelta(days=puerperal), "medico", (("ABP002", None),))
        if j_visit is not None and c.acs is not None:
            c.visit(end + timedelta(days=j_visit), flags=PUERPERA)
        return c

    def c3(self) -> None:
        d = timedelta(days=1)
        delivery = self.ini - 42 * d  # D + 42 = the first day of M
        every = "ABCDEFGHIJK"
        g = self.gestation
        g(
            "c3_completa",
            "denominator: D + 42 on the first day of M, every practice",
            delivery,
            every,
        )
        g(
            "c3_puerperio_fim_mes_seguinte",
            "list only: D + 42 the day after M",
            self.fim + d - 42 * d,
            every,
            den=False,
        )
        g("c3_puerperio_fim_mes_anterior", "out: D + 42 the day before M", self.ini - 43 * d, None)
        later = (112, 140, 168, 196, 224, 252)
        g("c3_a_90_dias", "A: 1st consultation at DUM + 90", delivery, every, consults=(90, *later))
        g(
            "c3_a_91_dias",
            "not A: 1st consultation at DUM + 91",
            delivery,
            "BCDEFGHIJK",
            consults=(91, *later),
        )
        g(
            "c3_b_6_dias",
            "not B: 7 consultations on 6 days",
            delivery,
            "ACDEFGHIJK",
            consults=(56, 84, 112, 140, 168, 196, 196),
        )
        six = (57, 85, 113, 141, 169, 197)
        dum = delivery - 270 * d
        home = delivery - 30 * d
        c = g(
            "c3_c_pa_acs",
            "not C: the 7th blood pressure typed by an ACS",
            delivery,
            "ABDEFGHIJK",
            pa_days=six,
        )
        c.visit(home, "515105", flags=(1, 0, 0, 0, 0, 0), pa="120/80")
        c = g("c3_c_pa_tacs", "C: the 7th blood pressure by a TACS", delivery, every, pa_days=six)
        c.visit(home, "322255", flags=(1, 0, 0, 0, 0, 0), pa="120/80")
        c = g(
            "c3_c_pa_fai_mesmo_dia",
            "not C: FAI and procedure blood pressure on one day",
            delivery,
            "ABDEFGHIJK",
            pa_days=six,
        )
        c.fai(dum + 57 * d, "medico", W78, dum=dum, pa=PA)
        c = g(
            "c3_d_duas_fontes",
            "D: weight in the FAI, height at the escuta, one day",
            delivery,
            every,
            antro_days=six,
            consults=self.PRENATAL[:-1],
        )
        c.fai(dum + 252 * d, "enfermeiro", W78, dum=dum, peso=70.0)
        c.proc(dum + 252 * d, "322205", (), escuta=1, altura=162.0)
        c = g(
            "c3_d_dias_diferentes",
            "not D: weight and height on two days",
            delivery,
            "ABCEFGHIJK",
            antro_days=six,
            consults=self.PRENATAL[:-1],
        )
        c.fai(dum + 252 * d, "enfermeiro", W78, dum=dum, peso=70.0)
        c.proc(dum + 254 * d, "322205", (), escuta=1, altura=162.0)
        g(
            "c3_e_visita_no_dia_da_1a_consulta",
            "not E: a visit on the 1st consultation's day",
            delivery,
            "ABCDFGHIJK",
            visits=(56, 130, 190),
        )
        g(
            "c3_e_recusadas_ausente",
            "E: visits refused or absent count",
            delivery,
            every,
            visit_desfecho=3,
        )
        g("c3_eap", "eAP: E and J in full without visits", delivery, every, team=self.s.eap)
        g("c3_f_140", "F: dTpa at DUM + 140", delivery, every, dtpa=140)
        g("c3_f_139", "not F: dTpa at DUM + 139", delivery, "ABCDEGHIJK", dtpa=139)
        g("c3_g_97", "G: the four tests at DUM + 97", delivery, every, g_day=97)
        g("c3_g_98", "not G: the four tests at DUM + 98", delivery, "ABCDEFHIJK", g_day=98)
        g(
            "c3_g_antes_da_dum",
            "not G: tests the day before the DUM",
            delivery,
            "ABCDEFHIJK",
            g_day=-1,
        )
        g(
            "c3_g_tres_agentes",
            "not G: no hepatitis C test",
            delivery,
            "ABCDEFHIJK",
            g_codes=RAPID4[:3],
        )
        g(
            "c3_g_htlv_nao_serve",
            "not G: HTLV instead of hepatitis C",
            delivery,
            "ABCDEFHIJK",
            g_codes=(*RAPID4[:3], "0202030318"),
        )
        g(
            "c3_g_farmaceutico",
            "G: rapid tests by a farmacêutico (2234)",
            delivery,
            every,
            g_who="223405",
        )
        c = g(
            "c3_g_solicitados",
            "not G: lab exams only requested",
            delivery,
            "ABCDEFHIJK",
            g_day=None,
        )
        c.fai(
            dum + 60 * d,
            "medico",
            W78,
            dum=dum,
            requested=("ABEX018", "ABEX019", "0202030970", "0202030679"),
        )
        c = g(
            "c3_g_avaliados_ab",
            "G: lab exams evaluated, HIV and VDRL as AB codes",
            delivery,
            every,
            g_day=None,
        )
        c.fai(
            dum + 80 * d,
            "medico",
            W78,
            dum=dum,
            evaluated=("ABEX018", "ABEX019", "0202030970", "0202030679"),
        )
        g("c3_h_196", "H: syphilis and HIV at DUM + 196", delivery, every, h_day=196)
        g("c3_h_195", "not H: at DUM + 195", delivery, "ABCDEFGIJK", h_day=195)
        g("c3_i_d42", "I: puerperal consultation at D + 42", delivery, every, puerperal=42)
        g("c3_i_d43", "not I: at D + 43", delivery, "ABCDEFGHJK", puerperal=43)
        g(
            "c3_i_so_no_parto",
            "not I: only the delivery attendance (on D) has W90",
            delivery,
            "ABCDEFGHJK",
            puerperal=None,
        )
        c = g(
            "c3_i_sem_codigo_de_puerperio",
            "not I: the consultation has no puerpério code",
            delivery,
            "ABCDEFGHJK",
            puerperal=None,
        )
        c.fai(delivery + 10 * d, "medico", R74)
        g("c3_j_d42", "J: visit at D + 42", delivery, every, j_visit=42)
        g("c3_j_d43", "not J: at D + 43", delivery, "ABCDEFGHIK", j_visit=43)
        g("c3_k_tsb", "K: dental care by a TSB", delivery, every, dental_who="322405")
        g("c3_k_asb", "not K: a procedure by an ASB", delivery, "ABCDEFGHIJ", dental_who="322415")
        g(
            "c3_k_procedimento_dentista",
            "K: a procedure performed by the dentist",
            delivery,
            every,
            dental_who="223293",
        )
        g("c3_k_antes_da_dum", "not K: the day before the DUM", delivery, "ABCDEFGHIJ", dental=-1)
        g("c3_k_no_dia_d", "K: on D", delivery, every, dental=270)
        g("c3_k_dia_seguinte_a_d", "not K: the day after D", delivery, "ABCDEFGHIJ", dental=271)
        g(
            "c3_dum_pela_idade_gestacional",
            "DUM from the gestational age (no DUM recorded)",
            delivery,
            every,
            dum_known=False,
        )
        g(
            "c3_sem_parto_registrado",
            "no delivery recorded: D = DUM + 294",
            None,
            every,
            dum=self.ini - 336 * d,
            puerperal=6,
            j_visit=6,
        )
        c = g(
            "c3_aborto",
            "out: an abortion code at DUM + 60",
            None,
            None,
            dum=self.ini - 200 * d,
            consults=(56,),
            puerperal=None,
            j_visit=None,
        )
        c.fai(self.ini - 140 * d, "medico", (("W82", "O039"),))
        current = self.r - 100 * d
        g(
            "c3_gestacao_em_curso",
            "list only: an ongoing gestation of 100 days",
            None,
            "AGK",
            den=False,
            dum=current,
            consults=(56, 84),
            pa_days=(),
            antro_days=(),
            visits=(60, 70),
            dtpa=None,
            h_day=None,
            puerperal=None,
            j_visit=None,
            dental=70,
        )
        c = g(
            "c3_duas_gestacoes",
            "the earlier gestation ends before; only this one is in M",
            delivery,
            every,
        )
        before = delivery - 600 * d
        c.fai(before - 214 * d, "enfermeiro", W78, dum=before - 270 * d)
        c.fai(before, "enfermeiro", (("W90", "Z390"),))
        c = g(
            "c3_duplicado",
            "one person, two records: consultations split",
            delivery,
            every,
            consults=(),
        )
        for n, offset in enumerate(self.PRENATAL):
            c.fai(dum + offset * d, "enfermeiro", W78, dum=dum, record=n % 2)
        self.s.out.duplicates[c.p.idx] = "cpf"
        g(
            "c3_cbo_outro",
            "out: gestation recorded only by a farmacêutico",
            delivery,
            None,
            consult_who="223405",
        )

        def make(name: str, text: str, expected: tuple, **kw) -> _Case:
            return g(
                name,
                text,
                delivery,
                every if expected[0] else None,
                den=expected[1] if expected[0] else True,
                **kw,
            )

        self.exits("C3", make, (True, True))

    # -- C4 and C5 -----------------------------------------------------------------------
    def chronic(
        self,
        indicator: str,
        name: str,
        text: str,
        done: str | None,
        *,
        den: bool = True,
        problems: tuple | None = None,
        assess: date | None = None,
        assessor: str = "medico",
        consult: date | None = None,
        consult_particip: str = "2",
        pa: date | None = None,
        pa_who: str = "322205",
        antro: date | None = None,
        visits: tuple | None = None,
        hba1c: tuple | None = None,
        foot: tuple | None = None,
        team: Team | None = None,
        **attrs,
    ) -> _Case:
        """A person with diabetes (C4) or hypertension (C5), every practice unless told."""
        d = timedelta(days=1)
        recent = self.ini - 30 * d
        expected = OUT
        if done is not None:
            expected = (True, den, sum(WEIGHTS[indicator][x] for x in done), None, None, done)
        c = self.person(name, indicator, text, "M", self.born(58), expected, team=team, **attrs)
        code = T90 if indicator == "C4" else K86
        c.fai(assess or recent, assessor, problems or code)
        if consult is not None:
            c.fai(consult, "medico", R74, particip=consult_particip)
        c.proc(pa or recent, pa_who, ("0301100039",), pa=PA)
        c.proc(antro or recent, "322205", ("0101040024",), peso=80.0, altura=170.0)
        if c.acs is not None:
            for day in visits or (self.ini - 200 * d, self.ini - 60 * d):
                c.visit(day)
        if indicator == "C4":
            # by default performed, so that no consultation comes with it (A has its edges)
            day, mode, who = hba1c or (recent, "performed", "322205")
            if mode == "performed":
                c.proc(day, who, ("0202010503",))
            elif mode:
                codes = ("ABEX008",) if mode == "abex008" else ("0202010503",)
                kind = "evaluated" if mode == "evaluated" else "requested"
                c.fai(day, who, R74, **{kind: codes})
            day, who = foot or (recent, "enfermeiro")
            c.proc(day, who, ("0301040095",))
        return c

    def c4(self) -> None:
        d = timedelta(days=1)
        w6, w12 = self.window(6), self.window(12)
        old = w6 - 40 * d  # an assessment outside the 6-month window (its consultation too)
        ch = self.chronic
        every = "ABCDEF"
        ch("C4", "c4_completo", "every practice", every)
        ch(
            "C4",
            "c4_a_6m_primeiro_dia",
            "A: a consultation on the window's first day",
            every,
            assess=old,
            consult=w6,
        )
        ch("C4", "c4_a_6m_vespera", "not A: the day before", "BCDEF", assess=old, consult=w6 - d)
        ch(
            "C4",
            "c4_a_nao_participou",
            "not A: the citizen did not take part",
            "BCDEF",
            assess=old,
            consult=self.ini - 20 * d,
            consult_particip="1",
        )
        ch(
            "C4",
            "c4_a_remota",
            "A: a remote consultation",
            every,
            assess=old,
            consult=self.ini - 20 * d,
            consult_particip="4",
        )
        ch(
            "C4",
            "c4_b_6m_primeiro_dia",
            "B: blood pressure on the window's first day",
            every,
            pa=w6,
        )
        ch("C4", "c4_b_6m_vespera", "not B: the day before", "ACDEF", pa=w6 - d)
        c = ch(
            "C4", "c4_b_pa_acs", "not B: only an ACS typed the blood pressure", "ACDEF", pa=w6 - d
        )
        c.visit(self.ini - 10 * d, "515105", pa="130/85")
        c = ch("C4", "c4_b_pa_tacs", "B: a TACS took the blood pressure", every, pa=w6 - d)
        c.visit(self.ini - 10 * d, "322255", pa="130/85")
        ch("C4", "c4_c_12m_primeiro_dia", "C: weight and height on the first day", every, antro=w12)
        ch("C4", "c4_c_12m_vespera", "not C: the day before", "ABDEF", antro=w12 - d)
        c = ch(
            "C4",
            "c4_c_duas_fontes",
            "C: weight in the FAI, height at the escuta",
            every,
            antro=w12 - d,
        )
        c.fai(self.ini - 5 * d, "medico", R74, peso=81.0)
        c.proc(self.ini - 5 * d, "322205", (), escuta=1, altura=170.0)
        c = ch(
            "C4",
            "c4_c_dias_diferentes",
            "not C: weight and height on two days",
            "ABDEF",
            antro=w12 - d,
        )
        c.fai(self.ini - 5 * d, "medico", R74, peso=81.0)
        c.proc(self.ini - 4 * d, "322205", (), escuta=1, altura=170.0)
        ch(
            "C4",
            "c4_d_30_dias",
            "D: two visits 30 days apart",
            every,
            visits=(self.ini - 60 * d, self.ini - 30 * d),
        )
        ch(
            "C4",
            "c4_d_29_dias",
            "not D: 29 days apart",
            "ABCEF",
            visits=(self.ini - 60 * d, self.ini - 31 * d),
        )
        ch(
            "C4",
            "c4_d_janela",
            "D: the 1st visit on the window's first day",
            every,
            visits=(w12, w12 + 30 * d),
        )
        ch(
            "C4",
            "c4_d_vespera_janela",
            "not D: the 1st visit the day before it",
            "ABCEF",
            visits=(w12 - d, w12 + 29 * d),
        )
        ch("C4", "c4_d_eap", "eAP: D in full without visits", every, team=self.s.eap)
        ch(
            "C4",
            "c4_e_12m_primeiro_dia",
            "E: HbA1c requested on the first day",
            every,
            hba1c=(w12, "requested", "medico"),
        )
        ch(
            "C4",
            "c4_e_12m_vespera",
            "not E: the day before",
            "ABCDF",
            hba1c=(w12 - d, "requested", "medico"),
        )
        ch(
            "C4",
            "c4_e_avaliada",
            "E: HbA1c evaluated",
            every,
            hba1c=(self.ini - 20 * d, "evaluated", "enfermeiro"),
        )
        ch(
            "C4",
            "c4_e_abex008",
            "E: HbA1c requested as ABEX008",
            every,
            hba1c=(self.ini - 20 * d, "abex008", "medico"),
        )
        ch(
            "C4",
            "c4_e_realizada_tecnico",
            "E: HbA1c performed by a técnico (3222)",
            every,
            hba1c=(self.ini - 20 * d, "performed", "322205"),
        )
        ch(
            "C4",
            "c4_e_farmaceutico",
            "E: requested by a farmacêutico (2234)",
            every,
            hba1c=(self.ini - 20 * d, "requested", "223405"),
        )
        ch(
            "C4",
            "c4_e_psicologo",
            "not E: requested by a psicólogo",
            "ABCDF",
            hba1c=(self.ini - 20 * d, "requested", "251510"),
        )
        ch(
            "C4",
            "c4_f_12m_primeiro_dia",
            "F: foot exam on the first day",
            every,
            foot=(w12, "enfermeiro"),
        )
        ch("C4", "c4_f_12m_vespera", "not F: the day before", "ABCDE", foot=(w12 - d, "medico"))
        ch(
            "C4",
            "c4_f_fisioterapeuta",
            "F: foot exam by a fisioterapeuta (2236)",
            every,
            foot=(self.ini - 20 * d, "223605"),
        )
        ch(
            "C4",
            "c4_f_tecnico",
            "not F: foot exam by a técnico",
            "ABCDE",
            foot=(self.ini - 20 * d, "322205"),
        )
        resolved = (Problem("T90", None, "2", "dm"),)
        c = ch(
            "C4",
            "c4_resolvida",
            "out: the diabetes' latest situation is resolvido",
            None,
            assess=w12,
        )
        c.fai(self.ini - 10 * d, "medico", resolved)
        c = ch("C4", "c4_latente", "latente is active", every)
        c.fai(self.ini - 10 * d, "medico", (Problem("T90", None, "1", "dm"),))
        c = ch(
            "C4",
            "c4_resolvida_e_reativada",
            "resolved, then active again",
            every,
            assess=self.ini - 10 * d,
        )
        c.fai(self.ini - 100 * d, "medico", resolved)
        c = ch(
            "C4",
            "c4_outro_problema_ativo",
            "one diabetes resolved, another active",
            every,
            problems=(Problem(None, "E119", "0", "dm2"),),
        )
        c.fai(self.ini - 10 * d, "medico", resolved)
        c = ch(
            "C4",
            "c4_linha_sem_situacao",
            "a row without situation or uuid stays active",
            every,
            problems=(Problem("T90", None, None, None, None),),
        )
        c.fai(self.ini - 10 * d, "medico", resolved)
        ch(
            "C4",
            "c4_nao_avaliado",
            "out: the only diabetes row was not assessed",
            None,
            problems=(Problem("T90", None, "0", "dm", 0),),
        )
        ch(
            "C4",
            "c4_avaliado_nao_informado",
            "assessed flag not informed counts",
            every,
            problems=(Problem("T90", None, "0", "dm", None),),
        )
        ch(
            "C4",
            "c4_farmaceutico_registrou",
            "out: diabetes only by a farmacêutico",
            None,
            assessor="223405",
        )
        ch(
            "C4",
            "c4_abp006",
            "out: ABP006 is not in the diabetes codes",
            None,
            problems=(("ABP006", None),),
        )
        ch("C4", "c4_e149", "E14 and its subcodes count", every, problems=((None, "E149"),))

        def make(name: str, text: str, expected: tuple, **kw) -> _Case:
            done = every if expected[0] else None
            return ch("C4", name, text, done, den=expected[1] if expected[0] else True, **kw)

        self.exits("C4", make, (True, True))

    def c5(self) -> None:
        d = timedelta(days=1)
        w6, w12 = self.window(6), self.window(12)
        old = w6 - 40 * d
        ch = self.chronic
        every = "ABCD"
        ch("C5", "c5_completo", "every practice", every)
        ch(
            "C5",
            "c5_a_6m_primeiro_dia",
            "A: consultation on the window's first day",
            every,
            assess=old,
            consult=w6,
        )
        ch("C5", "c5_a_6m_vespera", "not A: the day before", "BCD", assess=old, consult=w6 - d)
        ch("C5", "c5_b_6m_vespera", "not B: blood pressure the day before", "ACD", pa=w6 - d)
        c = ch("C5", "c5_b_pa_acs", "not B: only an ACS typed the blood pressure", "ACD", pa=w6 - d)
        c.visit(self.ini - 10 * d, "515105", pa="150/95")
        c = ch("C5", "c5_b_pa_tacs", "B: a TACS took the blood pressure", every, pa=w6 - d)
        c.visit(self.ini - 10 * d, "322255", pa="150/95")
        ch(
            "C5",
            "c5_c_12m_vespera",
            "not C: weight and height the day before",
            "ABD",
            antro=w12 - d,
        )
        ch(
            "C5",
            "c5_d_29_dias",
            "not D: visits 29 days apart",
            "ABC",
            visits=(self.ini - 60 * d, self.ini - 31 * d),
        )
        ch("C5", "c5_d_eap", "eAP: D in full", every, team=self.s.eap)
        ch("C5", "c5_k87_i119", "K87 with I119", every, problems=(("K87", "I119"),))
        ch("C5", "c5_i10", "I10 alone", every, problems=((None, "I10"),))
        ch(
            "C5",
            "c5_abp005",
            "out: ABP005 is not in the hypertension codes",
            None,
            problems=(("ABP005", None),),
        )
        c = ch("C5", "c5_resolvida", "out: hypertension resolved", None, assess=w12)
        c.fai(self.ini - 10 * d, "medico", (Problem("K86", None, "2", "has"),))
        ch("C5", "c5_equipe_outro_tipo", "out: team of MS type 49", None, team=self.s.old)

    # -- C6 ------------------------------------------------------------------------------
    def elder(
        self,
        name: str,
        text: str,
        done: str | None,
        *,
        den: bool = True,
        birth: date | None = None,
        consult: tuple | None = None,
        antro: date | None = None,
        visits: tuple | None = None,
        visit_who: str = "515105",
        visit_desfecho: tuple = (2, 2),
        flu: tuple | None = None,
        team: Team | None = None,
        record: int = 0,
        **attrs,
    ) -> _Case:
        """A person of 70 with every practice of C6 unless told otherwise."""
        d = timedelta(days=1)
        expected = OUT
        if done is not None:
            expected = (True, den, sum(WEIGHTS["C6"][x] for x in done), None, None, done)
        c = self.person(name, "C6", text, "M", birth or self.born(70), expected, team=team, **attrs)
        day, particip, who = consult or (self.ini - 60 * d, "2", "medico")
        if day is not None:
            c.fai(day, who, R74, particip=particip, record=record)
        c.proc(antro or self.ini - 90 * d, "322205", ("0101040024",), peso=72.0, altura=168.0)
        if c.acs is not None:
            for day, desfecho in zip(
                visits or (self.ini - 150 * d, self.ini - 60 * d), visit_desfecho, strict=True
            ):
                c.visit(day, visit_who, desfecho=desfecho)
        day, code = flu or (self.ini - 200 * d, "33")
        if day is not None:
            c.vac(day, ((code, "1"),), record=record)
        return c

    def c6(self) -> None:
        d = timedelta(days=1)
        w12 = self.window(12)
        every = "ABCD"
        e = self.elder
        e("c6_60_anos", "60 years at the end of M", every, birth=self.born(60))
        e("c6_59_anos", "out: 59 years at the end of M", None, birth=self.born(60) + d)
        e(
            "c6_a_12m_primeiro_dia",
            "A: consultation on the window's first day",
            every,
            consult=(w12, "2", "medico"),
        )
        e("c6_a_12m_vespera", "not A: the day before", "BCD", consult=(w12 - d, "2", "medico"))
        e(
            "c6_a_nao_participou",
            "not A: the citizen did not take part",
            "BCD",
            consult=(self.ini - 60 * d, "1", "medico"),
        )
        e("c6_a_remota", "A: by e-mail", every, consult=(self.ini - 60 * d, "5", "enfermeiro"))
        e(
            "c6_a_farmaceutico",
            "not A: a farmacêutico's attendance",
            "BCD",
            consult=(self.ini - 60 * d, "2", "223405"),
        )
        day = self.ini - 40 * d
        c = e(
            "c6_b_duas_fontes",
            "B: weight in the FAI, height at the escuta",
            every,
            consult=(None, "", ""),
            antro=w12 - d,
        )
        c.fai(day, "medico", R74, peso=70.0).proc(day, "322205", (), escuta=1, altura=165.0)
        c = e(
            "c6_b_dias_diferentes",
            "not B: weight and height on two days",
            "ACD",
            consult=(None, "", ""),
            antro=w12 - d,
        )
        c.fai(day, "medico", R74, peso=70.0)
        c.proc(day + d, "322205", (), escuta=1, altura=165.0)
        e("c6_b_12m_vespera", "not B: the day before the window", "ACD", antro=w12 - d)
        e("c6_b_no_dia_r", "B: on R", every, antro=self.r)
        e(
            "c6_c_30_dias",
            "C: visits 30 days apart",
            every,
            visits=(self.ini - 90 * d, self.ini - 60 * d),
        )
        e(
            "c6_c_29_dias",
            "not C: 29 days apart",
            "ABD",
            visits=(self.ini - 90 * d, self.ini - 61 * d),
        )
        e("c6_c_janela", "C: from the window's first day to R", every, visits=(w12, self.r))
        e(
            "c6_c_vespera_janela",
            "not C: one of them the day before",
            "ABD",
            visits=(w12 - d, w12 + 28 * d),
        )
        e("c6_c_tacs", "C: visits by a TACS", every, visit_who="322255")
        e(
            "c6_c_recusada_ausente",
            "C: refused and absent visits count",
            every,
            visit_desfecho=(3, 4),
        )
        e("c6_eap", "eAP: C in full without visits", every, team=self.s.eap)
        e(
            "c6_d_12m_primeiro_dia",
            "D: influenza 33 on the window's first day",
            every,
            flu=(w12, "33"),
        )
        e("c6_d_12m_vespera", "not D: influenza 77 the day before", "ABC", flu=(w12 - d, "77"))
        e("c6_d_77_no_dia_r", "D: influenza 77 on R", every, flu=(self.r, "77"))
        e(
            "c6_d_outra_vacina",
            "not D: dTpa is no influenza vaccine",
            "ABC",
            flu=(self.ini - 30 * d, "57"),
        )
        c = e("c6_recusa_cadastro", "a refusal recorded by another team is left out", every)
        c.cad(self.r - 100 * d, recusa=1, acs=self.s.old.staff["acs"][0])
        c = e("c6_mudou_para_equipe_outro_tipo", "out: a new version by the type-49 team", None)
        c.cad(self.r - 100 * d, acs=self.s.old.staff["acs"][0])
        c.p.team = self.s.old
        c = e(
            "c6_veio_de_equipe_outro_tipo",
            "in: a new version by the eSF team",
            every,
            team=self.s.old,
        )
        c.cad(self.r - 200 * d, acs=self.s.acs)
        c.p.team = self.s.team
        c = e(
            "c6_duplicado",
            "one person, two records: consultation and vaccine on the 2nd",
            every,
            record=1,
        )
        self.s.out.duplicates[c.p.idx] = "cpf"

        def make(name: str, text: str, expected: tuple, **kw) -> _Case:
            done = every if expected[0] else None
            return e(name, text, done, den=expected[1] if expected[0] else True, **kw)

        self.exits("C6", make, (True, True))

    # -- C7 ------------------------------------------------------------------------------
    def woman(
        self,
        name: str,
        text: str,
        birth: date,
        subgroups: str,
        done: str,
        *,
        listed: bool = True,
        den: bool = True,
        sex: str = "F",
        team: Team | None = None,
        record: int = 0,
        **attrs,
    ) -> _Case:
        """A woman (or trans man) with the usual practice of each subgroup in `done`."""
        d = timedelta(days=1)
        expected = OUT
        if listed:
            points = sum(WEIGHTS["C7"][x] for x in done)
            possible = sum(WEIGHTS["C7"][x] for x in subgroups)
            expected = (True, den, points, possible, None, done)
        c = self.person(name, "C7", text, sex, birth, expected, team=team, **attrs)
        if "A" in done:
            c.proc(self.ini - 100 * d, "enfermeiro", ("0201020033",), record=record)
        if "B" in done:
            c.vac(aniversario(birth, 11), (("67", "1"),))
        if "C" in done:
            c.fai(self.ini - 50 * d, "enfermeiro", SSR)
        if "D" in done:
            c.fai(self.ini - 80 * d, "medico", R74, requested=("0204030188",))
        return c

    def c7(self) -> None:
        d = timedelta(days=1)
        w12, w24, w36, w60 = (self.window(n) for n in (12, 24, 36, 60))
        w = self.woman
        w("c7_8_anos", "out: 8 years", self.born(9) + d, "", "", listed=False)
        nine = birth_for(self.ini, 9, step=-1)  # the last 9th birthday up to M's first day
        c = w(
            "c7_9_anos_hpv_no_aniversario",
            "B: HPV on the 9th birthday",
            nine,
            "B",
            "",
        )
        c.vac(aniversario(nine, 9), (("67", "1"),))
        self.retarget(c, "B")
        c = w(
            "c7_hpv_vespera_9_anos",
            "not B: HPV the day before the 9th birthday",
            self.born(10),
            "B",
            "",
        )
        c.vac(aniversario(self.born(10), 9) - d, (("67", "1"),))
        c = w("c7_hpv_93", "B: the nonavalent vaccine", self.born(12), "B", "")
        c.vac(aniversario(self.born(12), 11), (("93", "1"),))
        self.retarget(c, "B")
        w("c7_14_anos", "B and C at 14", self.born(14), "BC", "BC")
        c = w(
            "c7_15_anos",
            "C only at 15 (an HPV dose at 11 no longer counts)",
            self.born(15),
            "C",
            "C",
        )
        c.vac(aniversario(self.born(15), 11), (("67", "1"),))
        c = w("c7_24_anos", "C only at 24 (cytology does not count yet)", self.born(24), "C", "C")
        c.proc(self.ini - 100 * d, "enfermeiro", ("0201020033",))
        w("c7_25_anos", "A and C at 25", self.born(25), "AC", "AC")
        c = w(
            "c7_49_anos",
            "A and C at 49 (mammography does not count yet)",
            self.born(49),
            "AC",
            "AC",
        )
        c.fai(self.ini - 80 * d, "medico", R74, requested=("0204030188",))
        w("c7_50_anos", "A, C and D at 50", self.born(50), "ACD", "ACD")
        w("c7_64_anos", "A, C and D at 64", self.born(64), "ACD", "ACD")
        c = w("c7_65_anos", "C and D at 65 (cytology no longer counts)", self.born(65), "CD", "CD")
        c.proc(self.ini - 100 * d, "enfermeiro", ("0201020033",))
        w("c7_69_anos", "C and D at 69", self.born(69), "CD", "CD")
        w("c7_70_anos", "out: 70 years", self.born(70), "", "CD", listed=False)
        w(
            "c7_homem_trans",
            "in: sex masculino, gender identity homem transgênero",
            self.born(30),
            "AC",
            "AC",
            sex="M",
            gender="149",
        )
        w(
            "c7_homem_trans_sem_cadastro",
            "in: the identity from tb_fat_cidadao_pec (eAP)",
            self.born(30),
            "AC",
            "AC",
            sex="M",
            gender="149",
            team=self.s.eap,
        )
        w(
            "c7_mulher_trans",
            "out: sex feminino, gender identity mulher transgênero",
            self.born(30),
            "",
            "AC",
            listed=False,
            gender="150",
        )
        w(
            "c7_homem_cis",
            "out: sex masculino, cisgênero",
            self.born(30),
            "",
            "AC",
            listed=False,
            sex="M",
            gender="200",
        )
        a = self.born(30)
        c = w("c7_a_36m_primeiro_dia", "A: collection on the window's first day", a, "AC", "C")
        c.proc(w36, "enfermeiro", ("0201020033",))
        self.retarget(c, "AC")
        c = w("c7_a_36m_vespera", "not A: the day before", a, "AC", "C")
        c.proc(w36 - d, "enfermeiro", ("0201020033",))
        for name, text, kwargs in (
            ("c7_a_solicitado", "A: 0203010086 requested", {"requested": ("0203010086",)}),
            ("c7_a_avaliado", "A: 0203010019 evaluated", {"evaluated": ("0203010019",)}),
            ("c7_a_abex001", "A: ABEX001 requested", {"requested": ("ABEX001",)}),
        ):
            c = w(name, text, a, "AC", "C")
            c.fai(self.ini - 120 * d, "enfermeiro", R74, **kwargs)
            self.retarget(c, "AC")
        c = w("c7_a_consulta_abp022", "A: a consultation with ABP022", a, "AC", "C")
        c.fai(self.ini - 120 * d, "medico", (("ABP022", None),))
        self.retarget(c, "AC")
        c = w("c7_a_abpg010", "A: the collection as ABPG010 by a médico", a, "AC", "C")
        c.proc(self.ini - 120 * d, "medico", ("ABPG010",))
        self.retarget(c, "AC")
        c = w("c7_a_tecnico", "not A: collected by a técnico", a, "AC", "C")
        c.proc(self.ini - 120 * d, "322205", ("0201020033",))
        since_2026 = self.ini >= date(2026, 1, 1)
        c = w(
            "c7_a_hpv_molecular_60m",
            "A (from 2026-01): HPV test at the 60-month edge",
            a,
            "AC",
            "C",
        )
        c.fai(w60, "enfermeiro", R74, requested=("0202100251",))
        if since_2026:
            self.retarget(c, "AC")
        c = w("c7_a_hpv_molecular_vespera_60m", "not A: the day before", a, "AC", "C")
        c.fai(w60 - d, "enfermeiro", R74, requested=("0202100251",))
        c = w("c7_a_coleta_hpv_36m", "A: HPV collection (0201020076) at 36 months", a, "AC", "C")
        c.proc(w36, "enfermeiro", ("0201020076",))
        self.retarget(c, "AC")
        c = w("c7_a_coleta_hpv_37m", "not A: the collection code keeps 36 months", a, "AC", "C")
        c.proc(w36 - d, "enfermeiro", ("0201020076",))
        c = w("c7_c_12m_primeiro_dia", "C: on the window's first day", a, "AC", "A")
        c.fai(w12, "enfermeiro", SSR)
        self.retarget(c, "AC")
        c = w("c7_c_12m_vespera", "not C: the day before", a, "AC", "A")
        c.fai(w12 - d, "enfermeiro", SSR)
        c = w("c7_c_codigo_fora_da_lista", "not C: vaginitis is not in the list", a, "AC", "A")
        c.fai(self.ini - 50 * d, "enfermeiro", (("X84", "N760"),))
        c = w("c7_c_abp003", "C: ABP003", a, "AC", "A")
        c.fai(self.ini - 50 * d, "medico", (("ABP003", None),))
        self.retarget(c, "AC")
        c = w("c7_c_nao_participou", "not C: the citizen did not take part", a, "AC", "A")
        c.fai(self.ini - 50 * d, "enfermeiro", SSR, particip="1")
        b = self.born(55)
        c = w("c7_d_24m_primeiro_dia", "D: mammography requested on the first day", b, "ACD", "AC")
        c.fai(w24, "medico", R74, requested=("0204030030",))
        self.retarget(c, "ACD")
        c = w("c7_d_24m_vespera", "not D: the day before", b, "ACD", "AC")
        c.fai(w24 - d, "medico", R74, requested=("0204030030",))
        c = w("c7_d_avaliada", "D: mammography evaluated", b, "ACD", "AC")
        c.fai(self.ini - 30 * d, "enfermeiro", R74, evaluated=("0204030188",))
        self.retarget(c, "ACD")
        c = w(
            "c7_d_so_realizada", "not D: a mammography performed is not requested", b, "ACD", "AC"
        )
        c.proc(self.ini - 30 * d, "medico", ("0204030188",))
        c = w("c7_d_consulta_abp023", "D and C: a consultation with ABP023", b, "ACD", "A")
        c.fai(self.ini - 30 * d, "medico", (("ABP023", None),))
        self.retarget(c, "ACD")
        c = w(
            "c7_duplicado",
            "one person, two records: collection on the 2nd",
            a,
            "AC",
            "AC",
            record=1,
        )
        self.s.out.duplicates[c.p.idx] = "cpf"

        def make(name: str, text: str, expected: tuple, **kw) -> _Case:
            return w(
                name,
                text,
                a,
                "AC",
                "AC",
                listed=expected[0],
                den=expected[1] if expected[0] else True,
                **kw,
            )

        self.exits("C7", make, (True, True))

    def retarget(self, c: _Case, done: str) -> None:
        """The case's practices done are `done` (an event added after `woman`)."""
        cases = self.s.out.cases
        case = cases[-1]
        assert case.person == c.p.idx
        in_list, den, _, possible, dum, _ = case.expected
        points = sum(WEIGHTS[case.indicator][x] for x in done)
        cases[-1] = replace(case, expected=(in_list, den, points, possible, dum, done))
