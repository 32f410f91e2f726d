with

source as (

    select * from {{ source('pec', 'tb_dim_tipo_participacao_atend') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_dim_tp_particip_atend,
        {{ pec_code('nu_identificador') }} as nu_identificador,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
