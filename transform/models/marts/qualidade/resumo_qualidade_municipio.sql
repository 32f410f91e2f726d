-- The quality component for a município as a whole, per competência and indicador: the eSF and
-- eAP teams' denominators and numerators pooled (C7 per subgroup), the result and band, the
-- quadrimester result so far and its band, and the município's Nota Final from those (only
-- when all seven have a result). A summary for managers and for `make demo`; payment is per
-- team (indicadores_qualidade, nota_final_qualidade). Also how many people alive and in the
-- territory are linked to a team that is not eSF/eAP (out of C2-C7). Past competências are
-- kept (meta.historico_por).
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

vinculos as (

    select * from {{ ref('int_pessoas_competencias') }}
    where {{ escopo_municipio() }}

),

somas as (

    select
        co_municipio_ibge,
        dt_competencia,
        co_indicador,
        max(ds_quadrimestre) as ds_quadrimestre,
        count(*) as nu_equipes,
        sum(nu_denominador) as nu_denominador,
        sum(vl_numerador) as vl_numerador,
        {%- for letra in ['a', 'b', 'c', 'd'] %}
            sum(nu_denominador_{{ letra }}) as nu_denominador_{{ letra }},
            sum(nu_numerador_{{ letra }}) as nu_numerador_{{ letra }},
        {%- endfor %}
        count(*) filter (where ds_classificacao_quadrimestre = 'Ótimo') as nu_equipes_otimo,
        count(*) filter (where ds_classificacao_quadrimestre = 'Bom') as nu_equipes_bom,
        count(*) filter (where ds_classificacao_quadrimestre = 'Suficiente')
            as nu_equipes_suficiente,
        count(*) filter (where ds_classificacao_quadrimestre = 'Regular') as nu_equipes_regular
    from indicadores
    group by co_municipio_ibge, dt_competencia, co_indicador

),

resultados as (

    {%- set termos, pesos = [], [] %}
    {%- for letra, peso in [('a', 20), ('b', 30), ('c', 30), ('d', 20)] %}
        {%- do termos.append(
            'coalesce(' ~ peso ~ ' * nu_numerador_' ~ letra ~ '::numeric / nullif(nu_denominador_'
            ~ letra ~ ', 0), 0)'
        ) %}
        {%- do pesos.append(
            'case when nu_denominador_' ~ letra ~ ' > 0 then ' ~ peso ~ ' else 0 end'
        ) %}
    {%- endfor %}
    select
        *,
        case co_indicador
            when 'C1' then 100.0 * vl_numerador / nullif(nu_denominador, 0)
            when 'C7' then 100 * ({{ termos | join(' + ') }}) / nullif({{ pesos | join(' + ') }}, 0)
            else vl_numerador / nullif(nu_denominador, 0)
        end as vl_resultado
    from somas

),

quadrimestres as (

    select
        *,
        avg(vl_resultado) over (
            partition by co_municipio_ibge, co_indicador, ds_quadrimestre
            order by dt_competencia
            rows between unbounded preceding and current row
        ) as vl_resultado_quadrimestre
    from resultados

),

notas as (

    select
        *,
        {{ pontos_conceito(faixa_resultado('co_indicador', 'vl_resultado_quadrimestre')) }}
        * {{ peso_indicador('co_indicador') }} as vl_nota
    from quadrimestres

),

notas_finais as (

    select
        co_municipio_ibge,
        dt_competencia,
        case when count(vl_nota) = 7 then sum(vl_nota) end as vl_nota_final
    from notas
    group by co_municipio_ibge, dt_competencia

),

inelegiveis as (

    select
        co_municipio_ibge,
        dt_competencia,
        count(*) filter (
            where not is_equipe_elegivel and not is_falecido and not is_mudou_territorio
        ) as nu_pessoas_equipe_inelegivel
    from vinculos
    group by co_municipio_ibge, dt_competencia

),

final as (

    select
        notas.co_municipio_ibge,
        notas.dt_competencia,
        notas.co_indicador,
        notas.ds_quadrimestre,
        notas.nu_equipes,
        notas.nu_denominador,
        notas.vl_numerador,
        round(notas.vl_resultado, 2) as vl_resultado,
        {{ faixa_resultado('notas.co_indicador', 'notas.vl_resultado') }} as ds_classificacao,
        round(notas.vl_resultado_quadrimestre, 2) as vl_resultado_quadrimestre,
        {{ faixa_resultado('notas.co_indicador', 'notas.vl_resultado_quadrimestre') }}
            as ds_classificacao_quadrimestre,
        notas.vl_nota,
        notas.nu_equipes_otimo,
        notas.nu_equipes_bom,
        notas.nu_equipes_suficiente,
        notas.nu_equipes_regular,
        notas_finais.vl_nota_final,
        {{ faixa_nota_final('notas_finais.vl_nota_final') }} as ds_classificacao_final,
        coalesce(inelegiveis.nu_pessoas_equipe_inelegivel, 0) as nu_pessoas_equipe_inelegivel
    from notas
    inner join notas_finais
        on
            notas.co_municipio_ibge = notas_finais.co_municipio_ibge
            and notas.dt_competencia = notas_finais.dt_competencia
    left join inelegiveis
        on
            notas.co_municipio_ibge = inelegiveis.co_municipio_ibge
            and notas.dt_competencia = inelegiveis.dt_competencia

)

select * from final
