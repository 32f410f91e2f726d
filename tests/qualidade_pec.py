"""The quality indicators C1-C7 computed by plain SQL straight on a banco do município (PEC).

Written from the rules as transform/models/marts/qualidade/_qualidade__docs.md states them,
not from any dbt model: the PEC's own tables and codes, `co_dim_tempo` keys turned into dates,
the person as the PEC groups its records (tb_dim_cidadao_pec_grupo), a person's identifier the
smallest tb_fat_cidadao_pec id of the group. One query per indicator for the competência of
the reference date R: one row per person (C3: per gestation) of the list of that month, with
the denominator flag, the points, the possible points (C7) and the practices done (letters;
the eAP's visit practices count as done). C1 is per team: one row per INE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg

# -- code sets of the rules ------------------------------------------------------------------
MED_ENF = "('2251', '2252', '2253', '2231', '2235')"  # CBO families (4 digits)
# weight and height: médico, enfermeiro, 3222 (técnico/auxiliar, TACS), ACS, 2232, 2234...
ANTROPO = (
    "(left(nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235', '3222', '2232', '2234', "
    "'2236', '2237', '2238', '2239', '2241') or nu_cbo = '515105')"
)
# blood pressure: as ANTROPO without the ACS, plus the 3224 family
PRESSAO = (
    "left(nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235', '3222', '2232', '2234', "
    "'2236', '2237', '2238', '2239', '2241', '3224')"
)

# The person and the month: identity, link, team type, exits, document, sex, identity, age.
BASE = r"""
with recursive
params as (
    select %(r)s::date as r,
           date_trunc('month', %(r)s::date)::date as ini,
           (date_trunc('month', %(r)s::date) + interval '1 month' - interval '1 day')::date
               as fim
),
mes as (
    select r, ini, fim, least(fim, r) as corte,
           (ini - interval '5 months')::date as w6,
           (ini - interval '11 months')::date as w12,
           (ini - interval '23 months')::date as w24,
           (ini - interval '35 months')::date as w36,
           (ini - interval '59 months')::date as w60
    from params
),
grupo as (
    select co_fat_cidadao_pec as fat, coalesce(co_cidadao_master, co_cidadao) as chave
    from tb_dim_cidadao_pec_grupo
),
registro as (
    select f.co_seq_fat_cidadao_pec as fat,
           coalesce(min(g.chave)::text, 'fat' || f.co_seq_fat_cidadao_pec) as chave
    from tb_fat_cidadao_pec f
    left join grupo g on g.fat = f.co_seq_fat_cidadao_pec
    group by f.co_seq_fat_cidadao_pec
),
pessoa as (
    select chave, min(fat) as co_pessoa from registro group by chave
),
rp as (
    select r.fat, p.co_pessoa from registro r join pessoa p using (chave)
),
-- a valid CPF (check digits) or CNS (Σ dᵢ·(15−i) ≡ 0 mod 11) on any record of the person
cpf_ok as (
    select f.co_seq_fat_cidadao_pec as fat
    from tb_fat_cidadao_pec f
    where f.nu_cpf_cidadao ~ '^[0-9]{11}$' and f.nu_cpf_cidadao !~ '^(.)\1*$'
      and (select sum(substr(f.nu_cpf_cidadao, i, 1)::int * (11 - i))
           from generate_series(1, 9) i) * 10 %% 11 %% 10 = substr(f.nu_cpf_cidadao, 10, 1)::int
      and (select sum(substr(f.nu_cpf_cidadao, i, 1)::int * (12 - i))
           from generate_series(1, 10) i) * 10 %% 11 %% 10 = substr(f.nu_cpf_cidadao, 11, 1)::int
),
cns_ok as (
    select f.co_seq_fat_cidadao_pec as fat
    from tb_fat_cidadao_pec f
    where f.nu_cns ~ '^[12789][0-9]{14}$'
      and (select sum(substr(f.nu_cns, i, 1)::int * (16 - i))
           from generate_series(1, 15) i) %% 11 = 0
),
documento as (
    select distinct rp.co_pessoa
    from rp
    where rp.fat in (select fat from cpf_ok union select fat from cns_ok)
       or rp.fat in (select co_seq_fat_cidadao_pec from tb_fat_cidadao_pec
                     where nu_cpf_cidadao ~ '^[0-9a-f]{64}$' or nu_cns ~ '^[0-9a-f]{64}$')
),
-- the cadastro version in force at the cut date (refusals left out)
versao as (
    select rp.co_pessoa, c.co_seq_fat_cad_individual as id,
           to_date(c.co_dim_tempo::text, 'YYYYMMDD') as dt,
           c.co_dim_equipe, s.nu_identificador as saida, sx.nu_identificador as sexo,
           ig.nu_identificador as identidade, c.dt_obito
    from tb_fat_cad_individual c
    join rp on rp.fat = c.co_fat_cidadao_pec
    left join tb_dim_tipo_saida_cadastro s
        on s.co_seq_dim_tipo_saida_cadastro = c.co_dim_tipo_saida_cadastro
    left join tb_dim_sexo sx on sx.co_seq_dim_sexo = c.co_dim_sexo
    left join tb_dim_identidade_genero ig
        on ig.co_seq_dim_identidade_genero = c.co_dim_identidade_genero
    where c.co_dim_tempo <> 30001231
      and coalesce(c.st_recusa_cadastro, 0) <> 1
      and to_date(c.co_dim_tempo::text, 'YYYYMMDD') <= (select corte from mes)
),
vigente as (
    select distinct on (co_pessoa) * from versao order by co_pessoa, dt desc, id desc
),
principal as (  -- the record that names the person (its smallest id)
    select p.co_pessoa, f.co_dim_equipe_vinc,
           to_date(nullif(f.co_dim_tempo_nascimento, 30001231)::text, 'YYYYMMDD') as nascimento,
           sx.nu_identificador as sexo, ig.nu_identificador as identidade
    from pessoa p
    join tb_fat_cidadao_pec f on f.co_seq_fat_cidadao_pec = p.co_pessoa
    left join tb_dim_sexo sx on sx.co_seq_dim_sexo = f.co_dim_sexo
    left join tb_dim_identidade_genero ig
        on ig.co_seq_dim_identidade_genero = f.co_dim_identidade_genero
),
tipo_equipe as (  -- DW team -> MS type, through the operational tables, by INE
    select d.co_seq_dim_equipe as equipe, d.nu_ine, t.nu_ms
    from tb_dim_equipe d
    join tb_equipe e on e.nu_ine = d.nu_ine
    join tb_tipo_equipe t on t.co_seq_tipo_equipe = e.tp_equipe
),
obito as (
    select rp.co_pessoa,
           bool_or(f.st_faleceu = 1 or c.st_faleceu = 1 or c.st_dados_obito_cadsus = 1)
               as flag,
           min(c.dt_obito::date) as dt
    from rp
    join tb_fat_cidadao_pec f on f.co_seq_fat_cidadao_pec = rp.fat
    left join tb_cidadao c on c.co_seq_cidadao = f.co_cidadao
    group by rp.co_pessoa
),
obito_cadastro as (
    select co_pessoa, min(dt_obito::date) as dt from versao where dt_obito is not null
    group by co_pessoa
),
ctx as (
    select p.co_pessoa, p.nascimento,
           extract(year from age((select fim from mes), p.nascimento))::int as idade,
           te.nu_ms, te.nu_ms = '76' as is_eap,
           coalesce(nullif(nullif(v.sexo, '-'), ''), p.sexo) as sexo,
           coalesce(nullif(nullif(v.identidade, '-'), ''), nullif(p.identidade, '-'))
               as identidade,
           p.co_pessoa in (select co_pessoa from documento) as has_documento,
           coalesce(least(o.dt, oc.dt) <= (select fim from mes)
                    or (o.flag and o.dt is null and oc.dt is null)
                    or v.saida in ('135', '136'), false) as saiu
    from principal p
    left join vigente v on v.co_pessoa = p.co_pessoa
    left join tipo_equipe te
        on te.equipe = coalesce(nullif(v.co_dim_equipe, 1), nullif(p.co_dim_equipe_vinc, 1))
    left join obito o on o.co_pessoa = p.co_pessoa
    left join obito_cadastro oc on oc.co_pessoa = p.co_pessoa
),
elegivel as (  -- linked to an eSF or eAP team in M and not exited
    select * from ctx where nu_ms in ('70', '76') and not saiu
),
-- facts of the person up to the cut date, as (person, day, CBO, ...)
atendimento as (
    select f.co_seq_fat_atd_ind as id, rp.co_pessoa,
           to_date(f.co_dim_tempo::text, 'YYYYMMDD') as dt, cbo.nu_cbo,
           coalesce(pt.nu_identificador, '-') as participacao,
           f.nu_peso, f.nu_altura, f.nu_pressao_sistolica, f.nu_pressao_diastolica,
           nullif(f.co_dim_tempo_dum, 30001231) as dum_key, f.nu_idade_gestacional_semanas
    from tb_fat_atendimento_individual f
    join rp on rp.fat = f.co_fat_cidadao_pec
    left join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = f.co_dim_cbo_1
    left join tb_dim_tipo_participacao_atend pt
        on pt.co_seq_dim_tp_particip_atend = f.co_dim_tp_particip_cidadao
    where f.co_dim_tempo <> 30001231
      and to_date(f.co_dim_tempo::text, 'YYYYMMDD') <= (select corte from mes)
),
consulta as (  -- médico or enfermeiro, the citizen took part (not informed = presencial)
    select * from atendimento
    where left(nu_cbo, 4) in @MED_ENF@ and participacao <> '1'
),
problema as (  -- the codes of each attendance
    select p.co_fat_atd_ind as id, ciap.nu_ciap as ciap, cid.nu_cid as cid
    from tb_fat_atd_ind_problemas p
    left join tb_dim_ciap ciap on ciap.co_seq_dim_ciap = p.co_dim_ciap
    left join tb_dim_cid cid on cid.co_seq_dim_cid = p.co_dim_cid
),
codigo as (  -- each procedure row's code, and the SIGTAP code an AB code stands for
    select d.co_seq_dim_procedimento as proc, d.co_proced as code from tb_dim_procedimento d
    union
    select d.co_seq_dim_procedimento, r.co_proced
    from tb_dim_procedimento d
    join tb_dim_procedimento r on r.co_seq_dim_procedimento = d.co_seq_dim_proced_ref_ab
),
exame as (  -- requested (S) and evaluated (A) in an FAI, performed (R), with the CBO
    select rp.co_pessoa, to_date(x.co_dim_tempo::text, 'YYYYMMDD') as dt, cbo.nu_cbo,
           k.code, m.modo
    from tb_fat_atd_ind_procedimentos x
    join rp on rp.fat = x.co_fat_cidadao_pec
    left join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = x.co_dim_cbo_1
    cross join lateral (values ('S', x.co_dim_procedimento_solicitado),
                               ('A', x.co_dim_procedimento_avaliado)) m(modo, proc)
    join codigo k on k.proc = m.proc
    where x.co_dim_tempo <> 30001231
    union all
    select rp.co_pessoa, to_date(x.co_dim_tempo::text, 'YYYYMMDD'), cbo.nu_cbo, k.code, 'R'
    from tb_fat_proced_atend_proced x
    join rp on rp.fat = x.co_fat_cidadao_pec
    left join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = x.co_dim_cbo
    join codigo k on k.proc = x.co_dim_procedimento
    where x.co_dim_tempo <> 30001231
),
exame_ate_corte as (
    select * from exame where dt <= (select corte from mes)
),
medida as (  -- weight and height records: FAI, escuta/procedure attendances, visits
    select co_pessoa, dt, nu_cbo, nu_peso > 0 as peso, nu_altura > 0 as altura
    from atendimento
    union all
    select rp.co_pessoa, to_date(a.co_dim_tempo::text, 'YYYYMMDD'), cbo.nu_cbo,
           a.nu_peso > 0, a.nu_altura > 0
    from tb_fat_proced_atend a
    join rp on rp.fat = a.co_fat_cidadao_pec
    left join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = a.co_dim_cbo
    where a.co_dim_tempo <> 30001231
    union all
    select rp.co_pessoa, to_date(v.co_dim_tempo::text, 'YYYYMMDD'), cbo.nu_cbo,
           v.nu_peso > 0, v.nu_altura > 0
    from tb_fat_visita_domiciliar v
    join rp on rp.fat = v.co_fat_cidadao_pec
    left join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = v.co_dim_cbo
    where v.co_dim_tempo <> 30001231
    union all
    select co_pessoa, dt, nu_cbo, code in ('0101040024', '0101040083'),
           code in ('0101040024', '0101040075')
    from exame where modo = 'R' and code in ('0101040024', '0101040083', '0101040075')
),
antropometria as (  -- days with a weight and a height, each by a CBO of the set
    select co_pessoa, dt from medida
    where @ANTROPO@ and dt <= (select corte from mes)
    group by co_pessoa, dt
    having bool_or(coalesce(peso, false)) and bool_or(coalesce(altura, false))
),
pressao as (  -- days with a blood pressure by a CBO of the set
    select co_pessoa, dt from atendimento
    where nu_pressao_sistolica > 0 and nu_pressao_diastolica > 0 and @PRESSAO@
    union
    select rp.co_pessoa, to_date(a.co_dim_tempo::text, 'YYYYMMDD')
    from tb_fat_proced_atend a
    join rp on rp.fat = a.co_fat_cidadao_pec
    join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = a.co_dim_cbo
    where a.nu_pressao_sistolica > 0 and a.nu_pressao_diastolica > 0 and @PRESSAO@
      and a.co_dim_tempo <> 30001231
      and to_date(a.co_dim_tempo::text, 'YYYYMMDD') <= (select corte from mes)
    union
    select rp.co_pessoa, to_date(v.co_dim_tempo::text, 'YYYYMMDD')
    from tb_fat_visita_domiciliar v
    join rp on rp.fat = v.co_fat_cidadao_pec
    join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = v.co_dim_cbo
    where nullif(trim(v.nu_medicao_pressao_arterial), '') is not null and @PRESSAO@
      and v.co_dim_tempo <> 30001231
      and to_date(v.co_dim_tempo::text, 'YYYYMMDD') <= (select corte from mes)
    union
    select co_pessoa, dt from exame_ate_corte
    where modo = 'R' and code = '0301100039' and @PRESSAO@
),
visita as (  -- home visits by ACS or TACS, any desfecho
    select rp.co_pessoa, to_date(v.co_dim_tempo::text, 'YYYYMMDD') as dt,
           v.st_acomp_recem_nascido = 1 or v.st_acomp_crianca = 1 as crianca
    from tb_fat_visita_domiciliar v
    join rp on rp.fat = v.co_fat_cidadao_pec
    join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = v.co_dim_cbo
    where cbo.nu_cbo in ('515105', '322255')
      and v.co_dim_tempo <> 30001231
      and to_date(v.co_dim_tempo::text, 'YYYYMMDD') <= (select corte from mes)
),
vacina as (  -- doses applied or transcribed, by application date, codes without zeros
    select rp.co_pessoa,
           coalesce(to_date(nullif(v.co_dim_tempo_vacina_aplicada, 30001231)::text,
                            'YYYYMMDD'),
                    to_date(nullif(v.co_dim_tempo, 30001231)::text, 'YYYYMMDD')) as dt,
           ltrim(i.nu_identificador, '0') as code
    from tb_fat_vacinacao_vacina v
    join tb_fat_vacinacao h on h.co_seq_fat_vacinacao = v.co_fat_vacinacao
    join rp on rp.fat = h.co_fat_cidadao_pec
    join tb_dim_imunobiologico i on i.co_seq_dim_imunobiologico = v.co_dim_imunobiologico
),
vacina_ate_corte as (
    select * from vacina where dt <= (select corte from mes)
)
"""

# -- C1: per team (INE of the attendance's team, of type 70/76) -------------------------------
C1 = """
select te.nu_ine,
       count(*) filter (where ta.nu_identificador in ('1', '2')) as programadas,
       count(*) filter (where ta.nu_identificador in ('4', '5', '6')) as espontaneas
from tb_fat_atendimento_individual f
join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = f.co_dim_cbo_1
join tipo_equipe te on te.equipe = f.co_dim_equipe_1
join tb_dim_tipo_atendimento ta on ta.co_seq_dim_tipo_atendimento = f.co_dim_tipo_atendimento
where cbo.nu_cbo in ('225142', '225170', '225130', '225125', '225250', '223565', '223505')
  and te.nu_ms in ('70', '76')
  and f.co_dim_unidade_saude_1 <> 1
  and f.co_dim_tempo <> 30001231
  and to_date(f.co_dim_tempo::text, 'YYYYMMDD') between (select ini from mes)
                                                   and (select corte from mes)
  and ta.nu_identificador in ('1', '2', '4', '5', '6')
group by te.nu_ine
"""


def _aniversario(day: str, interval: str) -> str:
    """The anniversary as the rules define it: the same day of the month, or the next day
    when that month has none (29 Feb + 2 years = 1 Mar, 31 Aug + 6 months = 1 Mar)."""
    later = f"({day} + interval '{interval}')"
    return (
        f"({later}::date + case when extract(day from {later}) <> extract(day from {day}) "
        "then 1 else 0 end)"
    )


# -- C2 -------------------------------------------------------------------------------------
C2 = f""",
crianca as (
    select e.*,
           {_aniversario("e.nascimento", "2 years")} as dois_anos,
           {_aniversario("e.nascimento", "1 year")} as um_ano,
           {_aniversario("e.nascimento", "6 months")} as seis_meses
    from elegivel e
    where e.nascimento <= (select fim from mes)
      and {_aniversario("e.nascimento", "2 years")} >= (select ini from mes)
),
puericultura as (
    select c.co_pessoa, c.dt, c.participacao
    from consulta c
    where exists (select 1 from problema p where p.id = c.id
                  and (p.ciap in ('A98', 'ABP004') or p.cid = 'Z001'))
),
c2_a as (
    select distinct k.co_pessoa from crianca k
    join puericultura p on p.co_pessoa = k.co_pessoa
    where p.participacao in ('2', '-') and p.dt between k.nascimento and k.nascimento + 30
),
c2_b as (
    select k.co_pessoa from crianca k
    join puericultura p on p.co_pessoa = k.co_pessoa
    where p.dt between k.nascimento and k.dois_anos
    group by k.co_pessoa having count(distinct p.dt) >= 9
),
c2_c as (
    select k.co_pessoa from crianca k
    join (select co_pessoa, dt from antropometria
          union
          select co_pessoa, dt from exame_ate_corte
          where modo = 'R' and code = '0301010269' and left(nu_cbo, 4) in @MED_ENF@) a
      on a.co_pessoa = k.co_pessoa
    where a.dt between k.nascimento and k.dois_anos
    group by k.co_pessoa having count(distinct a.dt) >= 9
),
c2_primeira_visita as (
    select k.co_pessoa, min(v.dt) as dt from crianca k
    join visita v on v.co_pessoa = k.co_pessoa
    where v.crianca and v.dt between k.nascimento and k.nascimento + 30
    group by k.co_pessoa
),
c2_d as (
    select k.co_pessoa from crianca k where k.is_eap
    union
    select k.co_pessoa from crianca k
    join c2_primeira_visita f on f.co_pessoa = k.co_pessoa
    where exists (select 1 from visita v where v.co_pessoa = k.co_pessoa and v.crianca
                  and v.dt > f.dt and v.dt <= k.seis_meses)
),
componente(comp, code, doses) as (
    values ('dtp', '29', 3), ('dtp', '39', 3), ('dtp', '42', 3), ('dtp', '43', 3),
           ('dtp', '46', 3), ('dtp', '47', 3), ('dtp', '58', 3),
           ('hepb', '9', 3), ('hepb', '42', 3), ('hepb', '43', 3),
           ('hib', '17', 3), ('hib', '29', 3), ('hib', '39', 3), ('hib', '42', 3),
           ('hib', '43', 3),
           ('polio', '22', 3), ('polio', '29', 3), ('polio', '43', 3), ('polio', '58', 3),
           ('pneumo', '26', 2), ('pneumo', '59', 2), ('pneumo', '106', 2), ('pneumo', '107', 2)
),
dose as (  -- distinct days of each component by the 2nd birthday, in order
    select co_pessoa, comp, dt, row_number() over (partition by co_pessoa, comp order by dt) n
    from (select distinct k.co_pessoa, m.comp, v.dt
          from crianca k
          join vacina_ate_corte v on v.co_pessoa = k.co_pessoa
          join componente m on m.code = v.code
          where v.dt between k.nascimento and k.dois_anos) x
),
contada(co_pessoa, comp, n, ultima, total) as (  -- a dose counts 30 days after the last
    select co_pessoa, comp, n, dt, 1 from dose where n = 1
    union all
    select c.co_pessoa, c.comp, d.n,
           case when d.dt >= c.ultima + 30 then d.dt else c.ultima end,
           c.total + (d.dt >= c.ultima + 30)::int
    from contada c
    join dose d on d.co_pessoa = c.co_pessoa and d.comp = c.comp and d.n = c.n + 1
),
completo as (
    select co_pessoa, comp, max(total) as total from contada group by co_pessoa, comp
),
triplice as (  -- SCR/SCRV on different days from the 1st birthday
    select k.co_pessoa from crianca k
    join vacina_ate_corte v on v.co_pessoa = k.co_pessoa
    where v.code in ('24', '56') and v.dt between k.um_ano and k.dois_anos
    group by k.co_pessoa having count(distinct v.dt) >= 2
),
c2_e as (
    select co_pessoa from triplice
    where co_pessoa in (select co_pessoa from completo
                        where total >= case comp when 'pneumo' then 2 else 3 end
                        group by co_pessoa having count(*) = 5)
)
select 'C2' as indicador, k.co_pessoa, null::date as dt_dum,
       k.dois_anos between (select ini from mes) and (select fim from mes)
           and k.has_documento as is_denominador,
       20 * ((k.co_pessoa in (select co_pessoa from c2_a))::int
             + (k.co_pessoa in (select co_pessoa from c2_b))::int
             + (k.co_pessoa in (select co_pessoa from c2_c))::int
             + (k.co_pessoa in (select co_pessoa from c2_d))::int
             + (k.co_pessoa in (select co_pessoa from c2_e))::int) as vl_pontos,
       null::int as vl_pontos_possiveis,
       concat(case when k.co_pessoa in (select co_pessoa from c2_a) then 'A' end,
              case when k.co_pessoa in (select co_pessoa from c2_b) then 'B' end,
              case when k.co_pessoa in (select co_pessoa from c2_c) then 'C' end,
              case when k.co_pessoa in (select co_pessoa from c2_d) then 'D' end,
              case when k.co_pessoa in (select co_pessoa from c2_e) then 'E' end) as praticas
from crianca k
"""

# -- C3: per gestation ------------------------------------------------------------------------
GESTACAO_CIAP = "('W03', 'W78', 'W79', 'W81', 'W84', 'W85', 'ABP001')"
GESTACAO_CID3 = (
    "('O10', 'O11', 'O12', 'O13', 'O14', 'O15', 'O16', 'O20', 'O21', 'O22', 'O23', 'O24', "
    "'O25', 'O26', 'O28', 'O29', 'O30', 'O31', 'O32', 'O33', 'O34', 'O35', 'O36', 'O40', "
    "'O41', 'O43', 'O44', 'O46', 'O47', 'O48', 'O98', 'Z33', 'Z34', 'Z35', 'Z36')"
)
GESTACAO_CID4 = (
    "('O752', 'O753', 'O990', 'O991', 'O992', 'O993', 'O994', 'O995', 'O996', 'O997', "
    "'Z321', 'Z640')"
)
PARTO = "(p.ciap in ('W90', 'W91', 'W92', 'W93') or left(p.cid, 3) in ('Z37', 'Z38', 'Z39'))"
ABORTO = (
    "(p.ciap in ('W82', 'W83') or left(p.cid, 3) in ('O02', 'O03', 'O04', 'O05', 'O06') "
    "or p.cid = 'Z303')"
)
PUERPERIO = (
    "(p.ciap in ('48', '49', '-48', '-49', 'P29', 'W18', 'W19', 'W70', 'W90', 'W91', 'W92', "
    "'W93', 'W94', 'W95', 'W96', 'ABP002') "
    "or left(p.cid, 3) in ('F53', 'O10', 'O85', 'O86', 'O87', 'O90', 'O91', 'O92', 'O94', "
    "'O98', 'O99', 'Z38', 'Z39') "
    "or p.cid in ('M830', 'O152', 'O266', 'O722', 'O723', 'Z370', 'Z371', 'Z372', 'Z373', "
    "'Z374', 'Z375', 'Z376', 'Z377', 'Z379'))"
)
C3 = f""",
atendimento_gestacao as (  -- FAI by médico/enfermeiro with a gestation code
    select a.* from atendimento a
    where left(a.nu_cbo, 4) in @MED_ENF@
      and exists (select 1 from problema p where p.id = a.id
                  and (p.ciap in {GESTACAO_CIAP} or left(p.cid, 3) in {GESTACAO_CID3}
                       or p.cid in {GESTACAO_CID4}))
),
desfecho as (  -- attendances by médico/enfermeiro with a delivery or an abortion code
    select a.co_pessoa, a.dt,
           bool_or({PARTO}) as parto, bool_or({ABORTO}) as aborto
    from atendimento a join problema p on p.id = a.id
    where left(a.nu_cbo, 4) in @MED_ENF@ and ({PARTO} or {ABORTO})
    group by a.co_pessoa, a.dt
),
registro_gestacao as (
    select g.*,
           case when g.dum_key is not null
                     and to_date(g.dum_key::text, 'YYYYMMDD') between g.dt - 294 and g.dt
                then to_date(g.dum_key::text, 'YYYYMMDD')
                when g.nu_idade_gestacional_semanas between 1 and 42
                then g.dt - 7 * g.nu_idade_gestacional_semanas
           end as dum_registro,
           lag(g.dt) over (partition by g.co_pessoa order by g.dt, g.id) as anterior
    from atendimento_gestacao g
),
inicio as (  -- a record starts a gestation: the first, or DUM after / 294 days / an outcome
    select r.*,
           (r.anterior is null or r.dum_registro > r.anterior or r.dt - r.anterior > 294
            or exists (select 1 from desfecho d where d.co_pessoa = r.co_pessoa
                       and d.dt > r.anterior and d.dt <= r.dt)) as novo
    from registro_gestacao r
),
numerado as (
    select i.*, sum(i.novo::int) over (partition by i.co_pessoa order by i.dt, i.id)
               as nu_gestacao
    from inicio i
),
gestacao0 as (  -- the DUM of the first record of each gestation
    select distinct on (co_pessoa, nu_gestacao) co_pessoa, nu_gestacao, dum_registro as dum
    from numerado order by co_pessoa, nu_gestacao, dt, id
),
gestacao as (
    select g.co_pessoa, g.nu_gestacao, g.dum,
           coalesce((select min(d.dt) from desfecho d where d.co_pessoa = g.co_pessoa
                     and d.parto and d.dt between g.dum and g.dum + 294), g.dum + 294) as fim
    from gestacao0 g
    where g.dum is not null
),
lista3 as (
    select g.*, e.is_eap, e.has_documento
    from gestacao g join elegivel e on e.co_pessoa = g.co_pessoa
    where g.dum <= (select fim from mes) and g.fim + 42 >= (select ini from mes)
      and not exists (select 1 from desfecho d where d.co_pessoa = g.co_pessoa and d.aborto
                      and d.dt between g.dum and g.fim)
),
consulta_gestacao as (
    select c.co_pessoa, c.dt from consulta c
    where c.id in (select id from atendimento_gestacao)
),
exame3 as (  -- performed or evaluated, by médico, enfermeiro, 2234 or 3222, agent by code
    select x.co_pessoa, x.dt,
           case when x.code in ('0214010040', '0214010279', '0214010058', '0213010780',
                                '0213010500', '0202030300') then 'hiv'
                when x.code in ('0214010074', '0214010082', '0214010252', '0202031098',
                                '0202031110', '0202031179') then 'sifilis'
                when x.code in ('0214010104', '0214010236', '0202030784', '0202030970',
                                '0213010208') then 'hepb'
                when x.code in ('0214010090', '0214010309', '0202030059', '0202030679')
                then 'hepc' end as agente
    from exame_ate_corte x
    where x.modo in ('R', 'A')
      and left(x.nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235', '2234', '3222')
),
pratica3 as (
    select l.co_pessoa, l.dum,
      exists (select 1 from consulta_gestacao c where c.co_pessoa = l.co_pessoa
              and c.dt between l.dum and l.dum + 90) as a,
      (select count(distinct c.dt) from consulta_gestacao c where c.co_pessoa = l.co_pessoa
       and c.dt between l.dum and l.fim) >= 7 as b,
      (select count(distinct p.dt) from pressao p where p.co_pessoa = l.co_pessoa
       and p.dt between l.dum and l.fim) >= 7 as c,
      (select count(distinct a.dt) from antropometria a where a.co_pessoa = l.co_pessoa
       and a.dt between l.dum and l.fim) >= 7 as d,
      l.is_eap or (select count(distinct v.dt) from visita v where v.co_pessoa = l.co_pessoa
                   and v.dt <= l.fim
                   and v.dt > (select min(c.dt) from consulta_gestacao c
                               where c.co_pessoa = l.co_pessoa
                                 and c.dt between l.dum and l.fim)) >= 3 as e,
      exists (select 1 from vacina_ate_corte v where v.co_pessoa = l.co_pessoa
              and v.code = '57' and v.dt between l.dum + 140 and l.fim) as f,
      (select count(distinct x.agente) from exame3 x where x.co_pessoa = l.co_pessoa
       and x.agente is not null and x.dt between l.dum and least(l.dum + 97, l.fim)) = 4
          as g,
      (select count(distinct x.agente) from exame3 x where x.co_pessoa = l.co_pessoa
       and x.agente in ('hiv', 'sifilis') and x.dt between l.dum + 196 and l.fim) = 2 as h,
      exists (select 1 from consulta c join problema p on p.id = c.id
              where c.co_pessoa = l.co_pessoa and c.dt > l.fim and c.dt <= l.fim + 42
                and {PUERPERIO}) as i,
      l.is_eap or exists (select 1 from visita v where v.co_pessoa = l.co_pessoa
                          and v.dt > l.fim and v.dt <= l.fim + 42) as j,
      exists (select 1 from (
                  select rp.co_pessoa, to_date(o.co_dim_tempo::text, 'YYYYMMDD') as dt,
                         cbo.nu_cbo
                  from tb_fat_atendimento_odonto o
                  join rp on rp.fat = o.co_fat_cidadao_pec
                  join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = o.co_dim_cbo_1
                  where o.co_dim_tempo <> 30001231
                  union all
                  select co_pessoa, dt, nu_cbo from exame where modo = 'R') o
              where o.co_pessoa = l.co_pessoa
                and (left(o.nu_cbo, 4) = '2232' or o.nu_cbo in ('322405', '322425'))
                and o.dt between l.dum and least(l.fim, (select corte from mes))) as k
    from lista3 l
)
select 'C3' as indicador, l.co_pessoa, l.dum as dt_dum,
       l.fim + 42 between (select ini from mes) and (select fim from mes)
           and l.has_documento as is_denominador,
       10 * p.a::int + 9 * (p.b::int + p.c::int + p.d::int + p.e::int + p.f::int + p.g::int
                            + p.h::int + p.i::int + p.j::int + p.k::int) as vl_pontos,
       null::int as vl_pontos_possiveis,
       concat(case when p.a then 'A' end, case when p.b then 'B' end,
              case when p.c then 'C' end, case when p.d then 'D' end,
              case when p.e then 'E' end, case when p.f then 'F' end,
              case when p.g then 'G' end, case when p.h then 'H' end,
              case when p.i then 'I' end, case when p.j then 'J' end,
              case when p.k then 'K' end) as praticas
from lista3 l join pratica3 p on p.co_pessoa = l.co_pessoa and p.dum = l.dum
"""

# -- C4 and C5: the condition assessed and active, practices in the last 6/12 months --------
CONDICAO = """,
condicao_linha as (  -- rows of the condition assessed by médico/enfermeiro
    select rp.co_pessoa, p.co_seq_fat_atend_ind_problemas as id,
           to_date(p.co_dim_tempo::text, 'YYYYMMDD') as dt,
           coalesce(p.nu_uuid_problema, 'linha' || p.co_seq_fat_atend_ind_problemas)
               as problema,
           s.nu_identificador as situacao
    from tb_fat_atd_ind_problemas p
    join rp on rp.fat = p.co_fat_cidadao_pec
    join tb_dim_cbo cbo on cbo.co_seq_dim_cbo = p.co_dim_cbo_1
    left join tb_dim_ciap ciap on ciap.co_seq_dim_ciap = p.co_dim_ciap
    left join tb_dim_cid cid on cid.co_seq_dim_cid = p.co_dim_cid
    left join tb_dim_situacao_problema s on s.co_seq_dim_situacao = p.co_dim_situacao_problema
    where left(cbo.nu_cbo, 4) in @MED_ENF@
      and coalesce(p.st_avaliado, 1) = 1
      and p.co_dim_tempo <> 30001231
      and to_date(p.co_dim_tempo::text, 'YYYYMMDD') between date '2013-01-01'
                                                       and (select corte from mes)
      and (@CONDITION@)
),
ultima_situacao as (  -- each problem's latest situation up to the cut date
    select distinct on (co_pessoa, problema) co_pessoa, problema, situacao
    from condicao_linha order by co_pessoa, problema, dt desc, id desc
),
lista_condicao as (
    select e.* from elegivel e
    where e.co_pessoa in (select co_pessoa from ultima_situacao
                          where coalesce(situacao, '-') <> '2')
),
visitas12 as (
    select co_pessoa from visita where dt >= (select w12 from mes)
    group by co_pessoa having max(dt) - min(dt) >= 30
),
pratica_condicao as (
    select l.co_pessoa, l.has_documento,
      exists (select 1 from consulta c where c.co_pessoa = l.co_pessoa
              and c.dt >= (select w6 from mes)) as a,
      exists (select 1 from pressao p where p.co_pessoa = l.co_pessoa
              and p.dt >= (select w6 from mes)) as b,
      exists (select 1 from antropometria a where a.co_pessoa = l.co_pessoa
              and a.dt >= (select w12 from mes)) as c,
      l.is_eap or l.co_pessoa in (select co_pessoa from visitas12) as d,
      exists (select 1 from exame_ate_corte x where x.co_pessoa = l.co_pessoa
              and x.code in ('0202010503', 'ABEX008') and x.dt >= (select w12 from mes)
              and (left(x.nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235', '3222',
                                         '2232', '2237', '2234'))) as e,
      exists (select 1 from exame_ate_corte x where x.co_pessoa = l.co_pessoa
              and x.modo = 'R' and x.code = '0301040095' and x.dt >= (select w12 from mes)
              and left(x.nu_cbo, 4) in ('2251', '2252', '2253', '2231', '2235', '2234',
                                        '2236', '2239')) as f
    from lista_condicao l
)
"""
C4 = (
    CONDICAO.replace(
        "@CONDITION@",
        "ciap.nu_ciap in ('T89', 'T90') or left(cid.nu_cid, 3) in ('E10', 'E11', 'E14')",
    )
    + """
select 'C4' as indicador, co_pessoa, null::date as dt_dum, has_documento as is_denominador,
       20 * a::int + 15 * b::int + 15 * c::int + 20 * d::int + 15 * e::int + 15 * f::int
           as vl_pontos,
       null::int as vl_pontos_possiveis,
       concat(case when a then 'A' end, case when b then 'B' end, case when c then 'C' end,
              case when d then 'D' end, case when e then 'E' end, case when f then 'F' end)
           as praticas
from pratica_condicao
"""
)
C5 = (
    CONDICAO.replace(
        "@CONDITION@",
        (
            "ciap.nu_ciap in ('K86', 'K87') or cid.nu_cid in ('I10', 'I11', 'I110', 'I119', "
            "'I12', 'I120', 'I129', 'I13', 'I130', 'I131', 'I132', 'I139', 'I15', 'I150', "
            "'I151', 'I152', 'I158', 'I159', 'O10', 'O100', 'O101', 'O102', 'O103', 'O104', "
            "'O109', 'O11')"
        ),
    )
    + """
select 'C5' as indicador, co_pessoa, null::date as dt_dum, has_documento as is_denominador,
       25 * (a::int + b::int + c::int + d::int) as vl_pontos,
       null::int as vl_pontos_possiveis,
       concat(case when a then 'A' end, case when b then 'B' end, case when c then 'C' end,
              case when d then 'D' end) as praticas
from pratica_condicao
"""
)

# -- C6 ---------------------------------------------------------------------------------------
C6 = """,
idoso as (
    select * from elegivel where idade >= 60
),
pratica6 as (
    select i.co_pessoa, i.has_documento,
      exists (select 1 from consulta c where c.co_pessoa = i.co_pessoa
              and c.dt >= (select w12 from mes)) as a,
      exists (select 1 from antropometria a where a.co_pessoa = i.co_pessoa
              and a.dt >= (select w12 from mes)) as b,
      i.is_eap or (select max(v.dt) - min(v.dt) from visita v where v.co_pessoa = i.co_pessoa
                   and v.dt >= (select w12 from mes)) >= 30 as c,
      exists (select 1 from vacina_ate_corte v where v.co_pessoa = i.co_pessoa
              and v.code in ('33', '77') and v.dt >= (select w12 from mes)) as d
    from idoso i
)
select 'C6' as indicador, co_pessoa, null::date as dt_dum, has_documento as is_denominador,
       25 * (a::int + b::int + coalesce(c, false)::int + d::int) as vl_pontos,
       null::int as vl_pontos_possiveis,
       concat(case when a then 'A' end, case when b then 'B' end, case when c then 'C' end,
              case when d then 'D' end) as praticas
from pratica6
"""

# -- C7 ---------------------------------------------------------------------------------------
SSR_CIAP = (
    "('B25', 'W02', 'W10', 'W11', 'W12', 'W13', 'W14', 'W15', 'W79', 'W82', 'X01', 'X02', "
    "'X03', 'X04', 'X05', 'X06', 'X07', 'X08', 'X09', 'X10', 'X11', 'X12', 'X13', 'X23', "
    "'X24', 'X82', 'X89', 'Y14', 'ABP003', 'ABP022', 'ABP023')"
)
SSR_CID = (
    "('N80', 'N800', 'N801', 'N802', 'N803', 'N804', 'N805', 'N806', 'N808', 'N809', 'N91', "
    "'N910', 'N911', 'N912', 'N913', 'N914', 'N915', 'N92', 'N920', 'N921', 'N922', 'N923', "
    "'N924', 'N925', 'N926', 'N93', 'N930', 'N938', 'N939', 'N94', 'N940', 'N941', 'N942', "
    "'N943', 'N944', 'N945', 'N946', 'N948', 'N949', 'N95', 'N950', 'N951', 'N952', 'N953', "
    "'N958', 'N959', 'N96', 'N97', 'N970', 'N971', 'N972', 'N973', 'N974', 'N978', 'N979', "
    "'O03', 'O04', 'R102', 'T742', 'Y050', 'Y051', 'Y052', 'Y053', 'Y054', 'Y055', 'Y056', "
    "'Y057', 'Y058', 'Y059', 'Z123', 'Z124', 'Z205', 'Z206', 'Z30', 'Z300', 'Z301', 'Z302', "
    "'Z303', 'Z304', 'Z305', 'Z308', 'Z309', 'Z31', 'Z310', 'Z311', 'Z312', 'Z313', 'Z314', "
    "'Z315', 'Z316', 'Z318', 'Z319', 'Z320', 'Z600', 'Z630', 'Z640', 'Z70', 'Z700', 'Z701', "
    "'Z702', 'Z703', 'Z708', 'Z709', 'Z717', 'Z725')"
)
C7 = f""",
mulher as (
    select e.*,
           {_aniversario("e.nascimento", "9 years")} as nove_anos,
           {_aniversario("e.nascimento", "15 years")} as quinze_anos
    from elegivel e
    where e.idade between 9 and 69
      and ((e.sexo = '1' and coalesce(e.identidade, '-') <> '150')
           or (e.sexo = '0' and e.identidade = '149'))
),
pratica7 as (
    select m.co_pessoa, m.has_documento,
      m.idade between 25 and 64 as em_a,
      m.sexo = '1' and m.idade between 9 and 14 as em_b,
      m.idade between 14 and 69 as em_c,
      m.idade between 50 and 69 as em_d,
      exists (select 1 from exame_ate_corte x where x.co_pessoa = m.co_pessoa
              and left(x.nu_cbo, 4) in @MED_ENF@
              and ((x.dt >= (select w36 from mes)
                    and ((x.modo = 'R' and x.code in ('0201020033', '0201020076',
                                                      '0201020084'))
                         or (x.modo in ('S', 'A')
                             and x.code in ('0203010086', '0203010019', '0201020033',
                                            'ABEX001', '0201020076', '0201020084'))))
                   or (x.code = '0202100251' and x.dt >= (select w60 from mes)
                       and (select ini from mes) >= date '2026-01-01')))
      or exists (select 1 from consulta c join problema p on p.id = c.id
                 where c.co_pessoa = m.co_pessoa and p.ciap = 'ABP022'
                   and c.dt >= (select w36 from mes)) as a,
      exists (select 1 from vacina_ate_corte v where v.co_pessoa = m.co_pessoa
              and v.code in ('67', '93') and v.dt >= m.nove_anos and v.dt < m.quinze_anos)
          as b,
      exists (select 1 from consulta c join problema p on p.id = c.id
              where c.co_pessoa = m.co_pessoa and c.dt >= (select w12 from mes)
                and (p.ciap in {SSR_CIAP} or p.cid in {SSR_CID})) as c,
      exists (select 1 from exame_ate_corte x where x.co_pessoa = m.co_pessoa
              and x.modo in ('S', 'A') and x.code in ('0204030030', '0204030188')
              and left(x.nu_cbo, 4) in @MED_ENF@ and x.dt >= (select w24 from mes))
      or exists (select 1 from consulta c join problema p on p.id = c.id
                 where c.co_pessoa = m.co_pessoa and p.ciap = 'ABP023'
                   and c.dt >= (select w24 from mes)) as d
    from mulher m
)
select 'C7' as indicador, co_pessoa, null::date as dt_dum, has_documento as is_denominador,
       20 * (em_a and a)::int + 30 * (em_b and b)::int + 30 * (em_c and c)::int
           + 20 * (em_d and d)::int as vl_pontos,
       20 * em_a::int + 30 * em_b::int + 30 * em_c::int + 20 * em_d::int
           as vl_pontos_possiveis,
       concat(case when em_a and a then 'A' end, case when em_b and b then 'B' end,
              case when em_c and c then 'C' end, case when em_d and d then 'D' end)
           as praticas
from pratica7
"""

SQL = {"C2": C2, "C3": C3, "C4": C4, "C5": C5, "C6": C6, "C7": C7}


@dataclass(frozen=True, slots=True)
class Row:
    """A person's (C3: a gestation's) result in the competência."""

    is_denominador: bool
    vl_pontos: int
    vl_pontos_possiveis: int | None
    praticas: str


def query(indicator: str) -> str:
    text = BASE + (C1 if indicator == "C1" else SQL[indicator])
    for marker, value in (("@MED_ENF@", MED_ENF), ("@ANTROPO@", ANTROPO), ("@PRESSAO@", PRESSAO)):
        text = text.replace(marker, value)
    return text


def person_results(
    conn: psycopg.Connection, indicator: str, reference: date
) -> dict[tuple[int, date | None], Row]:
    """(co_pessoa, DUM for C3 else None) -> the person's row, for R's competência."""
    rows = conn.execute(query(indicator), {"r": reference}).fetchall()
    out = {}
    for _, co_pessoa, dum, den, points, possible, practices in rows:
        out[(int(co_pessoa), dum)] = Row(bool(den), int(points), possible, practices)
    return out


def team_c1(conn: psycopg.Connection, reference: date) -> dict[str, tuple[int, int]]:
    """INE -> (programadas, espontâneas) of R's competência."""
    rows = conn.execute(query("C1"), {"r": reference}).fetchall()
    return {ine: (int(p), int(e)) for ine, p, e in rows}
