{#-
    Post-hook of the per-município incremental tables: ANALYZE the table when its statistics
    do not know the município just written (a new município, or a table never analysed) while
    they list every município they saw. The planner would then expect almost none of its rows
    and join them by nested loops: seen taking 150-260 s instead of 2 s for the second
    município of a new warehouse. With 100 or more municipalities the statistics estimate the
    average município, which is sound, and nothing is done. Cost when skipped: one catalog
    query.
-#}
{% macro analyze_if_municipio_unknown() -%}
    {%- set found = namespace(stale=false) -%}
    {%- if execute and model.config.materialized == 'incremental' -%}
        {%- set ibge = municipio_ibge() -%}
        {%- set check -%}
            select not exists (
                select
                from pg_stats
                where
                    schemaname = '{{ this.schema }}'
                    and tablename = '{{ this.identifier }}'
                    and attname = 'co_municipio_ibge'
                    and (
                        '{{ ibge }}' = ''
                        or n_distinct < 0
                        or n_distinct >= 100
                        or '{{ ibge }}' = any(most_common_vals::text::text [])
                    )
            )
        {%- endset -%}
        {%- set found.stale = run_query(check).columns[0].values()[0] -%}
    {%- endif -%}
    {{ 'analyze ' ~ this if found.stale else 'select 1' }}
{%- endmacro %}
