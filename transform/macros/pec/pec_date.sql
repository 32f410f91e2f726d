{#-
    A PEC date key (co_dim_tempo*, YYYYMMDD as bigint) as a date. The "unknown date" sentinel
    30001231, null, and anything that is not a real calendar date give null. The CASE branches
    run in order, so make_date only ever sees a valid year and month.
-#}
{% macro pec_date(column) -%}
    case
        when {{ column }} is null or {{ column }} = 30001231 then null
        when
            {{ column }} not between 10000101 and 99991231
            or ({{ column }} / 100) % 100 not between 1 and 12
            or {{ column }} % 100 not between 1 and 31
            then null
        when
            extract(month from make_date(
                ({{ column }} / 10000)::int, (({{ column }} / 100) % 100)::int, 1
            ) + ({{ column }} % 100 - 1)::int) = ({{ column }} / 100) % 100
            then make_date(
                ({{ column }} / 10000)::int, (({{ column }} / 100) % 100)::int, 1
            ) + ({{ column }} % 100 - 1)::int
    end
{%- endmacro %}
