"""Scripted edge cases: people injected on top of the random population so that every
indicator rule of PEC_SCHEMA.md section 4 has someone just inside and just outside it.

Dates are relative to the reference date R and to the end Q (start Qs) of R's quadrimester
(Jan-Apr, May-Aug, Sep-Dec); "Q-6m" is `Q - interval '6 months'` as PostgreSQL computes it.
All these people belong to the first eSF team, are registered by its first ACS and have no
random activity, so nothing but their script counts. `sandbox.edge_case` lists them with their
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
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from transmissor.sandbox import identity
from transmissor.sandbox.activity import CAD, ODONTO, VAC, fai_event, proc_event
from transmissor.sandbox.dates import add_months, add_years, quadrimester
from transmissor.sandbox.population import Household, Person, Pregnancy, World, new_person

NO_EXPECTATION = (None, None, None, None, None, None)


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

    def person(
        self, name: str, indicator: str, expectation: str, sex: str, birth: date, **attrs
    ) -> _Case:
        world, rng = self.world, self.rng
        idx = len(world.persons)
        h = len(world.households)
        p = new_person(
            rng, idx, birth.toordinal(), sex, self.team, self.acs.microarea or "01", h, world.ddd
        )
        p.cpf, p.cns = p.cpf or identity.cpf(rng), p.cns or identity.cns(rng)
        p.registered, p.case = True, name
        for key, value in attrs.items():
            setattr(p, key, value)
        world.persons.append(p)
        world.households.append(
            Household(
                idx=h,
                team=self.team,
                microarea=p.microarea,
                members=[idx],
                responsible=idx,
                street=rng.choice(identity.STREETS),
                number=str(rng.randint(1, 999)),
                bairro=self.team.unit.bairro,
                registered=True,
            )
        )
        self.out.cases.append(Case(name, indicator, expectation, idx))
        events: list[tuple] = []
        self.out.events[idx] = events
        return _Case(self, p, events)


class _Case:
    def __init__(self, script: _Script, p: Person, events: list[tuple]) -> None:
        self.s, self.p, self.events = script, p, events
        self.cad_first = True

    def staff(self, role: str):
        return self.s.team.pick(self.s.rng, role)

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
    ) -> _Case:
        o = day.toordinal()
        self.events.append(
            fai_event(
                o,
                o,
                record,
                self.staff(role),
                problems,
                requested,
                evaluated,
                dum.toordinal() if dum else 0,
                weeks,
            )
        )
        return self

    def proc(
        self, day: date, role: str, codes: tuple, record: int = 0, processed: date | None = None
    ) -> _Case:
        o = day.toordinal()
        self.events.append(
            proc_event((processed or day).toordinal(), o, record, self.staff(role), codes)
        )
        return self

    def vac(self, day: date, doses: tuple, registered: date | None = None) -> _Case:
        o = day.toordinal()
        reg = (registered or day).toordinal()
        self.events.append(
            (
                VAC,
                reg,
                reg,
                0,
                self.staff("tecnico"),
                tuple((i, d, o, int(registered is not None)) for i, d in doses),
                8 * 60,
            )
        )
        return self

    def odonto(self, day: date, gestante: int) -> _Case:
        o = day.toordinal()
        self.events.append(
            (ODONTO, o, o, 0, self.staff("dentista"), gestante, ("0301010153",), 2, 14 * 60)
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
    ) -> _Case:
        o = day.toordinal()
        uuid = f"{self.s.acs.unit.cnes}-{identity.uuid4(self.s.rng)}"
        self.events.append(
            (CAD, o, o, 0, self.s.acs, uuid, has, dm, gest, saida, self.cad_first, last, 0, 0)
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
