{#-
    A one-row CTE body with the dates every mart measures from: the reference date R
    (reference_date()), the start and end of its quadrimester (Q) and its competência month.
-#}
{% macro parametros_referencia() -%}
    {#- sqlfluff's jinja templater lacks dbt's `modules`, which reference_date() needs. -#}
    {%- set dia = reference_date() if modules is defined else "date '2026-11-29'" -%}
    select
        {{ dia }} as dt_referencia,
        {{ quadrimestre_inicio(dia) }} as dt_inicio_quadrimestre,
        {{ quadrimestre_fim(dia) }} as dt_fim_quadrimestre,
        {{ quadrimestre_rotulo(dia) }} as ds_quadrimestre,
        date_trunc('month', {{ dia }})::date as dt_inicio_competencia
{%- endmacro %}
