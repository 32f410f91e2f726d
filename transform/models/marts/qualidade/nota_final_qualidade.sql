-- The Nota Final of the quality component per team and competência: Σ concept points x weight
-- of the quadrimester results so far of C1-C7 (2.5-10) and its band (NT 8/2026 Quadro 6), only
-- when all seven indicators have a result (AMB-N4: never imputed; the missing ones are named).
-- Past competências are kept (meta.historico_por).
{{ config(meta={'historico_por': ['dt_competencia']}) }}

with

indicadores as (

    select * from {{ ref('indicadores_qualidade') }}
    where
        {{ escopo_municipio() }}
        and dt_competencia >= (
            {{ quadrimestre_inicio(
                "(date_trunc('month', " ~ data_referencia() ~ ") - interval '"
                ~ (var('competencias_calculadas', 12) | int - 1) ~ " months')::date"
            ) }}
        )

),

equipes as (

    select
        co_municipio_ibge,
        nu_ine,
        dt_competencia,
        max(no_equipe) as no_equipe,
        max(ds_tipo_equipe) as ds_tipo_equipe,
        max(ds_quadrimestre) as ds_quadrimestre,
        count(*) filter (where vl_resultado_quadrimestre is not null)
            as nu_indicadores_com_resultado,
        sum(vl_nota) as vl_soma_notas
    from indicadores
    group by co_municipio_ibge, nu_ine, dt_competencia

),

faltantes as (

    select
        equipes.co_municipio_ibge,
        equipes.nu_ine,
        equipes.dt_competencia,
        string_agg(codigos.co_indicador, ', ' order by codigos.co_indicador)
            as ds_indicadores_sem_resultado
    from equipes
    cross join (
        values ('C1'), ('C2'), ('C3'), ('C4'), ('C5'), ('C6'), ('C7')
    ) as codigos (co_indicador)
    left join indicadores
        on
            equipes.co_municipio_ibge = indicadores.co_municipio_ibge
            and equipes.nu_ine = indicadores.nu_ine
            and equipes.dt_competencia = indicadores.dt_competencia
            and codigos.co_indicador = indicadores.co_indicador
            and indicadores.vl_resultado_quadrimestre is not null
    where indicadores.co_indicador is null
    group by equipes.co_municipio_ibge, equipes.nu_ine, equipes.dt_competencia

),

final as (

    select
        equipes.co_municipio_ibge,
        equipes.nu_ine,
        equipes.no_equipe,
        equipes.ds_tipo_equipe,
        equipes.dt_competencia,
        equipes.ds_quadrimestre,
        equipes.nu_indicadores_com_resultado,
        faltantes.ds_indicadores_sem_resultado,
        case when equipes.nu_indicadores_com_resultado = 7 then equipes.vl_soma_notas end
            as vl_nota_final,
        {{ faixa_nota_final(
            'case when equipes.nu_indicadores_com_resultado = 7 then equipes.vl_soma_notas end'
        ) }} as ds_classificacao_final
    from equipes
    left join faltantes
        on
            equipes.co_municipio_ibge = faltantes.co_municipio_ibge
            and equipes.nu_ine = faltantes.nu_ine
            and equipes.dt_competencia = faltantes.dt_competencia

)

select * from final
