with

source as (

    select * from {{ source('pec', 'tb_equipe') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_equipe,
        {{ pec_code('nu_ine') }} as nu_ine,
        tp_equipe,
        {{ pec_flag('st_ativo') }} as is_ativo,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
