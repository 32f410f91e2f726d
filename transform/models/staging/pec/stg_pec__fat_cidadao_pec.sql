with

source as (

    select * from {{ source('pec', 'tb_fat_cidadao_pec') }}
    where _sdc_deleted_at is null

),

renamed as (

    select
        co_municipio_ibge,
        co_seq_fat_cidadao_pec,
        co_cidadao,
        no_cidadao,
        no_social_cidadao,
        {{ pec_code('nu_cpf_cidadao') }} as nu_cpf_cidadao,
        {{ pec_code('nu_cns') }} as nu_cns,
        co_dim_tempo_nascimento,
        {{ pec_date('co_dim_tempo_nascimento') }} as dt_nascimento,
        {{ pec_dim_id('co_dim_sexo') }} as co_dim_sexo,
        {{ pec_code('nu_telefone_celular') }} as nu_telefone_celular,
        {{ pec_flag('st_faleceu') }} as is_faleceu,
        {{ pec_flag('st_deletar') }} as is_deletar,
        {{ pec_dim_id('co_dim_unidade_saude_vinc') }} as co_dim_unidade_saude_vinc,
        {{ pec_dim_id('co_dim_equipe_vinc') }} as co_dim_equipe_vinc,
        {{ pec_dim_id('co_dim_identidade_genero') }} as co_dim_identidade_genero,
        _sdc_batched_at as loaded_at
    from source

)

select * from renamed
