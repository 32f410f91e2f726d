with

source as (

    select * from {{ source('pec', 'tb_fat_visita_domiciliar') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_visita_domiciliar,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_visita,
        {{ pec_dim_id('co_dim_cbo') }} as co_dim_cbo,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_dim_id('co_dim_desfecho_visita') }} as co_dim_desfecho_visita,
        {{ pec_flag('st_acomp_gestante') }} as is_acomp_gestante,
        {{ pec_flag('st_acomp_pessoa_hipertensao') }} as is_acomp_pessoa_hipertensao,
        {{ pec_flag('st_acomp_pessoa_diabetes') }} as is_acomp_pessoa_diabetes,
        {{ pec_flag('st_acomp_recem_nascido') }} as is_acomp_recem_nascido,
        {{ pec_flag('st_acomp_crianca') }} as is_acomp_crianca,
        nu_medicao_pressao_arterial,
        nu_peso,
        nu_altura,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
