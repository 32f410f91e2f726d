{#-
    The columns that locate a person of a Previne Brasil list for busca ativa (team, unit,
    microárea, name, birth date, documents), from `pessoas`, a relation with
    int_pessoas_consolidadas' columns.
-#}
{% macro colunas_pessoa_previne(pessoas='pessoas') -%}
    {{ pessoas }}.nu_ine,
    {{ pessoas }}.no_equipe,
    {{ pessoas }}.nu_cnes,
    {{ pessoas }}.no_unidade_saude,
    {{ pessoas }}.nu_micro_area,
    {{ pessoas }}.no_cidadao,
    {{ pessoas }}.dt_nascimento,
    {{ pessoas }}.nu_cpf,
    {{ pessoas }}.nu_cns
{%- endmacro %}
