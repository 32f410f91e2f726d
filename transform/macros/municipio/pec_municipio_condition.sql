{#- The rows of the município being run: see _municipio__macros.yml. -#}
{% macro pec_municipio_condition(column='co_municipio_ibge') -%}
    {#-
        Read when dbt executes, not when it parses: the parsed project is then the same for
        every município and one saved parse serves them all (dbt re-parses every file that read
        a variable whose value changed: 5 s for each município's first build otherwise).
    -#}
    {%- set ibge = (env_var('MUNICIPIO_IBGE', '') if execute else '') | trim -%}
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
