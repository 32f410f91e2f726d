-- One row per município for the quadrimester of R: the size of each lista nominal and the
-- seven Previne Brasil percentages (all teams together). Made for a summary print-out:
--   select * from marts.resumo_municipio order by co_municipio_ibge
{%- set listas = ['hipertensos', 'diabeticos', 'gestantes', 'citopatologico', 'vacinacao'] %}

with

indicadores as (

    select * from {{ ref('previne_indicadores') }}
    where {{ escopo_municipio() }}

),

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
    where {{ escopo_municipio() }}

),

citopatologico as (

    select * from {{ ref('previne_lista_nominal_citopatologico') }}
    where {{ escopo_municipio() }}

),

vacinacao as (

    select * from {{ ref('previne_lista_nominal_vacinacao') }}
    where {{ escopo_municipio() }}

),

municipios as (

    select * from {{ ref('stg_pec__dim_municipio') }}
    where {{ escopo_municipio() }}

),

parametros as (

    {{ parametros_referencia() }}

),

tamanhos as (

    select
        co_municipio_ibge,
        'hipertensos' as lista,
        count(*) as nu_pessoas
    from hipertensos
    group by co_municipio_ibge
    union all
    select
        co_municipio_ibge,
        'diabeticos' as lista,
        count(*) as nu_pessoas
    from diabeticos
    group by co_municipio_ibge
    union all
    select
        co_municipio_ibge,
        'gestantes' as lista,
        count(*) as nu_pessoas
    from gestantes
    group by co_municipio_ibge
    union all
    select
        co_municipio_ibge,
        'citopatologico' as lista,
        count(*) as nu_pessoas
    from citopatologico
    group by co_municipio_ibge
    union all
    select
        co_municipio_ibge,
        'vacinacao' as lista,
        count(*) as nu_pessoas
    from vacinacao
    group by co_municipio_ibge

),

percentuais as (

    select
        indicadores.co_municipio_ibge,
        indicadores.nu_indicador,
        round(
            100.0 * sum(indicadores.nu_numerador) / nullif(sum(indicadores.nu_denominador), 0), 1
        ) as pc_indicador
    from indicadores
    cross join parametros
    where indicadores.dt_fim_quadrimestre = parametros.dt_fim_quadrimestre
    group by indicadores.co_municipio_ibge, indicadores.nu_indicador

),

carregados as (

    select
        co_municipio_ibge,
        max(no_municipio) filter (where co_ibge = co_municipio_ibge) as no_municipio
    from municipios
    group by co_municipio_ibge

),

tamanhos_por_municipio as (

    select
        co_municipio_ibge,
        {%- for lista in listas %}
            sum(nu_pessoas) filter (where lista = '{{ lista }}') as nu_lista_{{ lista }},
        {%- endfor %}
        count(*) as nu_listas
    from tamanhos
    group by co_municipio_ibge

),

percentuais_por_municipio as (

    select
        co_municipio_ibge,
        {%- for n in range(1, 8) %}
            max(pc_indicador) filter (where nu_indicador = {{ n }}) as pc_indicador_{{ n }},
        {%- endfor %}
        count(*) as nu_indicadores
    from percentuais
    group by co_municipio_ibge

),

final as (

    select
        carregados.co_municipio_ibge,
        carregados.no_municipio,
        parametros.ds_quadrimestre,
        parametros.dt_referencia,
        {%- for lista in listas %}
            coalesce(tamanhos_por_municipio.nu_lista_{{ lista }}, 0) as nu_lista_{{ lista }},
        {%- endfor %}
        {%- for n in range(1, 8) %}
            percentuais_por_municipio.pc_indicador_{{ n }},
        {%- endfor %}
        parametros.dt_fim_quadrimestre
    from carregados
    cross join parametros
    left join tamanhos_por_municipio
        on carregados.co_municipio_ibge = tamanhos_por_municipio.co_municipio_ibge
    left join percentuais_por_municipio
        on carregados.co_municipio_ibge = percentuais_por_municipio.co_municipio_ibge

)

select * from final
