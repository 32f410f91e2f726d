{#-
    Incremental strategy `municipio` (config incremental_strategy='municipio'): replace the
    rows of the município being run. It deletes every row matching escopo_municipio() (one
    município, or all of them in a fleet-wide run) and inserts the freshly computed ones, in
    the materialization's transaction. Unlike delete+insert on a unique_key, it also empties a
    município whose new result has no row (a list that became empty).
    Config `meta: {historico_por: [columns]}`: keep history along these columns, deleting only
    the rows whose values appear in the new result (indicadores_previne keeps past
    quadrimesters this way).
-#}
{% macro get_incremental_municipio_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set historico_por = (config.get('meta') or {}).get('historico_por') or [] -%}
    {%- set predicates = [escopo_municipio()] + (arg_dict['incremental_predicates'] or []) -%}
    {%- if historico_por -%}
        {%- do predicates.append(
            '(' ~ historico_por | join(', ') ~ ') in (select distinct '
            ~ historico_por | join(', ') ~ ' from ' ~ source ~ ')'
        ) -%}
    {%- endif -%}
    delete from {{ target }}
    where {{ predicates | join(' and ') }};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{%- endmacro %}
