with

source as (

    select * from {{ source('pec', 'tb_fat_vacinacao') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_vacinacao,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_atendimento,
        {{ pec_dim_id('co_dim_cbo') }} as co_dim_cbo,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_flag('st_gestante') }} as is_gestante,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
