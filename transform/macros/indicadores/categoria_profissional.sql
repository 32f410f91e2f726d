{#-
    The professional category of a CBO code (6 characters, matched by prefix as the public
    indicator queries do): medico 2251/2252/2253/2231, enfermeiro 2235, cirurgiao_dentista 2232,
    acs_tacs 5151 and 322255 (técnico em ACS: checked before 3222), tecnico_auxiliar_enfermagem
    3222, outro for any other code, null when the CBO was not informed.
-#}
{% macro categoria_profissional(nu_cbo) -%}
    case
        when {{ nu_cbo }} is null then null
        when left({{ nu_cbo }}, 4) in ('2251', '2252', '2253', '2231') then 'medico'
        when left({{ nu_cbo }}, 4) = '2235' then 'enfermeiro'
        when left({{ nu_cbo }}, 4) = '2232' then 'cirurgiao_dentista'
        when left({{ nu_cbo }}, 4) = '5151' or {{ nu_cbo }} = '322255' then 'acs_tacs'
        when left({{ nu_cbo }}, 4) = '3222' then 'tecnico_auxiliar_enfermagem'
        else 'outro'
    end
{%- endmacro %}
