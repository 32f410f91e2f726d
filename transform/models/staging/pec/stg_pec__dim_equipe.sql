with

source as (

    select * from {{ source('pec', 'tb_dim_equipe') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_equipe,
        {{ pec_code('nu_ine') }} as nu_ine,
        no_equipe,
        {{ pec_flag('st_registro_valido') }} as is_registro_valido,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
