{#- The key is complete and unique: no null in `columns`, no two rows sharing them. One query
    where a not_null per column and a unique_combination took three (dbt's cost is per test:
    about 40 ms each, hundreds of them in a município's daily build). -#}
{% test primary_key(model, columns) %}

select
    {{ columns | join(',\n    ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
    {% for column in columns %} or {{ column }} is null{% endfor %}

{% endtest %}
