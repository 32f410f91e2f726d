-- C7 Cuidado da mulher e do homem trans na prevenção do câncer: one row per person and
-- competência; the rule is the doc block qualidade_c7 (_qualidade__docs.md). Each person is in
-- the subgroups of their age (A 25-64, B girls 9-14, C 14-69, D 50-69); vl_pontos is the sum of
-- the weights of their subgroups' practices done, out of vl_pontos_possiveis.
{{ config(meta={'indicador': 'C7'}) }}

with

populacao as (

    select
        *,
        nu_idade between 25 and 64 as is_subgrupo_a,
        nu_sexo = '1' and nu_idade between 9 and 14 as is_subgrupo_b,
        nu_idade between 14 and 69 as is_subgrupo_c,
        nu_idade between 50 and 69 as is_subgrupo_d
    from {{ ref('int_pessoas_competencias') }}
    where
        {{ escopo_municipio() }}
        and is_vinculado
        and nu_idade between 9 and 69
        and (
            (nu_sexo = '1' and coalesce(nu_identidade_genero <> '150', true))
            -- trans men from 14 on: under 14 they belong to no subgroup (AMB-C7-3)
            or (nu_sexo = '0' and nu_identidade_genero = '149' and nu_idade >= 14)
        )

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }}

),

eventos as (

    {{ eventos_qualidade('rastreamento_colo') }}
    union
    {{ eventos_qualidade('hpv_molecular') }}
    union
    {{ eventos_qualidade('consulta_saude_sexual') }}
    union
    {{ eventos_qualidade('mamografia') }}

),

vacinas_hpv as (

    select * from {{ ref('int_vacinas_aplicadas') }}
    where {{ escopo_municipio() }} and ltrim(nu_imunobiologico, '0') in ('67', '93')

),

eventos_no_periodo as (

    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        max(eventos.dt_evento) filter (
            where
            eventos.evento = 'rastreamento_colo'
            and eventos.dt_evento >= {{ inicio_janela('populacao.dt_competencia', 36) }}
        ) as dt_rastreamento_colo,
        -- HPV molecular: 60 months, counted from competência 2026-01 on (AMB-C7-2)
        max(eventos.dt_evento) filter (
            where
            eventos.evento = 'hpv_molecular'
            and populacao.dt_competencia >= date '2026-01-01'
        ) as dt_hpv_molecular,
        max(eventos.dt_evento) filter (
            where
            eventos.evento = 'consulta_saude_sexual'
            and eventos.dt_evento >= {{ inicio_janela('populacao.dt_competencia', 12) }}
        ) as dt_consulta_saude_sexual,
        max(eventos.dt_evento) filter (
            where
            eventos.evento = 'mamografia'
            and eventos.dt_evento >= {{ inicio_janela('populacao.dt_competencia', 24) }}
        ) as dt_mamografia
    from populacao
    inner join eventos
        on
            populacao.co_municipio_ibge = eventos.co_municipio_ibge
            and populacao.co_pessoa = eventos.co_pessoa
            and eventos.dt_evento
            between {{ inicio_janela('populacao.dt_competencia', 60) }}
            and populacao.dt_corte
    where populacao.is_subgrupo_a or populacao.is_subgrupo_c or populacao.is_subgrupo_d
    group by populacao.co_municipio_ibge, populacao.co_pessoa, populacao.dt_competencia

),

hpv_por_pessoa as (

    -- a dose applied from the 9th to the day before the 15th birthday, with no other window
    -- (AMB-C7-4)
    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        min(vacinas_hpv.dt_aplicacao) as dt_vacina_hpv
    from populacao
    inner join pessoas
        on
            populacao.co_municipio_ibge = pessoas.co_municipio_ibge
            and populacao.co_pessoa = pessoas.co_pessoa
    inner join vacinas_hpv
        on
            populacao.co_municipio_ibge = vacinas_hpv.co_municipio_ibge
            and populacao.co_pessoa = vacinas_hpv.co_pessoa
            and populacao.dt_corte >= vacinas_hpv.dt_aplicacao
            and vacinas_hpv.dt_aplicacao >= {{ aniversario('pessoas.dt_nascimento', '9 years') }}
            and vacinas_hpv.dt_aplicacao < {{ aniversario('pessoas.dt_nascimento', '15 years') }}
    where populacao.is_subgrupo_b
    group by populacao.co_municipio_ibge, populacao.co_pessoa, populacao.dt_competencia

),

praticas as (

    select
        populacao.*,
        coalesce(
            eventos_no_periodo.dt_rastreamento_colo is not null
            or eventos_no_periodo.dt_hpv_molecular is not null,
            false
        ) as has_rastreamento_colo,
        greatest(eventos_no_periodo.dt_rastreamento_colo, eventos_no_periodo.dt_hpv_molecular)
            as dt_rastreamento_colo,
        coalesce(
            greatest(
                {{ vigente_ate('eventos_no_periodo.dt_rastreamento_colo', 36) }},
                {{ vigente_ate('eventos_no_periodo.dt_hpv_molecular', 60) }}
            ),
            populacao.dt_fim_competencia
        ) as dt_limite_rastreamento_colo,
        hpv_por_pessoa.dt_vacina_hpv is not null as has_vacina_hpv,
        hpv_por_pessoa.dt_vacina_hpv,
        eventos_no_periodo.dt_consulta_saude_sexual is not null as has_consulta_saude_sexual,
        eventos_no_periodo.dt_consulta_saude_sexual,
        coalesce(
            {{ vigente_ate('eventos_no_periodo.dt_consulta_saude_sexual', 12) }},
            populacao.dt_fim_competencia
        ) as dt_limite_consulta_saude_sexual,
        eventos_no_periodo.dt_mamografia is not null as has_mamografia,
        eventos_no_periodo.dt_mamografia,
        coalesce(
            {{ vigente_ate('eventos_no_periodo.dt_mamografia', 24) }},
            populacao.dt_fim_competencia
        ) as dt_limite_mamografia
    from populacao
    left join eventos_no_periodo
        on
            populacao.co_municipio_ibge = eventos_no_periodo.co_municipio_ibge
            and populacao.co_pessoa = eventos_no_periodo.co_pessoa
            and populacao.dt_competencia = eventos_no_periodo.dt_competencia
    left join hpv_por_pessoa
        on
            populacao.co_municipio_ibge = hpv_por_pessoa.co_municipio_ibge
            and populacao.co_pessoa = hpv_por_pessoa.co_pessoa
            and populacao.dt_competencia = hpv_por_pessoa.dt_competencia

),

final as (

    select
        {{ colunas_pessoa('praticas', 'pessoas') }},
        pessoas.has_documento_valido as is_denominador,
        praticas.nu_sexo,
        praticas.nu_identidade_genero,
        praticas.is_subgrupo_a,
        praticas.is_subgrupo_b,
        praticas.is_subgrupo_c,
        praticas.is_subgrupo_d,
        praticas.is_subgrupo_a and praticas.has_rastreamento_colo as has_rastreamento_colo,
        case when praticas.is_subgrupo_a then praticas.dt_rastreamento_colo end
            as dt_rastreamento_colo,
        case when praticas.is_subgrupo_a then praticas.dt_limite_rastreamento_colo end
            as dt_limite_rastreamento_colo,
        praticas.is_subgrupo_b and praticas.has_vacina_hpv as has_vacina_hpv,
        case when praticas.is_subgrupo_b then praticas.dt_vacina_hpv end as dt_vacina_hpv,
        case
            when praticas.is_subgrupo_b
                then {{ aniversario('pessoas.dt_nascimento', '15 years') }} - 1
        end as dt_limite_vacina_hpv,
        praticas.is_subgrupo_c and praticas.has_consulta_saude_sexual
            as has_consulta_saude_sexual,
        case when praticas.is_subgrupo_c then praticas.dt_consulta_saude_sexual end
            as dt_consulta_saude_sexual,
        case when praticas.is_subgrupo_c then praticas.dt_limite_consulta_saude_sexual end
            as dt_limite_consulta_saude_sexual,
        praticas.is_subgrupo_d and praticas.has_mamografia as has_mamografia,
        case when praticas.is_subgrupo_d then praticas.dt_mamografia end as dt_mamografia,
        case when praticas.is_subgrupo_d then praticas.dt_limite_mamografia end
            as dt_limite_mamografia,
        (
            case when praticas.is_subgrupo_a and praticas.has_rastreamento_colo then 20 else 0 end
            + case when praticas.is_subgrupo_b and praticas.has_vacina_hpv then 30 else 0 end
            + case
                when praticas.is_subgrupo_c and praticas.has_consulta_saude_sexual then 30 else 0
            end
            + case when praticas.is_subgrupo_d and praticas.has_mamografia then 20 else 0 end
        )::numeric as vl_pontos,
        (
            case when praticas.is_subgrupo_a then 20 else 0 end
            + case when praticas.is_subgrupo_b then 30 else 0 end
            + case when praticas.is_subgrupo_c then 30 else 0 end
            + case when praticas.is_subgrupo_d then 20 else 0 end
        )::numeric as vl_pontos_possiveis,
        {{ texto_pendencias([
            ('not praticas.is_subgrupo_a or praticas.has_rastreamento_colo',
             'A: sem exame de rastreamento do câncer do colo nos últimos 36 meses'),
            ('not praticas.is_subgrupo_b or praticas.has_vacina_hpv',
             'B: sem dose de vacina HPV entre 9 e 14 anos'),
            ('not praticas.is_subgrupo_c or praticas.has_consulta_saude_sexual',
             'C: sem atendimento de saúde sexual e reprodutiva nos últimos 12 meses'),
            ('not praticas.is_subgrupo_d or praticas.has_mamografia',
             'D: sem mamografia solicitada ou avaliada nos últimos 24 meses'),
        ]) }} as ds_pendencias
    from praticas
    inner join pessoas
        on
            praticas.co_municipio_ibge = pessoas.co_municipio_ibge
            and praticas.co_pessoa = pessoas.co_pessoa

)

select * from final
