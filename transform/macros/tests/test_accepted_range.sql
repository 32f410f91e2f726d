{#- Every non-null value lies within [min_value, max_value] (either bound may be left out). -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- set below, above = ('<', '>') if inclusive else ('<=', '>=') -%}
{%- set too_low = [column_name, below, min_value] | join(' ') -%}
{%- set too_high = [column_name, above, max_value] | join(' ') %}

select {{ column_name }}
from {{ model }}
where
    {{ column_name }} is not null
    and (
        {{ too_low if min_value is not none else 'false' }}
        or {{ too_high if max_value is not none else 'false' }}
    )

{% endtest %}
