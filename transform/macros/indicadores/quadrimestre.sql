{#-
    Quadrimesters of the Previne Brasil: Q1 January-April, Q2 May-August, Q3 September-December.
    `day` is a SQL date expression (e.g. reference_date()).
-#}
{% macro quadrimestre_inicio(day) -%}
    make_date(
        extract(year from {{ day }})::int,
        ((extract(month from {{ day }})::int - 1) / 4) * 4 + 1,
        1
    )
{%- endmacro %}

{% macro quadrimestre_fim(day) -%}
    ({{ quadrimestre_inicio(day) }} + interval '4 months' - interval '1 day')::date
{%- endmacro %}

{% macro quadrimestre_rotulo(day) -%}
    extract(year from {{ day }})::int || '.Q'
    || ((extract(month from {{ day }})::int - 1) / 4 + 1)
{%- endmacro %}

{#- `months` calendar months back from `day`, as PostgreSQL computes date - interval. -#}
{% macro meses_antes(day, months) -%}
    ({{ day }} - interval '{{ months }} months')::date
{%- endmacro %}
