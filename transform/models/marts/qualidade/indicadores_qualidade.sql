-- The quality component per team, competência and indicador (C1-C7): denominator, numerator,
-- the monthly result and its band, the quadrimester result so far (the mean of the monthly
-- results of the quadrimester's months up to this one that have a result: NT 8/2026 §4, with
-- C2/C3 months without a cohort left out) and its band, concept points, weight and the
-- indicator's nota. Teams are the INE of the people's link (C1: of the attendance's team), eSF
-- and eAP only. Results and bands: the doc block qualidade_componente. Past competências are
-- kept (meta.historico_por): each build replaces the ones it computes.
{{ config(meta={'historico_por': ['dt_competencia']}) }}

with

{%- set listas = {
    'C2': 'c2_desenvolvimento_infantil',
    'C3': 'c3_gestacao_puerperio',
    'C4': 'c4_diabetes',
    'C5': 'c5_hipertensao',
    'C6': 'c6_pessoa_idosa',
} %}
{%- for codigo, lista in listas.items() %}

    {{ lista }} as (

        select * from {{ ref(lista) }}
        where {{ escopo_municipio() }}

    ),
{%- endfor %}

c7 as (

    select * from {{ ref('c7_prevencao_cancer') }}
    where {{ escopo_municipio() }}

),

c1 as (

    select * from {{ ref('c1_mais_acesso') }}
    where {{ escopo_municipio() }}

),

resultados_pessoas as (
    {% for codigo, lista in listas.items() %}
        select
            co_municipio_ibge,
            nu_ine,
            max(no_equipe) as no_equipe,
            max(ds_tipo_equipe) as ds_tipo_equipe,
            dt_competencia,
            '{{ codigo }}' as co_indicador,
            count(*) as nu_pessoas_lista,
            count(*) filter (where is_denominador) as nu_denominador,
            coalesce(sum(vl_pontos) filter (where is_denominador), 0) as vl_numerador,
            sum(vl_pontos) filter (where is_denominador)
            / nullif(count(*) filter (where is_denominador), 0) as vl_resultado
        from {{ lista }}
        group by co_municipio_ibge, nu_ine, dt_competencia
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

subgrupos_c7 as (

    select
        co_municipio_ibge,
        nu_ine,
        max(no_equipe) as no_equipe,
        max(ds_tipo_equipe) as ds_tipo_equipe,
        dt_competencia,
        count(*) as nu_pessoas_lista,
        {%- for letra, pratica in [
            ('a', 'rastreamento_colo'), ('b', 'vacina_hpv'),
            ('c', 'consulta_saude_sexual'), ('d', 'mamografia')
        ] %}
            count(*) filter (where is_denominador and is_subgrupo_{{ letra }})
                as nu_denominador_{{ letra }},
            count(*) filter (where is_denominador and has_{{ pratica }})
                as nu_numerador_{{ letra }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from c7
    group by co_municipio_ibge, nu_ine, dt_competencia

),

resultados_c7 as (

    -- C7 = Σ wᵢ·(aᵢ/bᵢ) over the subgroups with people, rescaled to the weights present
    -- (AMB-C7-1)
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
        100 * ({{ termos | join(' + ') }})
        / nullif({{ pesos | join(' + ') }}, 0) as vl_resultado
    from subgrupos_c7

),

todos as (

    select
        co_municipio_ibge,
        nu_ine,
        no_equipe,
        ds_tipo_equipe,
        dt_competencia,
        co_indicador,
        nu_pessoas_lista,
        nu_denominador,
        vl_numerador,
        vl_resultado,
        null::bigint as nu_denominador_a,
        null::bigint as nu_numerador_a,
        null::bigint as nu_denominador_b,
        null::bigint as nu_numerador_b,
        null::bigint as nu_denominador_c,
        null::bigint as nu_numerador_c,
        null::bigint as nu_denominador_d,
        null::bigint as nu_numerador_d
    from resultados_pessoas

    union all

    select
        co_municipio_ibge,
        nu_ine,
        no_equipe,
        ds_tipo_equipe,
        dt_competencia,
        'C7' as co_indicador,
        nu_pessoas_lista,
        nu_denominador_a + nu_denominador_b + nu_denominador_c + nu_denominador_d
            as nu_denominador,
        nu_numerador_a + nu_numerador_b + nu_numerador_c + nu_numerador_d as vl_numerador,
        vl_resultado,
        nu_denominador_a,
        nu_numerador_a,
        nu_denominador_b,
        nu_numerador_b,
        nu_denominador_c,
        nu_numerador_c,
        nu_denominador_d,
        nu_numerador_d
    from resultados_c7

    union all

    select
        co_municipio_ibge,
        nu_ine,
        no_equipe,
        ds_tipo_equipe,
        dt_competencia,
        'C1' as co_indicador,
        null::bigint as nu_pessoas_lista,
        nu_programadas + nu_espontaneas as nu_denominador,
        nu_programadas as vl_numerador,
        vl_resultado,
        null::bigint as nu_denominador_a,
        null::bigint as nu_numerador_a,
        null::bigint as nu_denominador_b,
        null::bigint as nu_numerador_b,
        null::bigint as nu_denominador_c,
        null::bigint as nu_numerador_c,
        null::bigint as nu_denominador_d,
        null::bigint as nu_numerador_d
    from c1

),

quadrimestres as (

    select
        *,
        {{ quadrimestre_rotulo('dt_competencia') }} as ds_quadrimestre,
        -- the mean of the monthly results so far in the quadrimester (avg skips months
        -- without a result)
        avg(vl_resultado) over (
            partition by
                co_municipio_ibge,
                nu_ine,
                co_indicador,
                {{ quadrimestre_inicio('dt_competencia') }}
            order by dt_competencia
            rows between unbounded preceding and current row
        ) as vl_resultado_quadrimestre
    from todos

),

final as (

    -- bands are applied to the unrounded results (AMB-N2); the stored results have 2 decimals
    select
        co_municipio_ibge,
        nu_ine,
        no_equipe,
        ds_tipo_equipe,
        dt_competencia,
        co_indicador,
        nu_pessoas_lista,
        nu_denominador,
        vl_numerador,
        round(vl_resultado, 2) as vl_resultado,
        {{ faixa_resultado('co_indicador', 'vl_resultado') }} as ds_classificacao,
        ds_quadrimestre,
        round(vl_resultado_quadrimestre, 2) as vl_resultado_quadrimestre,
        {{ faixa_resultado('co_indicador', 'vl_resultado_quadrimestre') }}
            as ds_classificacao_quadrimestre,
        {{ pontos_conceito(faixa_resultado('co_indicador', 'vl_resultado_quadrimestre')) }}
            as vl_pontos_conceito,
        {{ peso_indicador('co_indicador') }} as nu_peso,
        {{ pontos_conceito(faixa_resultado('co_indicador', 'vl_resultado_quadrimestre')) }}
        * {{ peso_indicador('co_indicador') }} as vl_nota,
        nu_denominador_a,
        nu_numerador_a,
        nu_denominador_b,
        nu_numerador_b,
        nu_denominador_c,
        nu_numerador_c,
        nu_denominador_d,
        nu_numerador_d
    from quadrimestres

)

select * from final
