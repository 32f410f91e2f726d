with

source as (

    select * from {{ source('pec', 'tb_dim_situacao_problema') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_situacao,
        {{ pec_code('nu_identificador') }} as nu_identificador,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
