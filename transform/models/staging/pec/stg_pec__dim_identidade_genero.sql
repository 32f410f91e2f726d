with

source as (

    select * from {{ source('pec', 'tb_dim_identidade_genero') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_identidade_genero,
        {{ pec_code('nu_identificador') }} as nu_identificador,
        ds_identidade_genero,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
