{#-
    The code lists of the indicator rules, in one place: the Previne Brasil lists (hipertensao,
    diabetes, gestacao, parto, aborto, citopatologico, teste_hiv, teste_sifilis) and those of
    the quality component C1-C7 (models/marts/qualidade/_qualidade__docs.md). CID codes are
    stored without a dot; `cid_prefixo` entries match every CID starting with them (E10 ->
    E10, E100 ... E109); `cid` entries match exactly. A procedure list matches an AB code whose
    SIGTAP equivalent it lists (int_procedimentos_registrados). See _indicadores__macros.yml.
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
        'puericultura': {'ciap': ['A98', 'ABP004'], 'cid': ['Z001']},
        'gestacao_c3': {
            'ciap': ['W03', 'W78', 'W79', 'W81', 'W84', 'W85', 'ABP001'],
            'cid': [
                'O752', 'O753', 'O990', 'O991', 'O992', 'O993', 'O994', 'O995', 'O996', 'O997',
                'Z321', 'Z640'
            ],
            'cid_prefixo': [
                'O10', 'O11', 'O12', 'O13', 'O14', 'O15', 'O16', 'O20', 'O21', 'O22', 'O23',
                'O24', 'O25', 'O26', 'O28', 'O29', 'O30', 'O31', 'O32', 'O33', 'O34', 'O35',
                'O36', 'O40', 'O41', 'O43', 'O44', 'O46', 'O47', 'O48', 'O98', 'Z33', 'Z34',
                'Z35', 'Z36'
            ],
        },
        'parto_c3': {'ciap': ['W90', 'W91', 'W92', 'W93'], 'cid_prefixo': ['Z37', 'Z38', 'Z39']},
        'aborto_c3': {
            'ciap': ['W82', 'W83'],
            'cid': ['Z303'],
            'cid_prefixo': ['O02', 'O03', 'O04', 'O05', 'O06'],
        },
        'puerperio': {
            'ciap': [
                '48', '49', '-48', '-49', 'P29', 'W18', 'W19', 'W70', 'W90', 'W91', 'W92', 'W93',
                'W94', 'W95', 'W96', 'ABP002'
            ],
            'cid': [
                'M830', 'O152', 'O266', 'O722', 'O723', 'Z370', 'Z371', 'Z372', 'Z373', 'Z374',
                'Z375', 'Z376', 'Z377', 'Z379'
            ],
            'cid_prefixo': [
                'F53', 'O10', 'O85', 'O86', 'O87', 'O90', 'O91', 'O92', 'O94', 'O98', 'O99',
                'Z38', 'Z39'
            ],
        },
        'saude_sexual_reprodutiva': {
            'ciap': [
                'B25', 'W02', 'W10', 'W11', 'W12', 'W13', 'W14', 'W15', 'W79', 'W82', 'X01',
                'X02', 'X03', 'X04', 'X05', 'X06', 'X07', 'X08', 'X09', 'X10', 'X11', 'X12',
                'X13', 'X23', 'X24', 'X82', 'X89', 'Y14', 'ABP003', 'ABP022', 'ABP023'
            ],
            'cid': [
                'N80', 'N800', 'N801', 'N802', 'N803', 'N804', 'N805', 'N806', 'N808', 'N809',
                'N91', 'N910', 'N911', 'N912', 'N913', 'N914', 'N915', 'N92', 'N920', 'N921',
                'N922', 'N923', 'N924', 'N925', 'N926', 'N93', 'N930', 'N938', 'N939', 'N94',
                'N940', 'N941', 'N942', 'N943', 'N944', 'N945', 'N946', 'N948', 'N949', 'N95',
                'N950', 'N951', 'N952', 'N953', 'N958', 'N959', 'N96', 'N97', 'N970', 'N971',
                'N972', 'N973', 'N974', 'N978', 'N979', 'O03', 'O04', 'R102', 'T742', 'Y050',
                'Y051', 'Y052', 'Y053', 'Y054', 'Y055', 'Y056', 'Y057', 'Y058', 'Y059', 'Z123',
                'Z124', 'Z205', 'Z206', 'Z30', 'Z300', 'Z301', 'Z302', 'Z303', 'Z304', 'Z305',
                'Z308', 'Z309', 'Z31', 'Z310', 'Z311', 'Z312', 'Z313', 'Z314', 'Z315', 'Z316',
                'Z318', 'Z319', 'Z320', 'Z600', 'Z630', 'Z640', 'Z70', 'Z700', 'Z701', 'Z702',
                'Z703', 'Z708', 'Z709', 'Z717', 'Z725'
            ],
        },
        'rastreamento_colo_consulta': {'ciap': ['ABP022']},
        'rastreamento_mama_consulta': {'ciap': ['ABP023']},
        'afericao_pa': {'proced': ['0301100039', 'ABPG033']},
        'antropometria': {'proced': ['0101040024']},
        'peso': {'proced': ['0101040083']},
        'altura': {'proced': ['0101040075']},
        'crescimento_puericultura': {'proced': ['0301010269']},
        'exame_pe_diabetico': {'proced': ['0301040095']},
        'rastreamento_colo': {
            'proced': [
                '0201020033', '0203010086', '0203010019', '0201020076', '0201020084', 'ABEX001'
            ]
        },
        'hpv_molecular': {'proced': ['0202100251']},
        'mamografia': {'proced': ['0204030030', '0204030188']},
        'gestacao_hiv': {
            'proced': [
                '0214010040', '0214010279', '0214010058', '0213010780', '0213010500', '0202030300'
            ]
        },
        'gestacao_sifilis': {
            'proced': [
                '0214010074', '0214010082', '0214010252', '0202031098', '0202031110', '0202031179'
            ]
        },
        'gestacao_hepatite_b': {
            'proced': ['0214010104', '0214010236', '0202030784', '0202030970', '0213010208']
        },
        'gestacao_hepatite_c': {
            'proced': ['0214010090', '0214010309', '0202030059', '0202030679']
        },
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
