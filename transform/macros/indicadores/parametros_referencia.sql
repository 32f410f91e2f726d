{#-
    A one-row CTE body with the dates every mart measures from: the reference date R
    (reference_date()), the start and end of its quadrimester (Q) and its competência month.
-#}
{% macro parametros_referencia() -%}
    {%- set dia = data_referencia() -%}
    select
        {{ dia }} as dt_referencia,
        {{ quadrimestre_inicio(dia) }} as dt_inicio_quadrimestre,
        {{ quadrimestre_fim(dia) }} as dt_fim_quadrimestre,
        {{ quadrimestre_rotulo(dia) }} as ds_quadrimestre,
        date_trunc('month', {{ dia }})::date as dt_inicio_competencia
{%- endmacro %}

{#-
    reference_date() as a date literal, to filter with in WHERE clauses: a literal (unlike a
    subquery on the parametros CTE) lets the planner estimate the rows of a window, which keeps
    its join plans sane. sqlfluff's jinja templater lacks dbt's `modules`, which
    reference_date() needs, so it gets a fixed date.
-#}
{% macro data_referencia() -%}
    {{- reference_date() if modules is defined else "date '2026-11-29'" -}}
{%- endmacro %}

{#- The first day of the window of `months` whole calendar months ending with R's month. -#}
{% macro inicio_meses_completos(months) -%}
    (date_trunc('month', {{ data_referencia() }}) - interval '{{ months - 1 }} months')::date
{%- endmacro %}
