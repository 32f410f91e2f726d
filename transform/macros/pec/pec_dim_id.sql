{#-
    A foreign key to a PEC dimension (co_dim_*, except the co_dim_tempo* date keys), with the
    sentinel row id 1 ("não informado", "SEM EQUIPE", nu_cnes '-') turned into null.
-#}
{% macro pec_dim_id(column) -%}
    nullif({{ column }}, 1)
{%- endmacro %}
