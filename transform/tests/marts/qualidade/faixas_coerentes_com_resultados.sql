-- Every band of indicadores_qualidade is the one its result falls in, by NT 8/2026's limits
-- written out again here (not through macros/indicadores/classificacao_qualidade.sql). Results
-- are stored with 2 decimals and banded unrounded, so each limit is checked inclusive.
with

indicadores as (

    select * from {{ ref('indicadores_qualidade') }}
    where {{ escopo_municipio() }}

),

faixas as (

    select
        co_municipio_ibge,
        nu_ine,
        dt_competencia,
        co_indicador,
        vl_resultado as vl,
        ds_classificacao as faixa
    from indicadores

    union all

    select
        co_municipio_ibge,
        nu_ine,
        dt_competencia,
        co_indicador,
        vl_resultado_quadrimestre as vl,
        ds_classificacao_quadrimestre as faixa
    from indicadores

),

incoerentes as (

    select *
    from faixas
    where
        (vl is null) <> (faixa is null)
        or (co_indicador = 'C1' and not (
            (faixa = 'Ótimo' and vl between 50 and 70)
            or (faixa = 'Bom' and vl between 30 and 50)
            or (faixa = 'Suficiente' and vl between 10 and 30)
            or (faixa = 'Regular' and (vl <= 10 or vl >= 70))
        ))
        or (co_indicador <> 'C1' and not (
            (faixa = 'Ótimo' and vl between 75 and 100)
            or (faixa = 'Bom' and vl between 50 and 75)
            or (faixa = 'Suficiente' and vl between 25 and 50)
            or (faixa = 'Regular' and vl between 0 and 25)
        ))

)

select * from incoerentes
