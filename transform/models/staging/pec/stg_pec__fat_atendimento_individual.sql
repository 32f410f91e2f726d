with

source as (

    select * from {{ source('pec', 'tb_fat_atendimento_individual') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_atd_ind,
        co_fat_cidadao_pec,
        co_dim_tempo,
        {{ pec_date('co_dim_tempo') }} as dt_atendimento,
        {{ pec_dim_id('co_dim_cbo_1') }} as co_dim_cbo_1,
        {{ pec_dim_id('co_dim_cbo_2') }} as co_dim_cbo_2,
        {{ pec_dim_id('co_dim_equipe_1') }} as co_dim_equipe_1,
        {{ pec_dim_id('co_dim_equipe_2') }} as co_dim_equipe_2,
        {{ pec_dim_id('co_dim_unidade_saude_1') }} as co_dim_unidade_saude_1,
        {{ pec_dim_id('co_dim_unidade_saude_2') }} as co_dim_unidade_saude_2,
        {{ pec_dim_id('co_dim_tipo_atendimento') }} as co_dim_tipo_atendimento,
        {{ pec_dim_id('co_dim_local_atendimento') }} as co_dim_local_atendimento,
        {{ pec_dim_id('co_dim_sexo') }} as co_dim_sexo,
        co_dim_tempo_dum,
        {{ pec_date('co_dim_tempo_dum') }} as dt_dum,
        nu_idade_gestacional_semanas,
        nu_peso,
        nu_altura,
        {{ pec_filter_array('ds_filtro_cids') }} as cids,
        {{ pec_filter_array('ds_filtro_ciaps') }} as ciaps,
        {{ pec_filter_array('ds_filtro_proced_avaliados') }} as proced_avaliados,
        {{ pec_filter_array('ds_filtro_proced_solicitados') }} as proced_solicitados,
        dt_inicial_atendimento,
        nu_pressao_sistolica,
        nu_pressao_diastolica,
        {{ pec_dim_id('co_dim_tp_particip_cidadao') }} as co_dim_tp_particip_cidadao,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
