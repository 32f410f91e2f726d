-- Vaccine doses (tb_fat_vacinacao_vacina), with the person taken from the vaccination header
-- (the dose row has no co_fat_cidadao_pec) and the LEDI codes of vaccine and dose. The
-- application date is co_dim_tempo_vacina_aplicada, else the registration date: a dose
-- transcribed later (st_registro_anterior) counts on the day it was applied.
with

doses as (

    select * from {{ ref('stg_pec__fat_vacinacao_vacina') }}
    where {{ escopo_municipio() }}

),

vacinacoes as (

    select * from {{ ref('stg_pec__fat_vacinacao') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

imunobiologicos as (

    select * from {{ ref('stg_pec__dim_imunobiologico') }}
    where {{ escopo_municipio() }}

),

doses_imunobiologico as (

    select * from {{ ref('stg_pec__dim_dose_imunobiologico') }}
    where {{ escopo_municipio() }}

),

cbos as (

    select * from {{ ref('stg_pec__dim_cbo') }}
    where {{ escopo_municipio() }}

),

final as (

    select
        doses.co_municipio_ibge,
        doses.co_seq_fat_vacinacao_vacina,
        doses.co_fat_vacinacao,
        cidadaos_unificados.co_pessoa,
        vacinacoes.co_fat_cidadao_pec,
        imunobiologicos.nu_identificador as nu_imunobiologico,
        imunobiologicos.sg_imunobiologico,
        doses_imunobiologico.nu_identificador as nu_dose,
        coalesce(doses.dt_vacina_aplicada, doses.dt_registro) as dt_aplicacao,
        doses.dt_registro,
        coalesce(doses.is_registro_anterior, false) as is_registro_anterior,
        cbos.nu_cbo,
        {{ categoria_profissional('cbos.nu_cbo') }} as categoria_profissional,
        doses.loaded_at
    from doses
    inner join vacinacoes
        on
            doses.co_municipio_ibge = vacinacoes.co_municipio_ibge
            and doses.co_fat_vacinacao = vacinacoes.co_seq_fat_vacinacao
    inner join cidadaos_unificados
        on
            vacinacoes.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and vacinacoes.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join imunobiologicos
        on
            doses.co_municipio_ibge = imunobiologicos.co_municipio_ibge
            and doses.co_dim_imunobiologico = imunobiologicos.co_seq_dim_imunobiologico
    left join doses_imunobiologico
        on
            doses.co_municipio_ibge = doses_imunobiologico.co_municipio_ibge
            and doses.co_dim_dose_imunobiologico
            = doses_imunobiologico.co_seq_dim_dose_imunobiologico
    left join cbos
        on
            doses.co_municipio_ibge = cbos.co_municipio_ibge
            and doses.co_dim_cbo = cbos.co_seq_dim_cbo

)

select * from final
