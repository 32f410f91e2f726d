{#-
    The CBO sets of the quality component's practices (QUALIDADE_APS.md section 2.1), in one
    place. An entry of 4 characters is a CBO family (matched by prefix), one of 6 an exact
    code: ACS is exactly 515105 and TACS 322255, never the prefix 5151 (which holds other
    occupations). See _indicadores__macros.yml.
-#}
{% macro conjunto_cbo(nome) -%}
    {%- set medico = ['2251', '2252', '2253', '2231'] -%}
    {%- set enfermeiro = ['2235'] -%}
    {%- set medico_enfermeiro = medico + enfermeiro -%}
    {%- set conjuntos = {
        'medico_enfermeiro': medico_enfermeiro,
        'acs_tacs': ['515105', '322255'],
        'antropometria': medico_enfermeiro + [
            '3222', '515105', '2232', '2234', '2236', '2237', '2238', '2239', '2241'
        ],
        'afericao_pa': medico_enfermeiro + [
            '3222', '2232', '2234', '2236', '2237', '2238', '2239', '2241', '3224'
        ],
        'saude_bucal': ['2232', '322405', '322425'],
        'mais_acesso': ['225142', '225170', '225130', '225125', '225250', '223565', '223505'],
        'exames_gestacao': medico_enfermeiro + ['2234', '3222'],
        'hemoglobina_glicada': medico_enfermeiro + ['3222', '2232', '2237', '2234'],
        'exame_pe_diabetico': medico_enfermeiro + ['2234', '2236', '2239'],
    } -%}
    {%- if nome not in conjuntos -%}
        {{ exceptions.raise_compiler_error('unknown CBO set: ' ~ nome) }}
    {%- endif -%}
    {%- do return(conjuntos[nome]) -%}
{%- endmacro %}

{#- True when the CBO code `nu_cbo` belongs to the set `nome` (false when it is null). -#}
{% macro tem_cbo(nome, nu_cbo='nu_cbo') -%}
    {%- set familias, exatos, testes = [], [], [] -%}
    {%- for codigo in conjunto_cbo(nome) -%}
        {%- do (familias if codigo | length == 4 else exatos).append(codigo) -%}
    {%- endfor -%}
    {%- if familias -%}
        {%- do testes.append('left(' ~ nu_cbo ~ ', 4) in ' ~ lista_sql(familias)) -%}
    {%- endif -%}
    {%- if exatos -%}
        {%- do testes.append(nu_cbo ~ ' in ' ~ lista_sql(exatos)) -%}
    {%- endif -%}
    coalesce({{ testes | join(' or ') }}, false)
{%- endmacro %}
