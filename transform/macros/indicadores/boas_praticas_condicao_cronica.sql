{#-
    The body of boas_praticas_diabetes (C4) and boas_praticas_hipertensao (C5) of the quality
    component (Portaria GM/MS 3.493/2024). Population: living people in whom a médico or
    enfermeiro assessed one of the condition's codes (`codigos`, e.g. diabetes_c4) in an
    individual encounter since 2013, up to R (self-report does not count). Windows are whole
    calendar months ending with R's month (the competência), up to R:
    A consulta by médico/enfermeiro in 6 months; B blood pressure measured (procedure or home
    visit) in 6 months; C weight and height measured together in 12 months; D two home visits
    by ACS/TACS at least 30 days apart in 12 months; for C4 also E HbA1c requested or evaluated
    in 12 months and F foot exam in 12 months (not computable: see transform/README.md).
    `pesos`: points of each practice (A..F); the score is their sum for the practices done.
-#}
{% macro boas_praticas_condicao_cronica(codigos, pesos) -%}
{%- set colunas = {
    'A': 'has_consulta_6_meses',
    'B': 'has_afericao_pa_6_meses',
    'C': 'has_peso_altura_12_meses',
    'D': 'has_visitas_acs_12_meses',
    'E': 'has_hba1c_12_meses',
    'F': 'has_exame_pe_12_meses',
} -%}
    {%- set parcelas = [] -%}
    {%- for letra, peso in pesos.items() -%}
        {%- set parcela = 'case when ' ~ colunas[letra] ~ ' then ' ~ peso ~ ' else 0 end' -%}
        {%- do parcelas.append('(' ~ parcela ~ ')') -%}
    {%- endfor -%}
    {%- set pontuacao = parcelas | join(' + ') -%}

with

parametros as (

    {{ parametros_referencia() }}

),

janelas as (

    select
        dt_referencia,
        dt_inicio_competencia,
        (dt_inicio_competencia - interval '5 months')::date as dt_inicio_6_meses,
        (dt_inicio_competencia - interval '11 months')::date as dt_inicio_12_meses
    from parametros

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }} and not is_falecido

),

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where
        {{ escopo_municipio() }}
        and is_medico_enfermeiro
        and {{ tem_condicao(codigos) }}
        and dt_atendimento >= date '2013-01-01'
        and dt_atendimento <= {{ data_referencia() }}

),

atendimentos as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and dt_atendimento >= {{ inicio_meses_completos(12) }}
        and dt_atendimento <= {{ data_referencia() }}

),

procedimentos as (

    select * from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and dt_procedimento >= {{ inicio_meses_completos(12) }}
        and dt_procedimento <= {{ data_referencia() }}

),

diagnosticos as (

    select
        co_municipio_ibge,
        co_pessoa,
        max(dt_atendimento) as dt_ultimo_registro_condicao
    from condicoes
    group by co_municipio_ibge, co_pessoa

),

consultas as (

    select
        atendimentos.co_municipio_ibge,
        atendimentos.co_pessoa,
        max(atendimentos.dt_atendimento) as dt_ultima_consulta
    from atendimentos
    cross join janelas
    where
        atendimentos.tipo_atendimento = 'individual'
        and atendimentos.is_medico_enfermeiro
        and atendimentos.dt_atendimento >= janelas.dt_inicio_6_meses
    group by atendimentos.co_municipio_ibge, atendimentos.co_pessoa

),

visitas as (

    select
        co_municipio_ibge,
        co_pessoa,
        count(*) as nu_visitas_acs,
        max(dt_atendimento) - min(dt_atendimento) as nu_dias_entre_visitas
    from atendimentos
    where
        tipo_atendimento = 'visita_domiciliar'
        and is_visita_realizada
        and categoria_profissional = 'acs_tacs'
    group by co_municipio_ibge, co_pessoa

),

medicoes as (

    select
        procedimentos.co_municipio_ibge,
        procedimentos.co_pessoa,
        max(procedimentos.dt_procedimento) filter (
            where
            procedimentos.procedimento = 'afericao_pa'
            and procedimentos.modo = 'realizado'
            and procedimentos.dt_procedimento >= janelas.dt_inicio_6_meses
        ) as dt_ultima_afericao_pa,
        max(procedimentos.dt_procedimento) filter (
            where procedimentos.procedimento = 'peso_altura'
        ) as dt_ultimo_peso_altura,
        max(procedimentos.dt_procedimento) filter (
            where
            procedimentos.procedimento = 'hemoglobina_glicada'
            and procedimentos.modo in ('solicitado', 'avaliado')
        ) as dt_ultima_hba1c
    from procedimentos
    cross join janelas
    group by procedimentos.co_municipio_ibge, procedimentos.co_pessoa

),

praticas as (

    select
        pessoas.co_municipio_ibge,
        pessoas.co_pessoa,
        pessoas.nu_ine,
        pessoas.no_equipe,
        pessoas.nu_cnes,
        pessoas.no_unidade_saude,
        pessoas.nu_micro_area,
        pessoas.no_cidadao,
        pessoas.dt_nascimento,
        pessoas.nu_cpf,
        pessoas.nu_cns,
        diagnosticos.dt_ultimo_registro_condicao,
        consultas.dt_ultima_consulta,
        medicoes.dt_ultima_afericao_pa,
        medicoes.dt_ultimo_peso_altura,
        coalesce(visitas.nu_visitas_acs, 0) as nu_visitas_acs,
        medicoes.dt_ultima_hba1c,
        janelas.dt_referencia,
        janelas.dt_inicio_competencia,
        consultas.dt_ultima_consulta is not null as has_consulta_6_meses,
        medicoes.dt_ultima_afericao_pa is not null as has_afericao_pa_6_meses,
        medicoes.dt_ultimo_peso_altura is not null as has_peso_altura_12_meses,
        coalesce(
            visitas.nu_visitas_acs >= 2 and visitas.nu_dias_entre_visitas >= 30, false
        ) as has_visitas_acs_12_meses,
        medicoes.dt_ultima_hba1c is not null as has_hba1c_12_meses,
        -- F (C4): no code list for the foot exam is known and the FAI field is not replicated
        false as has_exame_pe_12_meses
    from diagnosticos
    cross join janelas
    inner join pessoas
        on
            diagnosticos.co_municipio_ibge = pessoas.co_municipio_ibge
            and diagnosticos.co_pessoa = pessoas.co_pessoa
    left join consultas
        on
            diagnosticos.co_municipio_ibge = consultas.co_municipio_ibge
            and diagnosticos.co_pessoa = consultas.co_pessoa
    left join visitas
        on
            diagnosticos.co_municipio_ibge = visitas.co_municipio_ibge
            and diagnosticos.co_pessoa = visitas.co_pessoa
    left join medicoes
        on
            diagnosticos.co_municipio_ibge = medicoes.co_municipio_ibge
            and diagnosticos.co_pessoa = medicoes.co_pessoa

),

final as (

    select
        *,
        {{ pontuacao }} as vl_pontuacao
    from praticas

)

select * from final

{%- endmacro %}
