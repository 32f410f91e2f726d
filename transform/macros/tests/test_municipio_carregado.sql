{#-
    Every row belongs to a loaded município: its co_municipio_ibge has a PEC municipality
    dimension in raw_pec (stg_pec__dim_municipio). Catches rows left behind for a município
    that was removed, or computed from a wrong scope.
-#}
{% test municipio_carregado(model, column_name) %}

select distinct {{ column_name }}
from {{ model }}
where
    {{ column_name }} not in (
        select distinct co_municipio_ibge from {{ ref('stg_pec__dim_municipio') }}
    )

{% endtest %}
