{#-
    The code lists of the indicator rules (PEC_SCHEMA.md section 4), in one place. CID codes are
    stored without a dot; `cid_prefixo` entries match every CID starting with them (E10 ->
    E10, E100 ... E109). See _indicadores__macros.yml.
-#}
{% macro codigos(nome) -%}
    {%- set listas = {
        'hipertensao': {
            'ciap': ['K86', 'K87', 'ABP005'],
            'cid': [
                'I10', 'I11', 'I110', 'I119', 'I12', 'I120', 'I129', 'I13', 'I130', 'I131',
                'I132', 'I139', 'I15', 'I150', 'I151', 'I152', 'I158', 'I159', 'O10', 'O100',
                'O101', 'O102', 'O103', 'O104', 'O109', 'O11'
            ],
        },
        'diabetes': {
            'ciap': ['T89', 'T90', 'ABP006'],
            'cid': ['O240', 'O241', 'O242', 'O243'],
            'cid_prefixo': ['E10', 'E11', 'E12', 'E13', 'E14'],
        },
        'gestacao': {
            'ciap': [
                'ABP001', 'W03', 'W05', 'W29', 'W71', 'W78', 'W79', 'W80', 'W81', 'W84', 'W85'
            ],
            'cid': ['Z321', 'Z33', 'Z36', 'O752', 'O753', 'Z640'],
            'cid_prefixo': [
                'O10', 'O11', 'O12', 'O13', 'O14', 'O15', 'O16', 'O20', 'O21', 'O22', 'O23',
                'O24', 'O25', 'O26', 'O28', 'O29', 'O30', 'O31', 'O32', 'O33', 'O34', 'O35',
                'O36', 'O40', 'O41', 'O43', 'O44', 'O46', 'O47', 'O48', 'O98', 'O99', 'Z34', 'Z35'
            ],
        },
        'parto': {
            'ciap': ['W90', 'W91', 'W92', 'W93'],
            'cid_prefixo': ['O80', 'O81', 'O82', 'O83', 'O84', 'Z37', 'Z38', 'Z39'],
        },
        'aborto': {
            'ciap': ['W82', 'W83'],
            'cid': ['Z303'],
            'cid_prefixo': ['O02', 'O03', 'O04', 'O05', 'O06'],
        },
        'diabetes_c4': {
            'ciap': ['T89', 'T90'],
            'cid_prefixo': ['E10', 'E11', 'E14'],
        },
        'hipertensao_c5': {
            'ciap': ['K86', 'K87'],
            'cid': [
                'I10', 'I11', 'I110', 'I119', 'I12', 'I120', 'I129', 'I13', 'I130', 'I131',
                'I132', 'I139', 'I15', 'I150', 'I151', 'I152', 'I158', 'I159', 'O10', 'O100',
                'O101', 'O102', 'O103', 'O104', 'O109', 'O11'
            ],
        },
        'afericao_pa': {'proced': ['0301100039', 'ABPG033']},
        'hemoglobina_glicada': {'proced': ['0202010503', 'ABEX008']},
        'citopatologico': {'proced': ['0201020033', 'ABPG010']},
        'teste_hiv': {'proced': ['0214010058', '0214010040', 'ABPG024', '0202030300', 'ABEX018']},
        'teste_sifilis': {
            'proced': [
                '0214010074', '0214010082', 'ABPG026', '0202031110', '0202031179', 'ABEX019'
            ]
        },
    } -%}
    {%- if nome not in listas -%}
        {{ exceptions.raise_compiler_error('unknown code list: ' ~ nome) }}
    {%- endif -%}
    {%- do return(listas[nome]) -%}
{%- endmacro %}

{#- A SQL list literal: ('A', 'B'). -#}
{% macro lista_sql(valores) -%}
    ('{{ valores | join("', '") }}')
{%- endmacro %}

{#- True when the CIAP or the CID of a problem belongs to the condition `nome`. -#}
{% macro tem_condicao(nome, nu_ciap='nu_ciap', nu_cid='nu_cid') -%}
    {%- set lista = codigos(nome) -%}
    {%- set testes = [] -%}
    {%- if lista.get('ciap') -%}
        {%- do testes.append(nu_ciap ~ ' in ' ~ lista_sql(lista['ciap'])) -%}
    {%- endif -%}
    {%- if lista.get('cid') -%}
        {%- do testes.append(nu_cid ~ ' in ' ~ lista_sql(lista['cid'])) -%}
    {%- endif -%}
    {%- if lista.get('cid_prefixo') -%}
        {%- do testes.append('left(' ~ nu_cid ~ ', 3) in ' ~ lista_sql(lista['cid_prefixo'])) -%}
    {%- endif -%}
    coalesce({{ testes | join(' or ') }}, false)
{%- endmacro %}

{#- True when a procedure code (co_proced) belongs to the list `nome`. -#}
{% macro tem_procedimento(nome, co_proced='co_proced') -%}
    coalesce({{ co_proced }} in {{ lista_sql(codigos(nome)['proced']) }}, false)
{%- endmacro %}
