{#-
    The rows an intermediate or mart model computes in this run: `co_municipio_ibge = '<IBGE>'`
    in a município's environment (MUNICIPIO_IBGE set), `true` in a fleet-wide run. Every import
    CTE of the incremental intermediate/marts models filters its ref() with it, so one
    município's run reads (through the staging views, down to raw_pec's index) and rewrites only
    that município. A --full-refresh would drop the shared table and refill it with one
    município only, so it is refused when MUNICIPIO_IBGE is set.
-#}
{% macro escopo_municipio(column='co_municipio_ibge') -%}
    {#- sqlfluff's jinja templater has neither env_var nor flags: lint the fleet-wide form. -#}
    {%- if env_var is not defined -%}
        true
    {%- else -%}
        {%- set ibge = municipio_ibge() -%}
        {%- if ibge != '' and flags.FULL_REFRESH -%}
            {{ exceptions.raise_compiler_error(
                '--full-refresh rebuilds every município: run it without MUNICIPIO_IBGE'
            ) }}
        {%- endif -%}
        {{ pec_municipio_condition(column) }}
    {%- endif -%}
{%- endmacro %}
