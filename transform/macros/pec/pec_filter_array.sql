{#-
    A PEC ds_filtro_* list ('|K86|T90|') as a text[] of codes ('{K86,T90}'), blanks dropped.
    null stays null (not recorded); '', '|' or '||' give an empty array (recorded, no code).
-#}
{% macro pec_filter_array(column) -%}
    case
        when {{ column }} is not null
            then array_remove(
                string_to_array(trim(both '|' from replace({{ column }}, ' ', '')), '|'),
                ''
            )
    end
{%- endmacro %}
