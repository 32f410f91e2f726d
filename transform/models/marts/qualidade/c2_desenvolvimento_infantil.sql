-- C2 Cuidado no desenvolvimento infantil: one row per child and competência; the rule is the doc
-- block qualidade_c2 (_qualidade__docs.md). Every practice is anchored at birth: its date is
-- the day it was achieved (the 9th consulta, the 2nd visit, the dose that completed the
-- schedule), and it counts in a competência when that day is on or before dt_corte.
{#-
    Planned without nested loops (for this model's statement only: `set local` ends with its
    transaction). The planner cannot estimate `populacao` (anniversaries compared with
    competências), takes it for one row, and on PostgreSQL 15 loops over it, scanning the
    consultas, medições and visitas again for each child: 10 s for the 598 children of a
    300-citizen sandbox, growing with the square of the município. Hash joins: 0.16 s.
-#}
{{ config(meta={'indicador': 'C2'}, pre_hook="set local enable_nestloop = off") }}

with

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }}

),

populacao as (

    select
        vinculos.*,
        pessoas.dt_nascimento as dt_nascimento_crianca,
        {{ aniversario('pessoas.dt_nascimento', '2 years') }} as dt_segundo_aniversario,
        {{ aniversario('pessoas.dt_nascimento', '6 months') }} as dt_seis_meses
    from {{ ref('int_pessoas_competencias') }} as vinculos
    inner join pessoas
        on
            vinculos.co_municipio_ibge = pessoas.co_municipio_ibge
            and vinculos.co_pessoa = pessoas.co_pessoa
    where
        {{ escopo_municipio('vinculos.co_municipio_ibge') }}
        and vinculos.is_vinculado
        and vinculos.nu_idade <= 2
        and {{ aniversario('pessoas.dt_nascimento', '2 years') }} >= vinculos.dt_competencia

),

consultas as (

    select * from {{ ref('int_consultas_registradas') }}
    where {{ escopo_municipio() }} and is_puericultura

),

medicoes as (

    select * from {{ ref('int_medicoes_registradas') }}
    where {{ escopo_municipio() }} and (is_antropometria or is_avaliacao_crescimento)

),

visitas as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'visita_domiciliar'
        and {{ tem_cbo('acs_tacs') }}
        and (is_acomp_recem_nascido or is_acomp_crianca)

),

esquemas as (

    select * from {{ ref('int_esquemas_vacinais_infantis') }}
    where {{ escopo_municipio() }}

),

dias as (

    -- per child and competência, every day up to dt_corte of the child's first two years that
    -- counts for A/B (consultas), C (medições) or, in the first six months, D (visitas)
    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        'consulta' as tipo,
        consultas.dt_atendimento as dt_dia,
        bool_or(consultas.is_presencial) as is_presencial
    from populacao
    inner join consultas
        on
            populacao.co_municipio_ibge = consultas.co_municipio_ibge
            and populacao.co_pessoa = consultas.co_pessoa
            and consultas.dt_atendimento between populacao.dt_nascimento_crianca
            and least(populacao.dt_segundo_aniversario, populacao.dt_corte)
    group by
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        consultas.dt_atendimento

    union all

    select distinct
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        'medicao' as tipo,
        medicoes.dt_registro as dt_dia,
        null::boolean as is_presencial
    from populacao
    inner join medicoes
        on
            populacao.co_municipio_ibge = medicoes.co_municipio_ibge
            and populacao.co_pessoa = medicoes.co_pessoa
            and medicoes.dt_registro between populacao.dt_nascimento_crianca
            and least(populacao.dt_segundo_aniversario, populacao.dt_corte)

    union all

    select distinct
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        'visita' as tipo,
        visitas.dt_atendimento as dt_dia,
        null::boolean as is_presencial
    from populacao
    inner join visitas
        on
            populacao.co_municipio_ibge = visitas.co_municipio_ibge
            and populacao.co_pessoa = visitas.co_pessoa
            and visitas.dt_atendimento between populacao.dt_nascimento_crianca
            and least(populacao.dt_seis_meses, populacao.dt_corte)

),

conquistas as (

    -- A: the first presencial consulta at 30 days at most; B, C: the 9th day; D: the first
    -- visit (it must be at 30 days at most) and the next one. Counted over the days up to
    -- dt_corte, so a practice is achieved in a competência exactly when its day is on or
    -- before dt_corte.
    select
        co_municipio_ibge,
        co_pessoa,
        dt_competencia,
        min(dt_dia) filter (where tipo = 'consulta' and is_presencial) as dt_primeira_consulta,
        (array_agg(dt_dia order by dt_dia) filter (where tipo = 'consulta'))[9]
            as dt_nona_consulta,
        (array_agg(dt_dia order by dt_dia) filter (where tipo = 'medicao'))[9]
            as dt_nona_medicao,
        (array_agg(dt_dia order by dt_dia) filter (where tipo = 'visita'))[1]
            as dt_primeira_visita,
        (array_agg(dt_dia order by dt_dia) filter (where tipo = 'visita'))[2]
            as dt_segunda_visita,
        count(*) filter (where tipo = 'consulta') as nu_consultas_puericultura,
        count(*) filter (where tipo = 'medicao') as nu_antropometrias,
        count(*) filter (where tipo = 'visita') as nu_visitas
    from dias
    group by co_municipio_ibge, co_pessoa, dt_competencia

),

vacinacao as (

    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        case
            when
                count(*) filter (
                    where esquemas.dt_esquema_completo
                    <= least(populacao.dt_segundo_aniversario, populacao.dt_corte)
                ) = 6
                then max(esquemas.dt_esquema_completo)
        end as dt_esquema_completo,
        string_agg(esquemas.componente, ', ' order by esquemas.componente) filter (
            where
            esquemas.dt_esquema_completo is null
            or esquemas.dt_esquema_completo
            > least(populacao.dt_segundo_aniversario, populacao.dt_corte)
        ) as ds_componentes_incompletos
    from populacao
    inner join esquemas
        on
            populacao.co_municipio_ibge = esquemas.co_municipio_ibge
            and populacao.co_pessoa = esquemas.co_pessoa
    group by populacao.co_municipio_ibge, populacao.co_pessoa, populacao.dt_competencia

),

praticas as (

    select
        populacao.*,
        coalesce(populacao.ds_tipo_equipe = 'eAP', false) as is_equipe_eap,
        coalesce(
            conquistas.dt_primeira_consulta <= populacao.dt_nascimento_crianca + 30, false
        ) as has_primeira_consulta,
        conquistas.dt_nona_consulta is not null as has_consultas,
        conquistas.dt_nona_medicao is not null as has_antropometrias,
        coalesce(
            conquistas.dt_primeira_visita <= populacao.dt_nascimento_crianca + 30
            and conquistas.dt_segunda_visita is not null,
            false
        ) as has_visitas,
        vacinacao.dt_esquema_completo is not null as has_vacinas,
        conquistas.dt_primeira_consulta,
        conquistas.dt_nona_consulta,
        conquistas.dt_nona_medicao,
        conquistas.dt_segunda_visita,
        vacinacao.dt_esquema_completo,
        coalesce(
            vacinacao.ds_componentes_incompletos,
            case when vacinacao.co_pessoa is null then 'todos' end
        ) as ds_componentes_incompletos,
        coalesce(conquistas.nu_consultas_puericultura, 0) as nu_consultas_puericultura,
        coalesce(conquistas.nu_antropometrias, 0) as nu_antropometrias,
        coalesce(conquistas.nu_visitas, 0) as nu_visitas
    from populacao
    left join conquistas
        on
            populacao.co_municipio_ibge = conquistas.co_municipio_ibge
            and populacao.co_pessoa = conquistas.co_pessoa
            and populacao.dt_competencia = conquistas.dt_competencia
    left join vacinacao
        on
            populacao.co_municipio_ibge = vacinacao.co_municipio_ibge
            and populacao.co_pessoa = vacinacao.co_pessoa
            and populacao.dt_competencia = vacinacao.dt_competencia

),

final as (

    select
        {{ colunas_pessoa('praticas', 'pessoas') }},
        praticas.dt_segundo_aniversario,
        coalesce(
            praticas.dt_segundo_aniversario
            between praticas.dt_competencia and praticas.dt_fim_competencia,
            false
        ) as is_coorte_competencia,
        coalesce(
            praticas.dt_segundo_aniversario
            between praticas.dt_competencia and praticas.dt_fim_competencia,
            false
        ) and pessoas.has_documento_valido as is_denominador,
        praticas.is_equipe_eap,
        praticas.has_primeira_consulta,
        case when praticas.has_primeira_consulta then praticas.dt_primeira_consulta end
            as dt_primeira_consulta,
        praticas.dt_nascimento_crianca + 30 as dt_limite_primeira_consulta,
        praticas.has_consultas,
        case when praticas.has_consultas then praticas.dt_nona_consulta end as dt_consultas,
        praticas.dt_segundo_aniversario as dt_limite_consultas,
        praticas.nu_consultas_puericultura,
        praticas.has_antropometrias,
        case when praticas.has_antropometrias then praticas.dt_nona_medicao end
            as dt_antropometrias,
        praticas.dt_segundo_aniversario as dt_limite_antropometrias,
        praticas.nu_antropometrias,
        praticas.has_visitas,
        case when praticas.has_visitas then praticas.dt_segunda_visita end as dt_visitas,
        praticas.dt_seis_meses as dt_limite_visitas,
        praticas.nu_visitas,
        praticas.has_vacinas,
        case when praticas.has_vacinas then praticas.dt_esquema_completo end as dt_vacinas,
        praticas.dt_segundo_aniversario as dt_limite_vacinas,
        praticas.ds_componentes_incompletos,
        (
            case when praticas.has_primeira_consulta then 20 else 0 end
            + case when praticas.has_consultas then 20 else 0 end
            + case when praticas.has_antropometrias then 20 else 0 end
            + case when praticas.has_visitas or praticas.is_equipe_eap then 20 else 0 end
            + case when praticas.has_vacinas then 20 else 0 end
        )::numeric as vl_pontos,
        {{ texto_pendencias([
            ('praticas.has_primeira_consulta',
             'A: sem consulta presencial de puericultura até 30 dias de vida'),
            ('praticas.has_consultas',
             'B: menos de 9 consultas de puericultura até os 2 anos'),
            ('praticas.has_antropometrias',
             'C: menos de 9 registros de peso e altura até os 2 anos'),
            ('praticas.has_visitas or praticas.is_equipe_eap',
             'D: sem visita do ACS/TACS até 30 dias de vida e outra até 6 meses'),
            ('praticas.has_vacinas',
             'E: esquema vacinal incompleto'),
        ]) }} as ds_pendencias
    from praticas
    inner join pessoas
        on
            praticas.co_municipio_ibge = pessoas.co_municipio_ibge
            and praticas.co_pessoa = pessoas.co_pessoa

)

select * from final
