with

source as (

    select * from {{ source('pec', 'tb_dim_cidadao_pec_grupo') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_cidadao_pec_grupo,
        tp_identificacao,
        co_fat_cidadao_pec,
        co_cidadao,
        co_cidadao_master,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
