-- Gestations: individual encounters in which a médico or enfermeiro assessed a pregnancy code
-- (CIAP W78..., CID Z34...), grouped per person. DUM of an encounter: co_dim_tempo_dum when
-- known (the sentinel 30001231 is null since staging) and plausible (0-44 weeks before the
-- encounter), else the encounter date minus 7 x nu_idade_gestacional_semanas. An encounter
-- starts a new gestation when it is the person's first, when its DUM falls after the previous
-- pregnancy encounter, when more than 294 days passed since it, or when a delivery or abortion
-- was recorded in between. Gestation DUM: the first recorded DUM, else the first estimate from
-- the gestational age. Expected delivery date DUM + 280 days; the gestation ends at the first
-- delivery/abortion recorded (any professional) after the DUM, else at DUM + 294 days.
with

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where {{ escopo_municipio() }}

),

atendimentos as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where {{ escopo_municipio() }} and tipo_atendimento = 'individual'

),

encontros_gestacao as (

    select distinct
        condicoes.co_municipio_ibge,
        condicoes.co_pessoa,
        condicoes.co_fat_atd_ind,
        condicoes.dt_atendimento,
        atendimentos.dt_dum as dt_dum_registrada,
        atendimentos.nu_idade_gestacional_semanas,
        case
            when
                atendimentos.dt_dum between condicoes.dt_atendimento - 308
                and condicoes.dt_atendimento
                then atendimentos.dt_dum
        end as dt_dum_informada,
        case
            when atendimentos.nu_idade_gestacional_semanas between 0 and 44
                then condicoes.dt_atendimento - 7 * atendimentos.nu_idade_gestacional_semanas::int
        end as dt_dum_pela_idade_gestacional
    from condicoes
    inner join atendimentos
        on
            condicoes.co_municipio_ibge = atendimentos.co_municipio_ibge
            and condicoes.co_fat_atd_ind = atendimentos.co_seq_origem
    where
        condicoes.condicao = 'gestacao'
        and condicoes.is_medico_enfermeiro
        and condicoes.dt_atendimento is not null

),

desfechos as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_atendimento as dt_desfecho,
        -- an encounter coded with both counts as an abortion
        min(condicao) as desfecho
    from condicoes
    where condicao in ('parto', 'aborto') and dt_atendimento is not null
    group by co_municipio_ibge, co_pessoa, dt_atendimento

),

encontros_em_ordem as (

    select
        *,
        coalesce(dt_dum_informada, dt_dum_pela_idade_gestacional) as dt_dum_encontro,
        lag(dt_atendimento) over (
            partition by co_municipio_ibge, co_pessoa
            order by dt_atendimento, co_fat_atd_ind
        ) as dt_encontro_anterior
    from encontros_gestacao

),

encontros_marcados as (

    select
        encontros_em_ordem.*,
        (
            encontros_em_ordem.dt_encontro_anterior is null
            or encontros_em_ordem.dt_dum_encontro > encontros_em_ordem.dt_encontro_anterior
            or encontros_em_ordem.dt_atendimento - encontros_em_ordem.dt_encontro_anterior > 294
            or exists (
                select 1
                from desfechos
                where
                    desfechos.co_municipio_ibge = encontros_em_ordem.co_municipio_ibge
                    and desfechos.co_pessoa = encontros_em_ordem.co_pessoa
                    and desfechos.dt_desfecho >= encontros_em_ordem.dt_encontro_anterior
                    and desfechos.dt_desfecho < encontros_em_ordem.dt_atendimento
            )
        ) as is_inicio_gestacao
    from encontros_em_ordem

),

encontros_numerados as (

    select
        *,
        sum(is_inicio_gestacao::int) over (
            partition by co_municipio_ibge, co_pessoa
            order by dt_atendimento, co_fat_atd_ind
            rows between unbounded preceding and current row
        ) as nu_gestacao
    from encontros_marcados

),

gestacoes_agrupadas as (

    select
        co_municipio_ibge,
        co_pessoa,
        nu_gestacao,
        min(dt_atendimento) as dt_primeiro_atendimento,
        max(dt_atendimento) as dt_ultimo_atendimento,
        count(*) as nu_atendimentos_registrados,
        (
            array_agg(dt_dum_informada order by dt_atendimento, co_fat_atd_ind)
            filter (where dt_dum_informada is not null)
        )[1
        ] as dt_dum_informada,
        (
            array_agg(dt_dum_pela_idade_gestacional order by dt_atendimento, co_fat_atd_ind)
            filter (where dt_dum_pela_idade_gestacional is not null))[1]
            as dt_dum_pela_idade_gestacional
    from encontros_numerados
    group by co_municipio_ibge, co_pessoa, nu_gestacao

),

gestacoes_com_dum as (

    select
        *,
        coalesce(dt_dum_informada, dt_dum_pela_idade_gestacional) as dt_dum,
        dt_dum_informada is null and dt_dum_pela_idade_gestacional is not null
            as is_dum_estimada
    from gestacoes_agrupadas

),

desfechos_da_gestacao as (

    select distinct on (gestacoes.co_municipio_ibge, gestacoes.co_pessoa, gestacoes.nu_gestacao)
        gestacoes.co_municipio_ibge,
        gestacoes.co_pessoa,
        gestacoes.nu_gestacao,
        desfechos.desfecho,
        desfechos.dt_desfecho
    from gestacoes_com_dum as gestacoes
    inner join desfechos
        on
            gestacoes.co_municipio_ibge = desfechos.co_municipio_ibge
            and gestacoes.co_pessoa = desfechos.co_pessoa
            and gestacoes.dt_primeiro_atendimento <= desfechos.dt_desfecho
            and desfechos.dt_desfecho
            <= coalesce(gestacoes.dt_dum, gestacoes.dt_primeiro_atendimento) + 294
    order by
        gestacoes.co_municipio_ibge,
        gestacoes.co_pessoa,
        gestacoes.nu_gestacao,
        desfechos.dt_desfecho

),

final as (

    select
        gestacoes.co_municipio_ibge,
        gestacoes.co_pessoa,
        gestacoes.nu_gestacao::int as nu_gestacao,
        gestacoes.dt_dum,
        gestacoes.is_dum_estimada,
        gestacoes.dt_dum + 280 as dt_provavel_parto,
        gestacoes.dt_primeiro_atendimento,
        gestacoes.dt_ultimo_atendimento,
        gestacoes.nu_atendimentos_registrados,
        desfechos_da_gestacao.desfecho,
        desfechos_da_gestacao.dt_desfecho,
        coalesce(
            desfechos_da_gestacao.dt_desfecho,
            coalesce(gestacoes.dt_dum, gestacoes.dt_primeiro_atendimento) + 294
        ) as dt_fim_gestacao
    from gestacoes_com_dum as gestacoes
    left join desfechos_da_gestacao
        on
            gestacoes.co_municipio_ibge = desfechos_da_gestacao.co_municipio_ibge
            and gestacoes.co_pessoa = desfechos_da_gestacao.co_pessoa
            and gestacoes.nu_gestacao = desfechos_da_gestacao.nu_gestacao

)

select * from final
