{#-
    Every non-null `column_name` has a `field` in `to` within the same município: PEC ids are
    local to each município's PEC, so a foreign key is (co_municipio_ibge, id). The scope of the
    tested model (config `where`) is applied to `to` as well, so a run for one município reads
    only that município's rows on both sides.
-#}
{% test relationships_by_municipio(
    model, column_name, to, field, municipio_column='co_municipio_ibge'
) %}

with

child as (
    select
        {{ municipio_column }} as municipio,
        {{ column_name }} as referenced_id
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select
        {{ municipio_column }} as municipio,
        {{ field }} as referenced_id
    from {{ to }}
    where {{ pec_municipio_condition(municipio_column) }}
)

select child.*
from child
left join parent
    on
        child.municipio = parent.municipio
        and child.referenced_id = parent.referenced_id
where parent.referenced_id is null

{% endtest %}
