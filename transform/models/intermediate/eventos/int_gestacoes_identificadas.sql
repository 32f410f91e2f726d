-- Gestations of the quality component (C3; models/marts/qualidade/_qualidade__docs.md): FAIs
-- in which a médico or enfermeiro assessed a gestation code (list gestacao_c3), grouped per
-- person. The DUM of an attendance is co_dim_tempo_dum when on or before the attendance and at
-- most 294 days before it, else the attendance date - 7 x nu_idade_gestacional_semanas (1-42).
-- An attendance starts a new gestation when it is the person's first, when its DUM falls after
-- the previous gestation attendance, when more than 294 days passed since it, or when a
-- delivery or abortion was recorded in between. The gestation's DUM is its first record's
-- that has one. End D: the first attendance with a delivery code (parto_c3, any professional)
-- from the DUM to DUM + 294, else DUM + 294 (AMB-C3-4); puerpério (D, D + 42]; an abortion
-- code (aborto_c3) from the DUM to D marks the gestation aborted (AMB-C3-5). Gestations
-- without any DUM cannot be placed in time and are left out.
with

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where
        {{ escopo_municipio() }}
        and condicao in ('gestacao_c3', 'parto_c3', 'aborto_c3')
        and dt_atendimento is not null

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
        coalesce(
            case
                when
                    atendimentos.dt_dum between condicoes.dt_atendimento - 294
                    and condicoes.dt_atendimento
                    then atendimentos.dt_dum
            end,
            case
                when atendimentos.nu_idade_gestacional_semanas between 1 and 42
                    then
                        condicoes.dt_atendimento
                        - 7 * atendimentos.nu_idade_gestacional_semanas::int
            end
        ) as dt_dum_encontro
    from condicoes
    inner join atendimentos
        on
            condicoes.co_municipio_ibge = atendimentos.co_municipio_ibge
            and condicoes.co_fat_atd_ind = atendimentos.co_seq_origem
    where condicoes.condicao = 'gestacao_c3' and condicoes.is_medico_enfermeiro

),

desfechos as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_atendimento as dt_desfecho,
        bool_or(condicao = 'parto_c3') as is_parto,
        bool_or(condicao = 'aborto_c3') as is_aborto
    from condicoes
    where condicao in ('parto_c3', 'aborto_c3')
    group by co_municipio_ibge, co_pessoa, dt_atendimento

),

encontros_em_ordem as (

    select
        *,
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
        count(*) as nu_atendimentos_registrados,
        (
            array_agg(dt_dum_encontro order by dt_atendimento, co_fat_atd_ind)
            filter (where dt_dum_encontro is not null)
        )[1] as dt_dum
    from encontros_numerados
    group by co_municipio_ibge, co_pessoa, nu_gestacao

),

partos as (

    select distinct on (gestacoes.co_municipio_ibge, gestacoes.co_pessoa, gestacoes.nu_gestacao)
        gestacoes.co_municipio_ibge,
        gestacoes.co_pessoa,
        gestacoes.nu_gestacao,
        desfechos.dt_desfecho as dt_parto
    from gestacoes_agrupadas as gestacoes
    inner join desfechos
        on
            gestacoes.co_municipio_ibge = desfechos.co_municipio_ibge
            and gestacoes.co_pessoa = desfechos.co_pessoa
            and desfechos.dt_desfecho between gestacoes.dt_dum and gestacoes.dt_dum + 294
    where desfechos.is_parto
    order by
        gestacoes.co_municipio_ibge,
        gestacoes.co_pessoa,
        gestacoes.nu_gestacao,
        desfechos.dt_desfecho

),

com_fim as (

    select
        gestacoes.*,
        partos.dt_parto,
        coalesce(partos.dt_parto, gestacoes.dt_dum + 294) as dt_fim_gestacao
    from gestacoes_agrupadas as gestacoes
    left join partos
        on
            gestacoes.co_municipio_ibge = partos.co_municipio_ibge
            and gestacoes.co_pessoa = partos.co_pessoa
            and gestacoes.nu_gestacao = partos.nu_gestacao
    where gestacoes.dt_dum is not null

),

final as (

    select
        com_fim.co_municipio_ibge,
        com_fim.co_pessoa,
        com_fim.nu_gestacao::int as nu_gestacao,
        com_fim.dt_dum,
        com_fim.dt_primeiro_atendimento,
        com_fim.nu_atendimentos_registrados,
        com_fim.dt_parto,
        com_fim.dt_fim_gestacao,
        com_fim.dt_fim_gestacao + 42 as dt_fim_puerperio,
        exists(
            select 1
            from desfechos
            where
                desfechos.co_municipio_ibge = com_fim.co_municipio_ibge
                and desfechos.co_pessoa = com_fim.co_pessoa
                and desfechos.is_aborto
                and desfechos.dt_desfecho between com_fim.dt_dum and com_fim.dt_fim_gestacao
        ) as is_aborto
    from com_fim

)

select * from final
