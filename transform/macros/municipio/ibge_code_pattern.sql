{#- GENERATED from transmissor.municipios.ibge.CODE_PATTERN by `transmissor contract render`:
    do not edit. The form of an IBGE municipality code, a regular expression without anchors
    (modules.re.fullmatch(ibge_code_pattern(), code)). -#}
{% macro ibge_code_pattern() -%}
    {%- do return('[0-9]{7}') -%}
{%- endmacro %}
