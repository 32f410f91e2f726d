{#-
    A PEC st_* flag as a boolean: 1 is true, 0 is false, null and any other value are null.
    Compared as text so that it also works if a PEC version stores the flag as boolean.
-#}
{% macro pec_flag(column) -%}
    case
        when {{ column }}::text in ('1', 'true') then true
        when {{ column }}::text in ('0', 'false') then false
    end
{%- endmacro %}
