{#-
    dbt's own get_where_subquery (it wraps the model of a generic test in
    `(select * from model where <where>)`), plus one placeholder: __municipio_atual__ becomes
    pec_municipio_condition(), i.e. `co_municipio_ibge = '<MUNICIPIO_IBGE>'` when dbt runs in a
    município's environment and `true` otherwise. Test configs cannot call macros themselves.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where -%}
        {%- do return(relation) -%}
    {%- endif -%}
    {%- set where = municipio_atual(where) -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') as dbt_subquery') -%}
{%- endmacro %}
