{#-
    Every PEC source table has its key as a PRIMARY KEY constraint in the banco analítico: the
    key its source `primary_key` test names, in any column order. With the constraint no row
    can break the key, so a município's daily build checks the constraints (this one catalog
    query) instead of scanning its rows in 54 key tests (selectors.yml, municipio_diario); the
    staging views are 1:1 with their sources, never joined, so their keys follow.
    Fails with one row per table whose primary key is missing or differs.
-#}
{%- set expected = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'test' and node.test_metadata
            and node.test_metadata.name == 'primary_key' and node.sources -%}
            {%- set table = graph.sources[node.depends_on.nodes[0]] -%}
            {%- do expected.append({
                'table_schema': table.schema,
                'table_name': table.identifier,
                'key_columns': node.test_metadata.kwargs.columns,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with expected as (
    select
        e.table_schema,
        e.table_name,
        array(
            select k.col
            from jsonb_array_elements_text(e.key_columns) as k (col)
            order by k.col
        ) as key_columns
    from jsonb_to_recordset('{{ expected | tojson }}'::jsonb)
        as e (table_schema text, table_name text, key_columns jsonb)
),

enforced as (
    select
        n.nspname::text as table_schema,
        c.relname::text as table_name,
        array_agg(a.attname::text order by a.attname::text) as key_columns
    from pg_index as i
    inner join pg_class as c on i.indrelid = c.oid
    inner join pg_namespace as n on c.relnamespace = n.oid
    inner join pg_attribute as a on i.indrelid = a.attrelid and a.attnum = any(i.indkey)
    where i.indisprimary
    group by n.nspname, c.relname
)

select
    e.table_schema,
    e.table_name,
    e.key_columns as expected_key,
    f.key_columns as primary_key_found
from expected as e
left join enforced as f
    on e.table_schema = f.table_schema and e.table_name = f.table_name
where f.key_columns is distinct from e.key_columns
