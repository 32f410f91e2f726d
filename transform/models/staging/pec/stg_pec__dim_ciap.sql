with

source as (

    select * from {{ source('pec', 'tb_dim_ciap') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_ciap,
        {{ pec_code('nu_ciap') }} as nu_ciap,
        no_ciap,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
