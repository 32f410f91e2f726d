{#- `text` with the placeholder __municipio_atual__ replaced by pec_municipio_condition(). -#}
{% macro municipio_atual(text) -%}
    {{- text | replace('__municipio_atual__', pec_municipio_condition()) -}}
{%- endmacro %}
