with

source as (

    select * from {{ source('pec', 'tb_dim_procedimento') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_procedimento,
        {{ pec_code('co_proced') }} as co_proced,
        ds_proced,
        {{ pec_dim_id('co_seq_dim_proced_ref_ab') }} as co_seq_dim_proced_ref_ab,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
