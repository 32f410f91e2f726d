with

source as (

    select * from {{ source('pec', 'tb_fat_vacinacao_vacina') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_vacinacao_vacina,
        co_fat_vacinacao,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_registro,
        co_dim_tempo_vacina_aplicada,
        {{ pec_date('co_dim_tempo_vacina_aplicada') }} as dt_vacina_aplicada,
        {{ pec_dim_id('co_dim_imunobiologico') }} as co_dim_imunobiologico,
        {{ pec_dim_id('co_dim_dose_imunobiologico') }} as co_dim_dose_imunobiologico,
        {{ pec_dim_id('co_dim_cbo') }} as co_dim_cbo,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_flag('st_registro_anterior') }} as is_registro_anterior,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
