{#-
    A PEC business code or short text (nu_ine, nu_cnes, nu_cbo, nu_identificador,
    nu_micro_area, ...), trimmed, with the "unknown" markers '-' and '' turned into null.
-#}
{% macro pec_code(column) -%}
    nullif(nullif(trim({{ column }}), '-'), '')
{%- endmacro %}
