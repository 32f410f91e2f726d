{#-
    Every live raw row of the município says when it was loaded (each source's
    `loaded_at_field`, the staging views' `loaded_at`): freshness, and `transmissor status`
    after it, read it. One query over every PEC source table, reading the tables themselves
    rather than the staging views, so that no model waits for it in a município's daily build
    (33 not_null tests on the views ran before any model could start). Fails with one row per
    table that has rows without it.
-#}
{%- set tables = [] -%}
{%- if execute -%}
    {%- for table in graph.sources.values() | sort(attribute='name') -%}
        {%- if table.source_name == 'pec' and table.loaded_at_field -%}
            {%- do tables.append(table) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if not tables -%}
        {{ exceptions.raise_compiler_error('no PEC source has a loaded_at_field to check') }}
    {%- endif -%}
{%- endif %}

with counts as (
    select
        null::text as table_name,
        0::bigint as rows_without_loaded_at
    {%- for table in tables %}
        union all
        select
            '{{ table.name }}' as table_name,
            count(*) as rows_without_loaded_at
        from {{ table.schema }}.{{ table.identifier }}
        where
            {{ pec_municipio_condition() }}
            and _sdc_deleted_at is null
            and {{ table.loaded_at_field }} is null
    {%- endfor %}
)

select
    table_name,
    rows_without_loaded_at
from counts
where rows_without_loaded_at > 0
