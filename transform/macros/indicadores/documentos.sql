{#-
    Whether a person's documents let SIAPS see them (QUALIDADE_APS.md section 1.3): a CPF
    with valid check digits, a CNS that passes the CNS checksum, or a pseudonym (64 hex
    characters: with pseudonymisation on, the digits cannot be checked, so a present value
    counts).
-#}
{% macro cpf_valido(column) -%}
    {%- set digito = "substr(" ~ column ~ ", {}, 1)::int" -%}
    {%- set soma1 = [] -%}
    {%- set soma2 = [] -%}
    {%- for i in range(1, 10) -%}
        {%- do soma1.append(digito.format(i) ~ ' * ' ~ (11 - i)) -%}
    {%- endfor -%}
    {%- for i in range(1, 11) -%}
        {%- do soma2.append(digito.format(i) ~ ' * ' ~ (12 - i)) -%}
    {%- endfor -%}
    {#- CASE, not AND: only digits may reach the casts (AND does not fix an order). -#}
    case
        when {{ column }} ~ '^[0-9]{11}$' and {{ column }} !~ '^(.)\1{10}$'
            then
                ({{ soma1 | join(' + ') }}) * 10 % 11 % 10 = {{ digito.format(10) }}
                and ({{ soma2 | join(' + ') }}) * 10 % 11 % 10 = {{ digito.format(11) }}
        else false
    end
{%- endmacro %}

{% macro cns_valido(column) -%}
    {%- set soma = [] -%}
    {%- for i in range(1, 16) -%}
        {%- do soma.append('substr(' ~ column ~ ', ' ~ i ~ ', 1)::int * ' ~ (16 - i)) -%}
    {%- endfor -%}
    case
        when {{ column }} ~ '^[12789][0-9]{14}$' then ({{ soma | join(' + ') }}) % 11 = 0
        else false
    end
{%- endmacro %}

{% macro documento_valido(nu_cpf, nu_cns) -%}
    (
        {{ cpf_valido(nu_cpf) }}
        or {{ cns_valido(nu_cns) }}
        or coalesce({{ nu_cpf }} ~ '^[0-9a-f]{64}$', false)
        or coalesce({{ nu_cns }} ~ '^[0-9a-f]{64}$', false)
    )
{%- endmacro %}
