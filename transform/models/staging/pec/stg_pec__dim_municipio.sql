with

source as (

    select * from {{ source('pec', 'tb_dim_municipio') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_municipio,
        no_municipio,
        {{ pec_code('co_ibge') }} as co_ibge,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
