with

source as (

    select * from {{ source('pec', 'tb_dim_unidade_saude') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_unidade_saude,
        {{ pec_code('nu_cnes') }} as nu_cnes,
        no_unidade_saude,
        {{ pec_flag('st_registro_valido') }} as is_registro_valido,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
