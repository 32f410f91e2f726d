with

source as (

    select * from {{ source('pec', 'tb_fat_proced_atend') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_proced_atend,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_atendimento,
        {{ pec_dim_id('co_dim_cbo') }} as co_dim_cbo,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_flag('st_escuta_inicial') }} as is_escuta_inicial,
        nu_peso,
        nu_altura,
        nu_pressao_sistolica,
        nu_pressao_diastolica,

        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
