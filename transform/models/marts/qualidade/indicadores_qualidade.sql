-- Team aggregates of the quality component (C4 diabetes, C5 hypertension) per município x
-- team (INE of the person's link; null = no team) x competência (R's month): people in the
-- population, how many had each good practice, and the indicator = mean score (0-100).
-- Past competências are kept (meta.historico_por).
{{ config(meta={'historico_por': ['dt_inicio_competencia']}) }}

with

diabetes as (

    select * from {{ ref('boas_praticas_diabetes') }}
    where {{ escopo_municipio() }}

),

hipertensao as (

    select * from {{ ref('boas_praticas_hipertensao') }}
    where {{ escopo_municipio() }}

),

parametros as (

    {{ parametros_referencia() }}

),

agregados as (

    select
        co_municipio_ibge,
        nu_ine,
        'C4' as co_indicador,
        'cuidado_pessoa_diabetes' as ds_indicador,
        count(*) as nu_pessoas,
        count(*) filter (where has_consulta_6_meses) as nu_com_consulta,
        count(*) filter (where has_afericao_pa_6_meses) as nu_com_afericao_pa,
        count(*) filter (where has_peso_altura_12_meses) as nu_com_peso_altura,
        count(*) filter (where has_visitas_acs_12_meses) as nu_com_visitas_acs,
        count(*) filter (where has_hba1c_12_meses) as nu_com_hba1c,
        sum(vl_pontuacao) as vl_soma_pontuacao
    from diabetes
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        'C5' as co_indicador,
        'cuidado_pessoa_hipertensao' as ds_indicador,
        count(*) as nu_pessoas,
        count(*) filter (where has_consulta_6_meses) as nu_com_consulta,
        count(*) filter (where has_afericao_pa_6_meses) as nu_com_afericao_pa,
        count(*) filter (where has_peso_altura_12_meses) as nu_com_peso_altura,
        count(*) filter (where has_visitas_acs_12_meses) as nu_com_visitas_acs,
        null::bigint as nu_com_hba1c,
        sum(vl_pontuacao) as vl_soma_pontuacao
    from hipertensao
    group by co_municipio_ibge, nu_ine

),

final as (

    select
        agregados.co_municipio_ibge,
        agregados.nu_ine,
        parametros.dt_inicio_competencia,
        agregados.co_indicador,
        agregados.ds_indicador,
        agregados.nu_pessoas,
        agregados.nu_com_consulta,
        agregados.nu_com_afericao_pa,
        agregados.nu_com_peso_altura,
        agregados.nu_com_visitas_acs,
        agregados.nu_com_hba1c,
        agregados.vl_soma_pontuacao,
        round(agregados.vl_soma_pontuacao::numeric / nullif(agregados.nu_pessoas, 0), 2)
            as vl_indicador,
        parametros.dt_referencia
    from agregados
    cross join parametros

)

select * from final
