with

source as (

    select * from {{ source('pec', 'tb_cidadao') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_cidadao,
        dt_atualizado,
        {{ pec_flag('st_ativo') }} as is_ativo,
        {{ pec_flag('st_faleceu') }} as is_faleceu,
        {{ pec_flag('st_unificado') }} as is_unificado,
        dt_obito,
        {{ pec_code('co_unico_ultima_ficha') }} as co_unico_ultima_ficha,
        {{ pec_code('nu_micro_area') }} as nu_micro_area,
        {{ pec_flag('st_dados_obito_cadsus') }} as is_dados_obito_cadsus,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
