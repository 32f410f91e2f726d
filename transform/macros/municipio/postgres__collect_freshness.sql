{#-
    dbt's freshness query for PostgreSQL, with the source's `filter` passed through
    municipio_atual(): the sources' YAML sets the placeholder, filled in when dbt executes.
-#}
{% macro postgres__collect_freshness(source, loaded_at_field, filter) -%}
    {{ return(default__collect_freshness(source, loaded_at_field, municipio_atual(filter))) }}
{%- endmacro %}
