{#-
    The reference date of the indicators, as a SQL date literal: var('reference_date') when
    given (YYYY-MM-DD), else the day the run started in the município's time zone
    (MUNICIPIO_FUSO_HORARIO, default America/Sao_Paulo). One value for the whole run.
-#}
{% macro reference_date() -%}
    {%- set given = var('reference_date', '') -%}
    {%- if given -%}
        {%- set day = modules.datetime.date.fromisoformat(given | string) -%}
    {%- else -%}
        {#- The município's zone when executing only, as in pec_municipio_condition. -#}
        {%- set zone = modules.pytz.timezone(
            env_var('MUNICIPIO_FUSO_HORARIO', 'America/Sao_Paulo') if execute
            else 'America/Sao_Paulo'
        ) -%}
        {%- set day = run_started_at.astimezone(zone).date() -%}
    {%- endif -%}
    date '{{ day.isoformat() }}'
{%- endmacro %}
