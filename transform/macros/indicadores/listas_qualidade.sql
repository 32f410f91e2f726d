{#-
    The pieces every lista nominal of the quality component (models/marts/qualidade/) shares:
    the person's columns, the gaps in words, and the body of the lists whose practices look
    back over a window of months (C4, C5, C6). See _indicadores__macros.yml.
-#}

{#-
    The columns that identify and locate a person in a list (busca ativa): competência, team,
    unit, microárea, name, birth date, documents and phone. `populacao` is a relation with one
    row per person and competência (int_pessoas_competencias' columns), `pessoas` one of
    int_pessoas_consolidadas.
-#}
{% macro colunas_pessoa(populacao='populacao', pessoas='pessoas') -%}
    {{ populacao }}.co_municipio_ibge,
    {{ populacao }}.dt_competencia,
    {{ populacao }}.co_pessoa,
    {{ populacao }}.nu_ine,
    {{ populacao }}.no_equipe,
    {{ populacao }}.ds_tipo_equipe,
    {{ populacao }}.nu_cnes,
    {{ populacao }}.no_unidade_saude,
    {{ populacao }}.nu_micro_area,
    {{ pessoas }}.no_cidadao,
    {{ pessoas }}.no_social_cidadao,
    {{ pessoas }}.dt_nascimento,
    {{ populacao }}.nu_idade,
    {{ pessoas }}.nu_cpf,
    {{ pessoas }}.nu_cns,
    {{ pessoas }}.nu_telefone_celular,
    {{ pessoas }}.has_documento_valido
{%- endmacro %}

{#-
    What is missing, in words, for the health team: the `pendencia` of each practice whose
    condition (a SQL boolean, true when done or credited) is false, joined by '; '.
    `pendencias` is a list of (condition, text) pairs.
-#}
{% macro texto_pendencias(pendencias) -%}
    array_to_string(array_remove(array[
        {%- for condicao, texto in pendencias %}
            case when not ({{ condicao }}) then '{{ texto }}' end
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    ], null), '; ')
{%- endmacro %}

{#-
    The dated events the periodic practices count, one SELECT per kind: (co_municipio_ibge,
    co_pessoa, dt_evento, evento). The CBO sets and modes are the notes' (_qualidade__docs.md).
-#}
{% macro eventos_qualidade(evento) -%}
    {%- if evento == 'consulta' -%}
        select co_municipio_ibge, co_pessoa, dt_atendimento as dt_evento, 'consulta' as evento
        from {{ ref('int_consultas_registradas') }}
        where {{ escopo_municipio() }}
    {%- elif evento in ('afericao_pa', 'antropometria') -%}
        select co_municipio_ibge, co_pessoa, dt_registro as dt_evento, '{{ evento }}' as evento
        from {{ ref('int_medicoes_registradas') }}
        where {{ escopo_municipio() }} and is_{{ evento }}
    {%- elif evento == 'visita' -%}
        select co_municipio_ibge, co_pessoa, dt_atendimento as dt_evento, 'visita' as evento
        from {{ ref('int_atendimentos_registrados') }}
        where
            {{ escopo_municipio() }}
            and tipo_atendimento = 'visita_domiciliar'
            and {{ tem_cbo('acs_tacs') }}
    {%- elif evento in ('hemoglobina_glicada', 'exame_pe_diabetico') -%}
        select co_municipio_ibge, co_pessoa, dt_procedimento as dt_evento, '{{ evento }}' as evento
        from {{ ref('int_procedimentos_registrados') }}
        where
            {{ escopo_municipio() }}
            and procedimento = '{{ evento }}'
            and {{ tem_cbo(evento) }}
            {%- if evento == 'exame_pe_diabetico' %}
                and modo = 'realizado'
            {%- endif %}
    {%- elif evento in ('rastreamento_colo', 'hpv_molecular', 'mamografia') -%}
        {#- C7: collected, requested or evaluated (mamografia: requested or evaluated) -#}
        select co_municipio_ibge, co_pessoa, dt_procedimento as dt_evento, '{{ evento }}' as evento
        from {{ ref('int_procedimentos_registrados') }}
        where
            {{ escopo_municipio() }}
            and procedimento = '{{ evento }}'
            and {{ tem_cbo('medico_enfermeiro') }}
            {%- if evento == 'mamografia' %}
                and modo in ('solicitado', 'avaliado')
            {%- endif %}
        {%- if evento in ('rastreamento_colo', 'mamografia') %}
        union
        select co_municipio_ibge, co_pessoa, dt_atendimento as dt_evento, '{{ evento }}' as evento
        from {{ ref('int_consultas_registradas') }}
        where
            {{ escopo_municipio() }}
            {%- if evento == 'rastreamento_colo' %}
                and is_rastreamento_colo_consulta
            {%- else %}
                and is_rastreamento_mama_consulta
            {%- endif %}
        {%- endif %}
    {%- elif evento == 'consulta_saude_sexual' -%}
        select
            co_municipio_ibge, co_pessoa, dt_atendimento as dt_evento,
            'consulta_saude_sexual' as evento
        from {{ ref('int_consultas_registradas') }}
        where {{ escopo_municipio() }} and is_saude_sexual_reprodutiva
    {%- elif evento == 'vacina_influenza' -%}
        select
            co_municipio_ibge, co_pessoa, dt_aplicacao as dt_evento, 'vacina_influenza' as evento
        from {{ ref('int_vacinas_aplicadas') }}
        where {{ escopo_municipio() }} and ltrim(nu_imunobiologico, '0') in ('33', '77')
    {%- else -%}
        {{ exceptions.raise_compiler_error('unknown event: ' ~ evento) }}
    {%- endif -%}
{%- endmacro %}

{#-
    The rest of a periodic list after the model's own `populacao` CTE (one row per person and
    competência in the indicator's population, with int_pessoas_competencias' columns):
    `pessoas`, the events in each practice's window, the practices per person and competência,
    and `final`. A practice is a dict: `nome` (column names has_<nome>, dt_<nome>,
    dt_limite_<nome>, nu_dias_<nome>), `evento` (eventos_qualidade; each event kind feeds one
    practice), `meses` (the window: that many whole months ending with the competência),
    `pontos`, optional `visitas_30_dias` (two days at least 30 days apart; the date is the later
    one), optional `credito_eap` (full points for eAP teams) and `pendencia` (the gap in words).
    dt_<nome> is the latest day in the window; dt_limite_<nome> the last day the practice still
    counts without a new record (the end of the competência when it is not done). One join of
    the population with the events and one aggregate, whatever the number of practices.
-#}
{% macro cuidado_continuado(praticas) -%}
    {%- set meses = praticas | map(attribute='meses') | max -%}

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }}

),

eventos as (
    {% for pratica in praticas %}
        {{ eventos_qualidade(pratica['evento']) }}
        {% if not loop.last %}union{% endif %}
    {% endfor %}
),

eventos_no_periodo as (

    select
        populacao.co_municipio_ibge,
        populacao.co_pessoa,
        populacao.dt_competencia,
        eventos.evento,
        eventos.dt_evento
        {%- for pratica in praticas if pratica.get('visitas_30_dias') %},
            max(eventos.dt_evento) filter (
                where
                eventos.evento = '{{ pratica["evento"] }}'
                and eventos.dt_evento
                >= {{ inicio_janela('populacao.dt_competencia', pratica['meses']) }}
            ) over (
                partition by
                    populacao.co_municipio_ibge, populacao.co_pessoa, populacao.dt_competencia
            ) as dt_ultimo_{{ pratica['nome'] }}
        {%- endfor %}
    from populacao
    inner join eventos
        on
            populacao.co_municipio_ibge = eventos.co_municipio_ibge
            and populacao.co_pessoa = eventos.co_pessoa
            and eventos.dt_evento
            between {{ inicio_janela('populacao.dt_competencia', meses) }}
            and populacao.dt_corte

),

praticas_no_periodo as (

    select
        co_municipio_ibge,
        co_pessoa,
        dt_competencia
        {%- for pratica in praticas %}
            {%- set no_periodo -%}
                evento = '{{ pratica["evento"] }}'
                and dt_evento >= {{ inicio_janela('dt_competencia', pratica['meses']) }}
            {%- endset %},
            max(dt_evento) filter (where {{ no_periodo }}) as dt_ultimo_{{ pratica['nome'] }},
            count(distinct dt_evento) filter (where {{ no_periodo }})
                as nu_dias_{{ pratica['nome'] }}
            {%- if pratica.get('visitas_30_dias') %},
                -- the latest visit with a later one at least 30 days after it: the practice
                -- holds as long as that visit stays in the window
                max(dt_evento) filter (
                    where {{ no_periodo }} and dt_evento <= dt_ultimo_{{ pratica['nome'] }} - 30
                ) as dt_primeira_do_par_{{ pratica['nome'] }}
            {%- endif %}
        {%- endfor %}
    from eventos_no_periodo
    group by co_municipio_ibge, co_pessoa, dt_competencia

),

praticas as (

    select
        populacao.*,
        {%- for pratica in praticas %}
            {%- set nome = pratica['nome'] %}
            {%- set referencia = 'praticas_no_periodo.dt_primeira_do_par_' ~ nome
                if pratica.get('visitas_30_dias') else 'praticas_no_periodo.dt_ultimo_' ~ nome %}
            {{ referencia }} is not null as has_{{ nome }},
            case
                when {{ referencia }} is not null then praticas_no_periodo.dt_ultimo_{{ nome }}
            end as dt_{{ nome }},
            coalesce(
                {{ vigente_ate(referencia, pratica['meses']) }}, populacao.dt_fim_competencia
            ) as dt_limite_{{ nome }},
            coalesce(praticas_no_periodo.nu_dias_{{ nome }}, 0) as nu_dias_{{ nome }},
        {%- endfor %}
        coalesce(populacao.ds_tipo_equipe = 'eAP', false) as is_equipe_eap
    from populacao
    left join praticas_no_periodo
        on
            populacao.co_municipio_ibge = praticas_no_periodo.co_municipio_ibge
            and populacao.co_pessoa = praticas_no_periodo.co_pessoa
            and populacao.dt_competencia = praticas_no_periodo.dt_competencia

),

final as (

    select
        {{ colunas_pessoa('praticas', 'pessoas') }},
        pessoas.has_documento_valido as is_denominador,
        praticas.is_equipe_eap,
        {%- for pratica in praticas %}
            praticas.has_{{ pratica['nome'] }},
            praticas.dt_{{ pratica['nome'] }},
            praticas.dt_limite_{{ pratica['nome'] }},
            praticas.nu_dias_{{ pratica['nome'] }},
        {%- endfor %}
        {%- set parcelas = [] %}
        {%- set pendencias = [] %}
        {%- for pratica in praticas %}
            {%- set feita = 'praticas.has_' ~ pratica['nome'] %}
            {%- if pratica.get('credito_eap') %}
                {%- set feita = '(' ~ feita ~ ' or praticas.is_equipe_eap)' %}
            {%- endif %}
            {%- do parcelas.append(
                'case when ' ~ feita ~ ' then ' ~ pratica['pontos'] ~ ' else 0 end'
            ) %}
            {%- do pendencias.append((feita, pratica['pendencia'])) %}
        {%- endfor %}
        ({{ parcelas | join(' + ') }})::numeric as vl_pontos,
        {{ texto_pendencias(pendencias) }} as ds_pendencias
    from praticas
    inner join pessoas
        on
            praticas.co_municipio_ibge = pessoas.co_municipio_ibge
            and praticas.co_pessoa = pessoas.co_pessoa

)
{%- endmacro %}
