{#- The rows of the município being run: see _municipio__macros.yml. -#}
{% macro pec_municipio_condition(column='co_municipio_ibge') -%}
    {%- set ibge = municipio_ibge() -%}
    {%- if ibge == '' -%}
        true
    {%- elif modules.re.fullmatch(ibge_code_pattern(), ibge) -%}
        {{ column }} = '{{ ibge }}'
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            'MUNICIPIO_IBGE must be a 7-digit IBGE code, not "' ~ ibge ~ '"'
        ) }}
    {%- endif -%}
{%- endmacro %}
