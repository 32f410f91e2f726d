-- Encounters of a person with a professional: individual encounters (FAI), dental encounters
-- and home visits, with the professional category and CBO of the main professional, the team
-- and unit of the record. For FAI: the gestational data (DUM, sentinel 30001231 already null
-- in staging, gestational age), the demand type (LEDI, C1) and how the citizen took part
-- (LEDI 1 did not, 2 presencial, 3-7 remote, null not informed). For visits: the outcome and
-- the newborn/child motives (C2 D). One row per source row; the key is
-- (co_municipio_ibge, tipo_atendimento, co_seq_origem).
with

atendimentos as (

    select * from {{ ref('stg_pec__fat_atendimento_individual') }}
    where {{ escopo_municipio() }}

),

atendimentos_odonto as (

    select * from {{ ref('stg_pec__fat_atendimento_odonto') }}
    where {{ escopo_municipio() }}

),

visitas as (

    select * from {{ ref('stg_pec__fat_visita_domiciliar') }}
    where {{ escopo_municipio() }}

),

desfechos_visita as (

    select * from {{ ref('stg_pec__dim_desfecho_visita') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

cbos as (

    select * from {{ ref('stg_pec__dim_cbo') }}
    where {{ escopo_municipio() }}

),

equipes as (

    select * from {{ ref('stg_pec__dim_equipe') }}
    where {{ escopo_municipio() }}

),

unidades as (

    select * from {{ ref('stg_pec__dim_unidade_saude') }}
    where {{ escopo_municipio() }}

),

tipos_atendimento as (

    select * from {{ ref('stg_pec__dim_tipo_atendimento') }}
    where {{ escopo_municipio() }}

),

tipos_participacao as (

    select * from {{ ref('stg_pec__dim_tipo_participacao_atend') }}
    where {{ escopo_municipio() }}

),

todos as (

    select
        co_municipio_ibge,
        'individual' as tipo_atendimento,
        co_seq_fat_atd_ind as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento,
        co_dim_cbo_1 as co_dim_cbo,
        co_dim_equipe_1 as co_dim_equipe,
        co_dim_unidade_saude_1 as co_dim_unidade_saude,
        co_dim_tipo_atendimento,
        co_dim_tp_particip_cidadao,
        dt_dum,
        nu_idade_gestacional_semanas,
        null::boolean as is_visita_realizada,
        null::bigint as co_dim_desfecho_visita,
        null::boolean as is_gestante,
        null::boolean as is_acomp_recem_nascido,
        null::boolean as is_acomp_crianca,
        loaded_at
    from atendimentos

    union all

    select
        co_municipio_ibge,
        'odontologico' as tipo_atendimento,
        co_seq_fat_atd_odnt as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento,
        co_dim_cbo_1 as co_dim_cbo,
        co_dim_equipe_1 as co_dim_equipe,
        co_dim_unidade_saude_1 as co_dim_unidade_saude,
        null::bigint as co_dim_tipo_atendimento,
        null::bigint as co_dim_tp_particip_cidadao,
        null::date as dt_dum,
        null::integer as nu_idade_gestacional_semanas,
        null::boolean as is_visita_realizada,
        null::bigint as co_dim_desfecho_visita,
        is_gestante,
        null::boolean as is_acomp_recem_nascido,
        null::boolean as is_acomp_crianca,
        loaded_at
    from atendimentos_odonto

    union all

    select
        visitas.co_municipio_ibge,
        'visita_domiciliar' as tipo_atendimento,
        visitas.co_seq_fat_visita_domiciliar as co_seq_origem,
        visitas.co_fat_cidadao_pec,
        visitas.dt_visita as dt_atendimento,
        visitas.co_dim_cbo,
        visitas.co_dim_equipe,
        visitas.co_dim_unidade_saude,
        null::bigint as co_dim_tipo_atendimento,
        null::bigint as co_dim_tp_particip_cidadao,
        null::date as dt_dum,
        null::integer as nu_idade_gestacional_semanas,
        coalesce(desfechos_visita.nu_identificador = '1', false) as is_visita_realizada,
        visitas.co_dim_desfecho_visita,
        visitas.is_acomp_gestante as is_gestante,
        visitas.is_acomp_recem_nascido,
        visitas.is_acomp_crianca,
        visitas.loaded_at
    from visitas
    left join desfechos_visita
        on
            visitas.co_municipio_ibge = desfechos_visita.co_municipio_ibge
            and visitas.co_dim_desfecho_visita = desfechos_visita.co_seq_dim_desfecho_visita

),

final as (

    select
        todos.co_municipio_ibge,
        todos.tipo_atendimento,
        todos.co_seq_origem,
        cidadaos_unificados.co_pessoa,
        todos.co_fat_cidadao_pec,
        todos.dt_atendimento,
        cbos.nu_cbo,
        {{ categoria_profissional('cbos.nu_cbo') }} as categoria_profissional,
        coalesce({{ categoria_profissional('cbos.nu_cbo') }} in ('medico', 'enfermeiro'), false)
            as is_medico_enfermeiro,
        equipes.nu_ine,
        unidades.nu_cnes,
        tipos_atendimento.nu_identificador as nu_tipo_atendimento,
        tipos_participacao.nu_identificador as nu_participacao,
        -- LEDI 1: the citizen did not take part (no consulta); not informed (old and CDS
        -- records) counts as presencial (AMB-G6)
        coalesce(tipos_participacao.nu_identificador <> '1', true) as is_participou,
        coalesce(tipos_participacao.nu_identificador = '2', true) as is_presencial,
        todos.dt_dum,
        todos.nu_idade_gestacional_semanas,
        todos.is_visita_realizada,
        todos.is_gestante,
        coalesce(todos.is_acomp_recem_nascido, false) as is_acomp_recem_nascido,
        coalesce(todos.is_acomp_crianca, false) as is_acomp_crianca,
        todos.loaded_at
    from todos
    inner join cidadaos_unificados
        on
            todos.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and todos.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join cbos
        on
            todos.co_municipio_ibge = cbos.co_municipio_ibge
            and todos.co_dim_cbo = cbos.co_seq_dim_cbo
    left join equipes
        on
            todos.co_municipio_ibge = equipes.co_municipio_ibge
            and todos.co_dim_equipe = equipes.co_seq_dim_equipe
    left join unidades
        on
            todos.co_municipio_ibge = unidades.co_municipio_ibge
            and todos.co_dim_unidade_saude = unidades.co_seq_dim_unidade_saude
    left join tipos_atendimento
        on
            todos.co_municipio_ibge = tipos_atendimento.co_municipio_ibge
            and todos.co_dim_tipo_atendimento = tipos_atendimento.co_seq_dim_tipo_atendimento
    left join tipos_participacao
        on
            todos.co_municipio_ibge = tipos_participacao.co_municipio_ibge
            and todos.co_dim_tp_particip_cidadao = tipos_participacao.co_seq_dim_tp_particip_atend

)

select * from final
