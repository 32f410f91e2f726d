with

source as (

    select * from {{ source('pec', 'tb_fat_atd_ind_problemas') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_atend_ind_problemas,
        co_fat_atd_ind,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_atendimento,
        {{ pec_dim_id('co_dim_cid') }} as co_dim_cid,
        {{ pec_dim_id('co_dim_ciap') }} as co_dim_ciap,
        {{ pec_dim_id('co_dim_cbo_1') }} as co_dim_cbo_1,
        {{ pec_dim_id('co_dim_cbo_2') }} as co_dim_cbo_2,
        {{ pec_dim_id('co_dim_equipe_1') }} as co_dim_equipe_1,
        {{ pec_dim_id('co_dim_unidade_saude_1') }} as co_dim_unidade_saude_1,
        {{ pec_dim_id('co_dim_situacao_problema') }} as co_dim_situacao_problema,
        {{ pec_flag('st_avaliado') }} as is_avaliado,
        {{ pec_code('nu_uuid_problema') }} as nu_uuid_problema,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
