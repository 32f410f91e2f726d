{#-
    Every foreign key of a model at once, within the município (PEC ids are local to each
    município's PEC, so a key is (co_municipio_ibge, id)): for each {column, to, field} of
    `references`, every non-null `column` has a row in the model `to` with that `field` and the
    same município. One test node per model instead of one per column: a município's daily
    build runs these before its models, one small query each, and per node dbt's own overhead
    was most of their cost. Each failing row names its column. The scope of the tested model
    (config `where`) is applied to every `to` as well.
-#}
{% test references_by_municipio(model, references, municipio_column='co_municipio_ibge') %}

with

child as (
    select * from {{ model }}
)

{% for reference in references %}
{%- if not loop.first %}
union all
{% endif %}
select
    '{{ reference.column }}' as column_name,
    child.{{ municipio_column }} as municipio,
    child.{{ reference.column }}::text as referenced_id
from child
where
    child.{{ reference.column }} is not null
    and not exists (
        select
        from {{ ref(reference.to) }} as parent
        where
            parent.{{ municipio_column }} = child.{{ municipio_column }}
            and parent.{{ reference.field }} = child.{{ reference.column }}
            and {{ pec_municipio_condition('parent.' ~ municipio_column) }}
    )
{% endfor %}

{% endtest %}
