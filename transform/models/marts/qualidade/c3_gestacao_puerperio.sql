-- C3 Cuidado na gestação e puerpério: one row per gestation and competência; the rule is the
-- doc block qualidade_c3 (_qualidade__docs.md). Every practice is anchored at the gestation
-- (DUM, end D, puerpério (D, D + 42]): its date is the day it was achieved, and it counts in
-- a competência when that day is on or before dt_corte.
{#-
    Planned without nested loops, as C2 (for this statement only: `set local` ends with its
    transaction). Its plan swung with the statistics: make bench, 10,000 citizens, 0.7-3.9 s
    with 1 município in the banco analítico and 6.4-6.6 s with 20; with hash joins 0.9 s and
    1.2 s.
-#}
{{ config(meta={'indicador': 'C3'}, pre_hook="set local enable_nestloop = off") }}

with

gestacoes as (

    select * from {{ ref('int_gestacoes_identificadas') }}
    where {{ escopo_municipio() }} and not is_aborto

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }}

),

populacao as (

    select
        vinculos.*,
        gestacoes.nu_gestacao,
        gestacoes.dt_dum,
        gestacoes.dt_parto,
        gestacoes.dt_fim_gestacao,
        gestacoes.dt_fim_puerperio
    from {{ ref('int_pessoas_competencias') }} as vinculos
    inner join gestacoes
        on
            vinculos.co_municipio_ibge = gestacoes.co_municipio_ibge
            and vinculos.co_pessoa = gestacoes.co_pessoa
            and vinculos.dt_fim_competencia >= gestacoes.dt_dum
            and vinculos.dt_competencia <= gestacoes.dt_fim_puerperio
    where {{ escopo_municipio('vinculos.co_municipio_ibge') }} and vinculos.is_vinculado

),

eventos as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_atendimento as dt_evento,
        'consulta_gestacao' as evento
    from {{ ref('int_consultas_registradas') }}
    where {{ escopo_municipio() }} and is_gestacao_c3

    union

    select
        co_municipio_ibge,
        co_pessoa,
        dt_atendimento as dt_evento,
        'consulta_puerperio' as evento
    from {{ ref('int_consultas_registradas') }}
    where {{ escopo_municipio() }} and is_puerperio

    union

    {{ eventos_qualidade('afericao_pa') }}

    union

    {{ eventos_qualidade('antropometria') }}

    union

    {{ eventos_qualidade('visita') }}

    union

    select
        co_municipio_ibge,
        co_pessoa,
        dt_aplicacao as dt_evento,
        'dtpa' as evento
    from {{ ref('int_vacinas_aplicadas') }}
    where {{ escopo_municipio() }} and ltrim(nu_imunobiologico, '0') = '57'

    union

    -- tests: rapid tests performed, lab exams evaluated (requests do not count, AMB-C3-7)
    select
        co_municipio_ibge,
        co_pessoa,
        dt_procedimento as dt_evento,
        procedimento as evento
    from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and procedimento in (
            'gestacao_hiv', 'gestacao_sifilis', 'gestacao_hepatite_b', 'gestacao_hepatite_c'
        )
        and modo in ('realizado', 'avaliado')
        and {{ tem_cbo('exames_gestacao') }}

    union

    select
        co_municipio_ibge,
        co_pessoa,
        dt_atendimento as dt_evento,
        'saude_bucal' as evento
    from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'odontologico'
        and {{ tem_cbo('saude_bucal') }}

    union

    select
        co_municipio_ibge,
        co_pessoa,
        dt_procedimento as dt_evento,
        'saude_bucal' as evento
    from {{ ref('int_procedimentos_registrados') }}
    where {{ escopo_municipio() }} and procedimento = 'saude_bucal'

),

eventos_da_gestacao as (

    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.nu_gestacao,
        populacao.dt_competencia,
        populacao.dt_dum,
        populacao.dt_fim_gestacao,
        eventos.evento,
        eventos.dt_evento
    from populacao
    inner join eventos
        on
            populacao.co_municipio_ibge = eventos.co_municipio_ibge
            and populacao.co_pessoa = eventos.co_pessoa
            and eventos.dt_evento between populacao.dt_dum and populacao.dt_fim_puerperio
            and populacao.dt_corte >= eventos.dt_evento

),

primeiras_consultas as (

    -- E counts visits after the day of the first consulta with a gestation code
    select
        co_municipio_ibge,
        co_pessoa,
        nu_gestacao,
        dt_competencia,
        min(dt_evento) as dt_primeira_consulta
    from eventos_da_gestacao
    where evento = 'consulta_gestacao' and dt_evento <= dt_fim_gestacao
    group by co_municipio_ibge, co_pessoa, nu_gestacao, dt_competencia

),

conquistas as (

    {%- set na_gestacao = 'eventos_da_gestacao.dt_evento <= eventos_da_gestacao.dt_fim_gestacao' %}
    {%- set no_puerperio = 'eventos_da_gestacao.dt_evento > eventos_da_gestacao.dt_fim_gestacao' %}
    {%- set primeiro_trimestre -%}
        eventos_da_gestacao.dt_evento
        <= least(eventos_da_gestacao.dt_dum + 97, eventos_da_gestacao.dt_fim_gestacao)
    {%- endset %}
    {%- set terceiro_trimestre -%}
        eventos_da_gestacao.dt_evento >= eventos_da_gestacao.dt_dum + 196
        and {{ na_gestacao }}
    {%- endset %}
    select
        eventos_da_gestacao.co_municipio_ibge,
        eventos_da_gestacao.co_pessoa,
        eventos_da_gestacao.nu_gestacao,
        eventos_da_gestacao.dt_competencia,
        min(eventos_da_gestacao.dt_evento) filter (
            where
            eventos_da_gestacao.evento = 'consulta_gestacao'
            and eventos_da_gestacao.dt_evento <= eventos_da_gestacao.dt_dum + 90
        ) as dt_consulta_12_semanas,
        (
            array_agg(
                distinct eventos_da_gestacao.dt_evento order by eventos_da_gestacao.dt_evento
            ) filter (
                where eventos_da_gestacao.evento = 'consulta_gestacao' and {{ na_gestacao }}
            )
        )[7] as dt_setima_consulta,
        count(distinct eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'consulta_gestacao' and {{ na_gestacao }}
        ) as nu_consultas,
        (
            array_agg(
                distinct eventos_da_gestacao.dt_evento order by eventos_da_gestacao.dt_evento
            ) filter (
                where eventos_da_gestacao.evento = 'afericao_pa' and {{ na_gestacao }}
            )
        )[7] as dt_setima_afericao_pa,
        count(distinct eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'afericao_pa' and {{ na_gestacao }}
        ) as nu_afericoes_pa,
        (
            array_agg(
                distinct eventos_da_gestacao.dt_evento order by eventos_da_gestacao.dt_evento
            ) filter (
                where eventos_da_gestacao.evento = 'antropometria' and {{ na_gestacao }}
            )
        )[7] as dt_setima_antropometria,
        count(distinct eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'antropometria' and {{ na_gestacao }}
        ) as nu_antropometrias,
        (
            array_agg(
                distinct eventos_da_gestacao.dt_evento order by eventos_da_gestacao.dt_evento
            ) filter (
                where
                eventos_da_gestacao.evento = 'visita'
                and eventos_da_gestacao.dt_evento > primeiras_consultas.dt_primeira_consulta
                and {{ na_gestacao }}
            )
        )[3] as dt_terceira_visita,
        count(distinct eventos_da_gestacao.dt_evento) filter (
            where
            eventos_da_gestacao.evento = 'visita'
            and eventos_da_gestacao.dt_evento > primeiras_consultas.dt_primeira_consulta
            and {{ na_gestacao }}
        ) as nu_visitas_gestacao,
        min(eventos_da_gestacao.dt_evento) filter (
            where
            eventos_da_gestacao.evento = 'dtpa'
            and eventos_da_gestacao.dt_evento >= eventos_da_gestacao.dt_dum + 140
            and {{ na_gestacao }}
        ) as dt_dtpa,
        {%- for agente in ['hiv', 'sifilis', 'hepatite_b', 'hepatite_c'] %}
            min(eventos_da_gestacao.dt_evento) filter (
                where
                eventos_da_gestacao.evento = 'gestacao_{{ agente }}' and {{ primeiro_trimestre }}
            ) as dt_{{ agente }}_1_trimestre,
        {%- endfor %}
        {%- for agente in ['hiv', 'sifilis'] %}
            min(eventos_da_gestacao.dt_evento) filter (
                where
                eventos_da_gestacao.evento = 'gestacao_{{ agente }}' and {{ terceiro_trimestre }}
            ) as dt_{{ agente }}_3_trimestre,
        {%- endfor %}
        min(eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'consulta_puerperio' and {{ no_puerperio }}
        ) as dt_consulta_puerperio,
        min(eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'visita' and {{ no_puerperio }}
        ) as dt_visita_puerperio,
        min(eventos_da_gestacao.dt_evento) filter (
            where eventos_da_gestacao.evento = 'saude_bucal' and {{ na_gestacao }}
        ) as dt_saude_bucal
    from eventos_da_gestacao
    left join primeiras_consultas
        on
            eventos_da_gestacao.co_municipio_ibge = primeiras_consultas.co_municipio_ibge
            and eventos_da_gestacao.co_pessoa = primeiras_consultas.co_pessoa
            and eventos_da_gestacao.nu_gestacao = primeiras_consultas.nu_gestacao
            and eventos_da_gestacao.dt_competencia = primeiras_consultas.dt_competencia
    group by
        eventos_da_gestacao.co_municipio_ibge,
        eventos_da_gestacao.co_pessoa,
        eventos_da_gestacao.nu_gestacao,
        eventos_da_gestacao.dt_competencia

),

praticas as (

    select
        populacao.*,
        coalesce(populacao.ds_tipo_equipe = 'eAP', false) as is_equipe_eap,
        conquistas.dt_consulta_12_semanas,
        conquistas.dt_setima_consulta,
        coalesce(conquistas.nu_consultas, 0) as nu_consultas,
        conquistas.dt_setima_afericao_pa,
        coalesce(conquistas.nu_afericoes_pa, 0) as nu_afericoes_pa,
        conquistas.dt_setima_antropometria,
        coalesce(conquistas.nu_antropometrias, 0) as nu_antropometrias,
        conquistas.dt_terceira_visita,
        coalesce(conquistas.nu_visitas_gestacao, 0) as nu_visitas_gestacao,
        conquistas.dt_dtpa,
        greatest(
            conquistas.dt_hiv_1_trimestre,
            conquistas.dt_sifilis_1_trimestre,
            conquistas.dt_hepatite_b_1_trimestre,
            conquistas.dt_hepatite_c_1_trimestre
        ) as dt_exames_1_trimestre,
        conquistas.dt_hiv_1_trimestre is not null
        and conquistas.dt_sifilis_1_trimestre is not null
        and conquistas.dt_hepatite_b_1_trimestre is not null
        and conquistas.dt_hepatite_c_1_trimestre is not null as has_exames_1_trimestre,
        greatest(conquistas.dt_hiv_3_trimestre, conquistas.dt_sifilis_3_trimestre)
            as dt_exames_3_trimestre,
        conquistas.dt_hiv_3_trimestre is not null
        and conquistas.dt_sifilis_3_trimestre is not null as has_exames_3_trimestre,
        conquistas.dt_consulta_puerperio,
        conquistas.dt_visita_puerperio,
        conquistas.dt_saude_bucal
    from populacao
    left join conquistas
        on
            populacao.co_municipio_ibge = conquistas.co_municipio_ibge
            and populacao.co_pessoa = conquistas.co_pessoa
            and populacao.nu_gestacao = conquistas.nu_gestacao
            and populacao.dt_competencia = conquistas.dt_competencia

),

final as (

    select
        {{ colunas_pessoa('praticas', 'pessoas') }},
        praticas.nu_gestacao,
        praticas.dt_dum,
        praticas.dt_parto,
        praticas.dt_fim_gestacao,
        praticas.dt_fim_puerperio,
        praticas.dt_fim_puerperio
        between praticas.dt_competencia and praticas.dt_fim_competencia
            as is_coorte_competencia,
        praticas.dt_fim_puerperio
        between praticas.dt_competencia and praticas.dt_fim_competencia
        and pessoas.has_documento_valido as is_denominador,
        praticas.is_equipe_eap,
        praticas.dt_consulta_12_semanas is not null as has_consulta_12_semanas,
        praticas.dt_consulta_12_semanas,
        praticas.dt_dum + 90 as dt_limite_consulta_12_semanas,
        praticas.dt_setima_consulta is not null as has_consultas,
        praticas.dt_setima_consulta as dt_consultas,
        praticas.nu_consultas,
        praticas.dt_setima_afericao_pa is not null as has_afericoes_pa,
        praticas.dt_setima_afericao_pa as dt_afericoes_pa,
        praticas.nu_afericoes_pa,
        praticas.dt_setima_antropometria is not null as has_antropometrias,
        praticas.dt_setima_antropometria as dt_antropometrias,
        praticas.nu_antropometrias,
        praticas.dt_terceira_visita is not null as has_visitas_gestacao,
        praticas.dt_terceira_visita as dt_visitas_gestacao,
        praticas.nu_visitas_gestacao,
        praticas.dt_dtpa is not null as has_vacina_dtpa,
        praticas.dt_dtpa as dt_vacina_dtpa,
        praticas.dt_dum + 140 as dt_inicio_vacina_dtpa,
        praticas.has_exames_1_trimestre,
        case when praticas.has_exames_1_trimestre then praticas.dt_exames_1_trimestre end
            as dt_exames_1_trimestre,
        least(praticas.dt_dum + 97, praticas.dt_fim_gestacao) as dt_limite_exames_1_trimestre,
        praticas.has_exames_3_trimestre,
        case when praticas.has_exames_3_trimestre then praticas.dt_exames_3_trimestre end
            as dt_exames_3_trimestre,
        praticas.dt_dum + 196 as dt_inicio_exames_3_trimestre,
        praticas.dt_consulta_puerperio is not null as has_consulta_puerperio,
        praticas.dt_consulta_puerperio,
        praticas.dt_visita_puerperio is not null as has_visita_puerperio,
        praticas.dt_visita_puerperio,
        praticas.dt_saude_bucal is not null as has_saude_bucal,
        praticas.dt_saude_bucal,
        (
            case when praticas.dt_consulta_12_semanas is not null then 10 else 0 end
            + case when praticas.dt_setima_consulta is not null then 9 else 0 end
            + case when praticas.dt_setima_afericao_pa is not null then 9 else 0 end
            + case when praticas.dt_setima_antropometria is not null then 9 else 0 end
            + case
                when praticas.dt_terceira_visita is not null or praticas.is_equipe_eap then 9
                else 0
            end
            + case when praticas.dt_dtpa is not null then 9 else 0 end
            + case when praticas.has_exames_1_trimestre then 9 else 0 end
            + case when praticas.has_exames_3_trimestre then 9 else 0 end
            + case when praticas.dt_consulta_puerperio is not null then 9 else 0 end
            + case
                when praticas.dt_visita_puerperio is not null or praticas.is_equipe_eap then 9
                else 0
            end
            + case when praticas.dt_saude_bucal is not null then 9 else 0 end
        )::numeric as vl_pontos,
        {{ texto_pendencias([
            ('praticas.dt_consulta_12_semanas is not null',
             'A: sem consulta de pré-natal até a 12ª semana'),
            ('praticas.dt_setima_consulta is not null',
             'B: menos de 7 consultas de pré-natal'),
            ('praticas.dt_setima_afericao_pa is not null',
             'C: menos de 7 aferições de pressão arterial'),
            ('praticas.dt_setima_antropometria is not null',
             'D: menos de 7 registros de peso e altura'),
            ('praticas.dt_terceira_visita is not null or praticas.is_equipe_eap',
             'E: menos de 3 visitas do ACS/TACS após a 1ª consulta'),
            ('praticas.dt_dtpa is not null',
             'F: sem vacina dTpa a partir da 20ª semana'),
            ('praticas.has_exames_1_trimestre',
             'G: sem testes de sífilis, HIV e hepatites B e C no 1º trimestre'),
            ('praticas.has_exames_3_trimestre',
             'H: sem testes de sífilis e HIV no 3º trimestre'),
            ('praticas.dt_consulta_puerperio is not null',
             'I: sem consulta no puerpério'),
            ('praticas.dt_visita_puerperio is not null or praticas.is_equipe_eap',
             'J: sem visita do ACS/TACS no puerpério'),
            ('praticas.dt_saude_bucal is not null',
             'K: sem atendimento de saúde bucal na gestação'),
        ]) }} as ds_pendencias
    from praticas
    inner join pessoas
        on
            praticas.co_municipio_ibge = pessoas.co_municipio_ibge
            and praticas.co_pessoa = pessoas.co_pessoa

)

select * from final
