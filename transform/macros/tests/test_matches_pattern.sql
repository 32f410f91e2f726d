{#- Every non-null value matches the POSIX regular expression `pattern` (whole value). -#}
{% test matches_pattern(model, column_name, pattern) %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ column_name }}::text !~ '^(?:{{ pattern }})$'

{% endtest %}
