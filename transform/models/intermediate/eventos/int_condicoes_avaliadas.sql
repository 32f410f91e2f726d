-- Conditions assessed in individual encounters (tb_fat_atd_ind_problemas), classified by the
-- code lists of macros/indicadores/codigos.sql: one row per problem row and condition (a code
-- may belong to several, e.g. O10), with the person, the professional category that recorded
-- it (CBO of the problem row), and the problem's situation in this evolution (LEDI 0 ativo,
-- 1 latente, 2 resolvido; PEC 5.3.15+). Previne Brasil lists: hipertensao, diabetes,
-- gestacao, parto, aborto; quality component (C2-C7): the others.
{%- set condicoes = [
    'hipertensao', 'diabetes', 'gestacao', 'parto', 'aborto',
    'diabetes_c4', 'hipertensao_c5', 'puericultura', 'gestacao_c3', 'parto_c3', 'aborto_c3',
    'puerperio', 'saude_sexual_reprodutiva', 'rastreamento_colo_consulta',
    'rastreamento_mama_consulta'
] %}

with

problemas as (

    select * from {{ ref('stg_pec__fat_atd_ind_problemas') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

cids as (

    select * from {{ ref('stg_pec__dim_cid') }}
    where {{ escopo_municipio() }}

),

ciaps as (

    select * from {{ ref('stg_pec__dim_ciap') }}
    where {{ escopo_municipio() }}

),

cbos as (

    select * from {{ ref('stg_pec__dim_cbo') }}
    where {{ escopo_municipio() }}

),

situacoes as (

    select * from {{ ref('stg_pec__dim_situacao_problema') }}
    where {{ escopo_municipio() }}

),

problemas_codificados as (

    select
        problemas.co_municipio_ibge,
        problemas.co_seq_fat_atend_ind_problemas,
        problemas.co_fat_atd_ind,
        problemas.co_fat_cidadao_pec,
        cidadaos_unificados.co_pessoa,
        problemas.dt_atendimento,
        ciaps.nu_ciap,
        cids.nu_cid,
        cbos.nu_cbo,
        {{ categoria_profissional('cbos.nu_cbo') }} as categoria_profissional,
        situacoes.nu_identificador as nu_situacao_problema,
        problemas.is_avaliado,
        problemas.nu_uuid_problema,
        problemas.loaded_at
    from problemas
    inner join cidadaos_unificados
        on
            problemas.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and problemas.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join ciaps
        on
            problemas.co_municipio_ibge = ciaps.co_municipio_ibge
            and problemas.co_dim_ciap = ciaps.co_seq_dim_ciap
    left join cids
        on
            problemas.co_municipio_ibge = cids.co_municipio_ibge
            and problemas.co_dim_cid = cids.co_seq_dim_cid
    left join cbos
        on
            problemas.co_municipio_ibge = cbos.co_municipio_ibge
            and problemas.co_dim_cbo_1 = cbos.co_seq_dim_cbo
    left join situacoes
        on
            problemas.co_municipio_ibge = situacoes.co_municipio_ibge
            and problemas.co_dim_situacao_problema = situacoes.co_seq_dim_situacao

),

condicoes as (

    -- one pass over the problems: the names of every list a row's codes belong to
    select
        problemas_codificados.*,
        condicao
    from problemas_codificados
    cross join lateral unnest(array_remove(array[
        {%- for condicao in condicoes %}
            case when {{ tem_condicao(condicao) }} then '{{ condicao }}' end
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], null)) as condicao

),

final as (

    select
        co_municipio_ibge,
        co_seq_fat_atend_ind_problemas,
        condicao,
        co_pessoa,
        co_fat_cidadao_pec,
        co_fat_atd_ind,
        dt_atendimento,
        nu_ciap,
        nu_cid,
        nu_cbo,
        categoria_profissional,
        coalesce(categoria_profissional in ('medico', 'enfermeiro'), false)
            as is_medico_enfermeiro,
        nu_situacao_problema,
        is_avaliado,
        nu_uuid_problema,
        loaded_at
    from condicoes

)

select * from final
