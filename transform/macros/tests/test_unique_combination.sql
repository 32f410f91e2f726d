{#- No two rows share the values of `columns` (a composite key). Rows with a null key count too.
    With complete=true no key column may be null either (the `primary_key` test). -#}
{% test unique_combination(model, columns, complete=false) %}

select
    {{ columns | join(',\n    ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {% if complete %}{% for column in columns %} or {{ column }} is null{% endfor %}{% endif %}

{% endtest %}
