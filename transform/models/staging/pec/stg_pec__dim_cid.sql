with

source as (

    select * from {{ source('pec', 'tb_dim_cid') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_cid,
        {{ pec_code('nu_cid') }} as nu_cid,
        no_cid,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
