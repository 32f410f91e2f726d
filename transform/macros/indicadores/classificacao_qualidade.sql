{#-
    Bands, concept points and weights of the quality component (NT 8/2026; see
    models/marts/qualidade/_qualidade__docs.md). Bands are applied to the unrounded value.
-#}

{#- The band of an indicator's result (0-100); null when there is no result. -#}
{% macro faixa_resultado(co_indicador, valor) -%}
    case
        when {{ valor }} is null then null
        when {{ co_indicador }} = 'C1' then
            case
                when {{ valor }} > 50 and {{ valor }} <= 70 then 'Ótimo'
                when {{ valor }} > 30 and {{ valor }} <= 50 then 'Bom'
                when {{ valor }} > 10 and {{ valor }} <= 30 then 'Suficiente'
                else 'Regular'
            end
        when {{ valor }} > 75 then 'Ótimo'
        when {{ valor }} > 50 then 'Bom'
        when {{ valor }} > 25 then 'Suficiente'
        else 'Regular'
    end
{%- endmacro %}

{#- The concept points of a band: Regular 0.25, Suficiente 0.50, Bom 0.75, Ótimo 1.00. -#}
{% macro pontos_conceito(faixa) -%}
    case {{ faixa }}
        when 'Ótimo' then 1.00
        when 'Bom' then 0.75
        when 'Suficiente' then 0.50
        when 'Regular' then 0.25
    end
{%- endmacro %}

{#- The weight of each indicator in the Nota Final (the same for eSF and eAP). -#}
{% macro peso_indicador(co_indicador) -%}
    case {{ co_indicador }}
        when 'C1' then 1
        when 'C2' then 2
        when 'C3' then 2
        when 'C4' then 1
        when 'C5' then 1
        when 'C6' then 1
        when 'C7' then 2
    end
{%- endmacro %}

{#- The band of the Nota Final (2.5-10), Quadro 6 of NT 8/2026. -#}
{% macro faixa_nota_final(nota) -%}
    case
        when {{ nota }} is null then null
        when {{ nota }} > 7.5 then 'Ótimo'
        when {{ nota }} >= 5 then 'Bom'
        when {{ nota }} > 2.5 then 'Suficiente'
        else 'Regular'
    end
{%- endmacro %}
