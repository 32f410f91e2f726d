{#-
    The competências a build computes: R's month and the var('competencias_calculadas') - 1
    months before it (default 12 in all), extended back to the first month of the earliest
    one's quadrimester, so that every quadrimester result (the mean of its months) is complete.
    One row per month: its first day (dt_competencia), its last day (dt_fim_competencia) and
    dt_corte, the last day whose records count (the last day of the month, or R in R's own
    month). Literal dates, so the planner can estimate.
-#}
{% macro competencias() -%}
    {%- set quantas = var('competencias_calculadas', 12) | int -%}
    {%- set primeira -%}
        (date_trunc('month', {{ data_referencia() }}) - interval '{{ quantas - 1 }} months')::date
    {%- endset -%}
    select
        competencia::date as dt_competencia,
        (competencia + interval '1 month' - interval '1 day')::date as dt_fim_competencia,
        least(
            (competencia + interval '1 month' - interval '1 day')::date, {{ data_referencia() }}
        ) as dt_corte
    from generate_series(
        {{ quadrimestre_inicio(primeira) }},
        date_trunc('month', {{ data_referencia() }}),
        interval '1 month'
    ) as competencia
{%- endmacro %}

{#-
    The anniversary of `day` after `interval` ('2 years', '6 months'): the same day of the month
    that many months or years later, or the next day when that month has no such day (Código
    Civil art. 132 §3; AMB-C2-2): 29 February + 2 years is 1 March, 31 August + 6 months is
    1 March. PostgreSQL's date + interval gives the month's last day instead, hence the + 1.
-#}
{% macro aniversario(day, interval) -%}
    (
        ({{ day }} + interval '{{ interval }}')::date
        + case
            when
                extract(day from {{ day }} + interval '{{ interval }}')
                <> extract(day from {{ day }})
                then 1
            else 0
        end
    )
{%- endmacro %}

{#- First day of the window of `months` whole calendar months ending with competência `dt`. -#}
{% macro inicio_janela(dt_competencia, months) -%}
    ({{ dt_competencia }} - interval '{{ months - 1 }} months')::date
{%- endmacro %}

{#-
    The last day on which a practice done on `day` still counts for a window of `months`
    months: the last day of the last competência whose window holds it.
-#}
{% macro vigente_ate(day, months) -%}
    (date_trunc('month', {{ day }}) + interval '{{ months }} months' - interval '1 day')::date
{%- endmacro %}

{#- Completed years between `birth` and `day`. -#}
{% macro idade_anos(birth, day) -%}
    extract(year from age({{ day }}, {{ birth }}))::int
{%- endmacro %}
