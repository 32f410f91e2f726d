with

source as (

    select * from {{ source('pec', 'tb_tipo_equipe') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_tipo_equipe,
        {{ pec_code('nu_ms') }} as nu_ms,
        {{ pec_code('sg_tipo_equipe') }} as sg_tipo_equipe,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
