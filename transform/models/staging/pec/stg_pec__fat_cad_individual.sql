with

source as (

    select * from {{ source('pec', 'tb_fat_cad_individual') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_cad_individual,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_cadastro,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_dim_id('co_dim_sexo') }} as co_dim_sexo,
        {{ pec_dim_id('co_dim_tipo_saida_cadastro') }} as co_dim_tipo_saida_cadastro,
        {{ pec_code('nu_micro_area') }} as nu_micro_area,
        {{ pec_flag('st_hipertensao_arterial') }} as is_hipertensao_arterial,
        {{ pec_flag('st_diabete') }} as is_diabete,
        {{ pec_flag('st_gestante') }} as is_gestante,
        {{ pec_flag('st_ficha_inativa') }} as is_ficha_inativa,
        {{ pec_code('nu_uuid_ficha') }} as nu_uuid_ficha,
        {{ pec_dim_id('co_dim_identidade_genero') }} as co_dim_identidade_genero,
        {{ pec_flag('st_recusa_cadastro') }} as is_recusa_cadastro,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
