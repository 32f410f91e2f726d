with

source as (

    select * from {{ source('pec', 'tb_fat_cidadao_territorio') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_territorio,
        co_fat_cidadao_pec,
        co_fat_cad_individual,
        {{ pec_dim_id('co_dim_equipe') }} as co_dim_equipe,
        {{ pec_dim_id('co_dim_unidade_saude') }} as co_dim_unidade_saude,
        {{ pec_code('nu_micro_area') }} as nu_micro_area,
        {{ pec_flag('st_mudou_se') }} as is_mudou_se,
        {{ pec_flag('st_vivo') }} as is_vivo,
        {{ pec_flag('st_cidadao_consistente') }} as is_cidadao_consistente,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
