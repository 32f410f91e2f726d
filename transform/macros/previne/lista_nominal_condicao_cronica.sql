{#-
    The body of lista_nominal_hipertensos and lista_nominal_diabeticos (Previne Brasil 6 and
    7), which differ only in their names and in the follow-up procedure:
    - in the list: people alive whose latest Cadastro Individual self-reports the condition
      (`flag_cadastro`) or in whom a médico/enfermeiro assessed one of its codes in an
      individual encounter (int_condicoes_avaliadas.condicao = `condicao`), up to R;
    - consulta: the last encounter where a médico/enfermeiro assessed the condition (up to R);
    - follow-up: the last `procedimento` in one of `modos`, recorded by one of `categorias`;
    - numerator: both within [Q - 6 months, Q] (both ends included), Q = end of R's
      quadrimester.
-#}
{% macro lista_nominal_condicao_cronica(
    condicao, flag_cadastro, procedimento, modos, categorias, coluna_procedimento, nome
) -%}

with

parametros as (

    {{ parametros_referencia() }}

),

pessoas as (

    select * from {{ ref('int_pessoas_consolidadas') }}
    where {{ escopo_municipio() }} and not is_falecido

),

cadastros as (

    select * from {{ ref('int_cadastros_ultimas_versoes') }}
    where {{ escopo_municipio() }}

),

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where
        {{ escopo_municipio() }}
        and condicao = '{{ condicao }}'
        and is_medico_enfermeiro
        and dt_atendimento <= {{ data_referencia() }}

),

procedimentos as (

    select * from {{ ref('int_procedimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and procedimento = '{{ procedimento }}'
        and modo in {{ lista_sql(modos) }}
        and categoria_profissional in {{ lista_sql(categorias) }}
        and dt_procedimento <= {{ data_referencia() }}

),

diagnosticos_por_pessoa as (

    select
        co_municipio_ibge,
        co_pessoa,
        min(dt_atendimento) as dt_primeiro_diagnostico,
        max(dt_atendimento) as dt_ultima_consulta
    from condicoes
    group by co_municipio_ibge, co_pessoa

),

procedimentos_por_pessoa as (

    select
        co_municipio_ibge,
        co_pessoa,
        max(dt_procedimento) as {{ coluna_procedimento }}
    from procedimentos
    group by co_municipio_ibge, co_pessoa

),

lista as (

    select
        pessoas.co_municipio_ibge,
        pessoas.co_pessoa,
        {{ colunas_pessoa_previne() }},
        pessoas.ds_sexo,
        coalesce(cadastros.{{ flag_cadastro }}, false) as possui_{{ nome }}_autorreferida,
        diagnosticos_por_pessoa.co_pessoa is not null as possui_{{ nome }}_diagnosticada,
        diagnosticos_por_pessoa.dt_primeiro_diagnostico,
        diagnosticos_por_pessoa.dt_ultima_consulta,
        procedimentos_por_pessoa.{{ coluna_procedimento }},
        parametros.dt_referencia,
        parametros.ds_quadrimestre,
        parametros.dt_inicio_quadrimestre,
        parametros.dt_fim_quadrimestre,
        {{ meses_antes('parametros.dt_fim_quadrimestre', 6) }} as dt_inicio_janela,
        coalesce(
            diagnosticos_por_pessoa.dt_ultima_consulta
            >= {{ meses_antes('parametros.dt_fim_quadrimestre', 6) }},
            false
        ) as is_consulta_em_dia,
        coalesce(
            procedimentos_por_pessoa.{{ coluna_procedimento }}
            >= {{ meses_antes('parametros.dt_fim_quadrimestre', 6) }},
            false
        ) as is_{{ procedimento }}_em_dia
    from pessoas
    cross join parametros
    left join cadastros
        on
            pessoas.co_municipio_ibge = cadastros.co_municipio_ibge
            and pessoas.co_pessoa = cadastros.co_pessoa
    left join diagnosticos_por_pessoa
        on
            pessoas.co_municipio_ibge = diagnosticos_por_pessoa.co_municipio_ibge
            and pessoas.co_pessoa = diagnosticos_por_pessoa.co_pessoa
    left join procedimentos_por_pessoa
        on
            pessoas.co_municipio_ibge = procedimentos_por_pessoa.co_municipio_ibge
            and pessoas.co_pessoa = procedimentos_por_pessoa.co_pessoa
    where
        coalesce(cadastros.{{ flag_cadastro }}, false)
        or diagnosticos_por_pessoa.co_pessoa is not null

),

final as (

    select
        *,
        is_consulta_em_dia and is_{{ procedimento }}_em_dia as is_numerador
    from lista

)

select * from final

{%- endmacro %}
