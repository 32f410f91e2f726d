with

source as (

    select * from {{ source('pec', 'tb_dim_cbo') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_cbo,
        {{ pec_code('nu_cbo') }} as nu_cbo,
        no_cbo,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
