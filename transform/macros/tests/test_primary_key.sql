{#- The key is complete and unique: no null in `columns`, no two rows sharing them. One query
    where a not_null per column and a unique_combination took three (dbt's cost is per test:
    about 40 ms each, hundreds of them in a município's daily build). -#}
{% test primary_key(model, columns) %}
    {{ test_unique_combination(model, columns, complete=true) }}
{% endtest %}
