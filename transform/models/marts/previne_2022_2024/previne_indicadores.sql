-- The seven Previne Brasil indicators per município x team (INE of the person's link; null =
-- no team) x quadrimester, from the listas nominais. One row per indicator, with numerator,
-- denominator and percentage. Past quadrimesters are kept: a run replaces only the município's
-- rows of the quadrimester it computes (meta.historico_por).
{{ config(meta={'historico_por': ['dt_fim_quadrimestre']}) }}

with

hipertensos as (

    select * from {{ ref('previne_lista_nominal_hipertensos') }}
    where {{ escopo_municipio() }}

),

diabeticos as (

    select * from {{ ref('previne_lista_nominal_diabeticos') }}
    where {{ escopo_municipio() }}

),

gestantes as (

    select * from {{ ref('previne_lista_nominal_gestantes') }}
    where {{ escopo_municipio() }} and is_denominador

),

citopatologico as (

    select * from {{ ref('previne_lista_nominal_citopatologico') }}
    where {{ escopo_municipio() }}

),

vacinacao as (

    select * from {{ ref('previne_lista_nominal_vacinacao') }}
    where {{ escopo_municipio() }} and is_denominador

),

parametros as (

    {{ parametros_referencia() }}

),

contagens as (

    select
        co_municipio_ibge,
        nu_ine,
        1 as nu_indicador,
        'prenatal_6_consultas' as co_indicador,
        count(*) filter (where is_numerador_consultas) as nu_numerador,
        count(*) as nu_denominador
    from gestantes
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        2 as nu_indicador,
        'prenatal_sifilis_hiv' as co_indicador,
        count(*) filter (where is_numerador_exames) as nu_numerador,
        count(*) as nu_denominador
    from gestantes
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        3 as nu_indicador,
        'prenatal_odonto' as co_indicador,
        count(*) filter (where is_numerador_odonto) as nu_numerador,
        count(*) as nu_denominador
    from gestantes
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        4 as nu_indicador,
        'citopatologico' as co_indicador,
        count(*) filter (where is_numerador) as nu_numerador,
        count(*) as nu_denominador
    from citopatologico
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        5 as nu_indicador,
        'vacinacao_polio_penta' as co_indicador,
        count(*) filter (where is_numerador) as nu_numerador,
        count(*) as nu_denominador
    from vacinacao
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        6 as nu_indicador,
        'hipertensao_pa_aferida' as co_indicador,
        count(*) filter (where is_numerador) as nu_numerador,
        count(*) as nu_denominador
    from hipertensos
    group by co_municipio_ibge, nu_ine

    union all

    select
        co_municipio_ibge,
        nu_ine,
        7 as nu_indicador,
        'diabetes_hba1c' as co_indicador,
        count(*) filter (where is_numerador) as nu_numerador,
        count(*) as nu_denominador
    from diabeticos
    group by co_municipio_ibge, nu_ine

),

final as (

    select
        contagens.co_municipio_ibge,
        contagens.nu_ine,
        parametros.ds_quadrimestre,
        parametros.dt_inicio_quadrimestre,
        parametros.dt_fim_quadrimestre,
        contagens.nu_indicador,
        contagens.co_indicador,
        contagens.nu_numerador,
        contagens.nu_denominador,
        round(100.0 * contagens.nu_numerador / nullif(contagens.nu_denominador, 0), 2)
            as pc_indicador,
        parametros.dt_referencia
    from contagens
    cross join parametros

)

select * from final
