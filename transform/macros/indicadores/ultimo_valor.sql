{#-
    Aggregate: the value of `column` in the row with the highest `order_by` among the rows
    where it is not null (and, for text, not blank).
-#}
{% macro ultimo_valor(column, order_by) -%}
    (array_agg({{ column }} order by {{ order_by }} desc)
        filter (where nullif(trim({{ column }}::text), '') is not null))[1]
{%- endmacro %}
