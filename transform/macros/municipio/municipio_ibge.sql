{#-
    MUNICIPIO_IBGE, trimmed, when dbt executes; '' when it parses (and in a fleet-wide run).
    Read only when executing: the parsed project is then the same for every município and one
    saved parse serves them all (dbt re-parses every file that read a variable whose value
    changed: 5 s for each município's first build otherwise).
-#}
{% macro municipio_ibge() -%}
    {{- return((env_var('MUNICIPIO_IBGE', '') if execute else '') | trim) -}}
{%- endmacro %}
