"""Dimension code lists as the PEC stores them, and the rows of every dimension table.

Codes follow PEC_SCHEMA.md section 1: CID without dot, CIAP-2 plus AB quick codes, SIGTAP
10 digits plus AB codes, 6-char CBO, LEDI identifiers. Every dimension has id 1 = "Não
informado" ('-'), which facts store instead of NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transmissor.dev.sandbox.reference import Table
from transmissor.municipios.ibge import Municipio

NAO_INFORMADO = "Não informado"

CBOS = {
    "225142": "MÉDICO DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    "225125": "MÉDICO CLÍNICO",
    "225170": "MÉDICO GENERALISTA",
    "223565": "ENFERMEIRO DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    "223505": "ENFERMEIRO",
    "322245": "TÉCNICO DE ENFERMAGEM DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    "322205": "TÉCNICO DE ENFERMAGEM",
    "322230": "AUXILIAR DE ENFERMAGEM",
    "223208": "CIRURGIÃO-DENTISTA - CLÍNICO GERAL",
    "223293": "CIRURGIÃO-DENTISTA DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    "515105": "AGENTE COMUNITÁRIO DE SAÚDE",
    "322255": "TÉCNICO EM AGENTE COMUNITÁRIO DE SAÚDE",
    "251510": "PSICÓLOGO CLÍNICO",
    "223405": "FARMACÊUTICO",
    "225130": "MÉDICO DE FAMÍLIA E COMUNIDADE",
    "225250": "MÉDICO GINECOLOGISTA E OBSTETRA",
    "225124": "MÉDICO PEDIATRA",
    "322405": "TÉCNICO EM SAÚDE BUCAL",
    "322425": "TÉCNICO EM SAÚDE BUCAL DA ESTRATÉGIA DE SAÚDE DA FAMÍLIA",
    "322415": "AUXILIAR EM SAÚDE BUCAL",
    "223710": "NUTRICIONISTA",
    "223605": "FISIOTERAPEUTA GERAL",
    "223905": "TERAPEUTA OCUPACIONAL",
    "223810": "FONOAUDIÓLOGO",
    "224140": "PROFISSIONAL DE EDUCAÇÃO FÍSICA NA SAÚDE",
}

CIDS = {
    "I10": "Hipertensão essencial (primária)",
    "I119": "Doença cardíaca hipertensiva sem insuficiência cardíaca (congestiva)",
    "E109": "Diabetes mellitus insulino-dependente - sem complicações",
    "E119": "Diabetes mellitus não-insulino-dependente - sem complicações",
    "E149": "Diabetes mellitus não especificado - sem complicações",
    "O240": "Diabetes mellitus pré-existente, insulino-dependente",
    "Z321": "Gravidez confirmada",
    "Z348": "Supervisão de outra gravidez normal",
    "Z359": "Supervisão de gravidez de alto risco, não especificada",
    "O800": "Parto espontâneo cefálico",
    "Z390": "Assistência e exame imediatamente após o parto",
    "O039": "Aborto espontâneo - completo ou não especificado, sem complicações",
    "J069": "Infecção aguda das vias aéreas superiores não especificada",
    "R509": "Febre não especificada",
    "A09": "Diarréia e gastroenterite de origem infecciosa presumível",
    "M545": "Dor lombar baixa",
    "F329": "Episódio depressivo não especificado",
    "F419": "Transtorno ansioso não especificado",
    "E669": "Obesidade não especificada",
    "J459": "Asma não especificada",
    "N390": "Infecção do trato urinário de localização não especificada",
    "B359": "Dermatofitose não especificada",
    "R104": "Outras dores abdominais e as não especificadas",
    "R51": "Cefaléia",
    "H109": "Conjuntivite não especificada",
    "H669": "Otite média não especificada",
    "N760": "Vaginite aguda",
    "K297": "Gastrite não especificada",
    "Z000": "Exame médico geral",
    "Z001": "Exame de rotina de saúde da criança",
    "Z124": "Exame especial de rastreamento de neoplasia do colo do útero",
    "Z340": "Supervisão de primeira gravidez normal",
    "O100": "Hipertensão essencial pré-existente complicando a gravidez, o parto e o puerpério",
    "O249": "Diabetes mellitus na gravidez, não especificado",
    "Z370": "Nascimento único e vivo",
    "Z392": "Seguimento pós-parto, de rotina",
    "O069": "Aborto não especificado - completo ou não especificado, sem complicações",
    "O021": "Aborto retido",
    "F530": "Transtornos mentais e comportamentais leves associados ao puerpério",
    "Z300": "Aconselhamento geral sobre contracepção",
    "Z301": "Inserção de dispositivo anticoncepcional (intra-uterino)",
    "Z304": "Supervisão do uso de medicamentos anticoncepcionais",
    "N912": "Amenorréia, não especificada",
    "N943": "Síndrome de tensão pré-menstrual",
    "N951": "Estados da menopausa e do climatério feminino",
    "N920": "Menstruação excessiva e frequente com ciclo menstrual regular",
}

CIAPS = {
    "K86": "Hipertensão sem complicações",
    "K87": "Hipertensão com complicações",
    "ABP005": "Hipertensão arterial",
    "T89": "Diabetes insulino-dependente",
    "T90": "Diabetes não insulino-dependente",
    "ABP006": "Diabetes",
    "W78": "Gravidez",
    "W84": "Gravidez de alto risco",
    "ABP001": "Pré-natal",
    "W90": "Parto sem complicações de nascido vivo",
    "W82": "Aborto espontâneo",
    "A98": "Medicina preventiva/manutenção da saúde",
    "R74": "Infecção aguda do aparelho respiratório superior",
    "A03": "Febre",
    "D73": "Gastroenterite presumível infecção",
    "L03": "Sinais/sintomas da região lombar",
    "P76": "Perturbações depressivas",
    "P74": "Distúrbio ansioso/estado de ansiedade",
    "T82": "Obesidade",
    "R96": "Asma",
    "U71": "Cistite/outra infecção urinária",
    "S74": "Dermatofitose",
    "D01": "Dor abdominal generalizada/cólicas",
    "N01": "Cefaleia",
    "F70": "Conjuntivite infecciosa",
    "H71": "Otite média aguda/miringite",
    "X84": "Vaginite/vulvite",
    "D87": "Alteração da função do estômago",
    "ABP022": "Rastreamento de câncer do colo do útero",
    "ABP002": "Puerpério (até 42 dias)",
    "ABP003": "Saúde sexual e reprodutiva",
    "ABP004": "Puericultura",
    "ABP023": "Rastreamento de câncer de mama",
    "W79": "Gravidez não desejada",
    "W18": "Sinais/sintomas pós-parto",
    "W19": "Sinais/sintomas da lactação",
    "W91": "Parto sem complicações de nado-morto",
    "W83": "Aborto provocado",
    "W11": "Contracepção oral",
    "W12": "Contracepção intrauterina",
    "W14": "Contracepção outros",
    "X11": "Sinais/sintomas da menopausa/climatério",
    "X89": "Síndrome de tensão pré-menstrual",
    "X02": "Dor menstrual",
}

# SIGTAP code -> name; AB codes -> (name, SIGTAP equivalent)
SIGTAP = {
    "0301100039": "AFERIÇÃO DE PRESSÃO ARTERIAL",
    "0101040024": "AVALIAÇÃO ANTROPOMÉTRICA",
    "0214010015": "GLICEMIA CAPILAR",
    "0301040079": "ESCUTA INICIAL/ORIENTAÇÃO (ACOLHIMENTO A DEMANDA ESPONTÂNEA)",
    "0401010023": "CURATIVO GRAU I C/ OU S/ DEBRIDAMENTO",
    "0201020033": "COLETA DE MATERIAL P/ EXAME CITOPATOLÓGICO DE COLO UTERINO",
    "0214010058": "TESTE RÁPIDO PARA DETECÇÃO DE INFECÇÃO PELO HIV",
    "0214010040": "TESTE RÁPIDO PARA DETECÇÃO DE HIV NA GESTANTE OU PAI/PARCEIRO",
    "0214010074": "TESTE RÁPIDO PARA SÍFILIS",
    "0214010082": "TESTE RÁPIDO PARA SÍFILIS NA GESTANTE OU PAI/PARCEIRO",
    "0202010503": "DOSAGEM DE HEMOGLOBINA GLICOSILADA",
    "0202010473": "DOSAGEM DE GLICOSE",
    "0202010295": "DOSAGEM DE COLESTEROL TOTAL",
    "0202010317": "DOSAGEM DE CREATININA",
    "0202020380": "HEMOGRAMA COMPLETO",
    "0202050017": "ANÁLISE DE CARACTERES FÍSICOS, ELEMENTOS E SEDIMENTO DA URINA",
    "0202030300": "PESQUISA DE ANTICORPOS ANTI-HIV-1 + HIV-2 (ELISA)",
    "0202031110": "TESTE NÃO TREPONÊMICO P/ DETECÇÃO DE SÍFILIS",
    "0202031179": "TESTE NÃO TREPONÊMICO P/ DETECÇÃO DE SÍFILIS EM GESTANTES",
    "0301010153": "PRIMEIRA CONSULTA ODONTOLÓGICA PROGRAMÁTICA",
    "0101020058": "APLICAÇÃO TÓPICA DE FLÚOR (INDIVIDUAL POR SESSÃO)",
    "0307010031": "RESTAURAÇÃO DE DENTE PERMANENTE ANTERIOR",
    "0414020138": "EXODONTIA DE DENTE PERMANENTE",
    "0101040083": "MEDIÇÃO DE PESO",
    "0101040075": "MEDIÇÃO DE ALTURA",
    "0301010269": "AVALIAÇÃO DO CRESCIMENTO NA PUERICULTURA",
    "0214010279": "TESTE RÁPIDO PARA DETECÇÃO DE ANTICORPOS ANTI-HIV EM GESTANTE",
    "0214010252": "TESTE RÁPIDO TREPONÊMICO PARA DETECÇÃO DE SÍFILIS EM GESTANTE",
    "0214010104": "TESTE RÁPIDO PARA DETECÇÃO DE INFECÇÃO PELO HBV",
    "0214010236": "TESTE RÁPIDO PARA DETECÇÃO DE HBSAG EM GESTANTE",
    "0214010090": "TESTE RÁPIDO PARA DETECÇÃO DE HEPATITE C",
    "0214010309": "TESTE RÁPIDO PARA DETECÇÃO DE ANTICORPOS CONTRA HEPATITE C EM GESTANTE",
    "0202030784": "PESQUISA DE ANTICORPOS CONTRA ANTÍGENO CENTRAL DO VÍRUS DA HEPATITE B",
    "0202030970": "PESQUISA DE ANTÍGENO DE SUPERFÍCIE DO VÍRUS DA HEPATITE B (HBSAG)",
    "0202030679": "PESQUISA DE ANTICORPOS CONTRA O VÍRUS DA HEPATITE C (ANTI-HCV)",
    "0202031098": "TESTE TREPONÊMICO P/ DETECÇÃO DE SÍFILIS",
    "0202030318": "PESQUISA DE ANTICORPOS ANTI-HTLV-1 + HTLV-2",
    "0203010086": "EXAME CITOPATOLÓGICO CÉRVICO-VAGINAL/MICROFLORA-RASTREAMENTO",
    "0203010019": "EXAME CITOPATOLÓGICO CÉRVICO-VAGINAL/MICROFLORA",
    "0201020076": "COLETA DE MATERIAL DO COLO DE ÚTERO PARA EXAME MOLECULAR DE HPV",
    "0202100251": "EXAME MOLECULAR PARA DETECÇÃO DE HPV",
    "0204030030": "MAMOGRAFIA",
    "0204030188": "MAMOGRAFIA BILATERAL PARA RASTREAMENTO",
    "0301040095": "EXAME DO PÉ DIABÉTICO",
}
AB_CODES = {
    "ABPG033": ("AFERIÇÃO DE PRESSÃO ARTERIAL", "0301100039"),
    "ABPG010": ("COLETA DE CITOPATOLÓGICO DE COLO UTERINO", "0201020033"),
    "ABPG024": ("TESTE RÁPIDO PARA HIV", "0214010058"),
    "ABPG026": ("TESTE RÁPIDO PARA SÍFILIS", "0214010074"),
    "ABEX008": ("HEMOGLOBINA GLICADA", "0202010503"),
    "ABEX018": ("HIV", "0202030300"),
    "ABEX019": ("SÍFILIS (VDRL)", "0202031110"),
    "ABEX001": ("CITOPATOLÓGICO DE COLO UTERINO", "0203010086"),
}

IMUNOBIOLOGICOS = {
    "22": ("VIP", "Vacina inativada poliomielite"),
    "42": ("Penta", "Vacina penta (DTP/HepB/Hib)"),
    "43": ("Hexa", "Vacina hexa (DTPa/HepB/Hib/VIP)"),
    "9": ("HB", "Vacina hepatite B"),
    "67": ("HPV4", "Vacina HPV quadrivalente"),
    "57": ("dTpa", "Vacina dTpa adulto"),
    "17": ("Hib", "Vacina Haemophilus influenzae b"),
    "24": ("SCR", "Vacina sarampo, caxumba, rubéola"),
    "26": ("VPC10", "Vacina pneumocócica 10-valente"),
    "29": ("DTPa/VIP/Hib", "Vacina penta acelular (DTPa/VIP/Hib)"),
    "33": ("INF3", "Vacina influenza trivalente"),
    "39": ("DTP/Hib", "Vacina tetravalente (DTP/Hib)"),
    "46": ("DTP", "Vacina adsorvida difteria, tétano e pertussis"),
    "47": ("DTPa", "Vacina adsorvida difteria, tétano e pertussis acelular infantil"),
    "56": ("SCRV", "Vacina sarampo, caxumba, rubéola e varicela"),
    "58": ("DTPa/VIP", "Vacina tetra acelular (DTPa/VIP)"),
    "59": ("VPC13", "Vacina pneumocócica 13-valente"),
    "77": ("INF4", "Vacina influenza tetravalente"),
    "93": ("HPV9", "Vacina HPV nonavalente"),
    "106": ("VPC15", "Vacina pneumocócica 15-valente"),
    "107": ("VPC20", "Vacina pneumocócica 20-valente"),
}
# The rules ignore dose labels; boosters are labelled REF (the sandbox's own code).
DOSES = {
    "1": ("D1", "1ª Dose"),
    "2": ("D2", "2ª Dose"),
    "3": ("D3", "3ª Dose"),
    "REF": ("REF", "Reforço"),
}

SEXOS = (("0", "Masculino", "M"), ("1", "Feminino", "F"), ("4", "Ignorado", "I"))
LOCAIS = (("1", "UBS"), ("2", "Unidade móvel"), ("4", "Domicílio"), ("5", "Escola/Creche"))
TIPOS_ATENDIMENTO = (
    ("1", "Consulta agendada programada/Cuidado continuado"),
    ("2", "Consulta agendada"),
    ("4", "Escuta inicial/Orientação"),
    ("5", "Consulta no dia"),
    ("6", "Atendimento de urgência"),
)
PARTICIPACAO = (
    ("1", "Cidadão não participou"),
    ("2", "Presencial"),
    ("3", "Chamada de vídeo"),
    ("4", "Chamada de voz"),
    ("5", "E-mail"),
    ("6", "Mensagem"),
    ("7", "Outros"),
)
SITUACOES_PROBLEMA = (("0", "Ativo"), ("1", "Latente"), ("2", "Resolvido"))
# tb_tipo_equipe (operational): id, MS code, sigla, name. Ids are local surrogates, never the
# MS code; the old code 49 shares eAP's sigla, so only nu_ms tells them apart.
TIPOS_EQUIPE = (
    (3, "70", "ESF", "ESTRATÉGIA DE SAÚDE DA FAMÍLIA"),
    (4, "71", "ESB", "EQUIPE DE SAÚDE BUCAL"),
    (5, "72", "EMULTI", "EQUIPE MULTIPROFISSIONAL NA ATENÇÃO PRIMÁRIA À SAÚDE"),
    (6, "73", "ECR", "EQUIPE DOS CONSULTÓRIOS NA RUA"),
    (7, "76", "EAP", "EQUIPE DE ATENÇÃO PRIMÁRIA"),
    (2, "49", "EAP", "EQUIPE DE ATENÇÃO PRIMÁRIA (CÓDIGO ANTIGO)"),
)
TIPOS_FICHA = (
    ("2", "Cadastro Individual"),
    ("3", "Cadastro Domiciliar e Territorial"),
    ("4", "Ficha de Atendimento Individual"),
    ("5", "Ficha de Atendimento Odontológico Individual"),
    ("7", "Ficha de Procedimentos"),
    ("8", "Ficha de Visita Domiciliar e Territorial"),
    ("14", "Ficha de Vacinação"),
)
RACAS = (
    ("1", "01", "Branca"),
    ("2", "02", "Preta"),
    ("3", "04", "Amarela"),
    ("4", "03", "Parda"),
    ("5", "05", "Indígena"),
)
# (identificador, description, first age, last age)
FAIXAS = (
    ("1", "Menor de 1 ano", 0, 0),
    ("2", "1 a 4 anos", 1, 4),
    ("3", "5 a 9 anos", 5, 9),
    ("4", "10 a 14 anos", 10, 14),
    ("5", "15 a 19 anos", 15, 19),
    ("6", "20 a 24 anos", 20, 24),
    ("7", "25 a 29 anos", 25, 29),
    ("8", "30 a 34 anos", 30, 34),
    ("9", "35 a 39 anos", 35, 39),
    ("10", "40 a 44 anos", 40, 44),
    ("11", "45 a 49 anos", 45, 49),
    ("12", "50 a 54 anos", 50, 54),
    ("13", "55 a 59 anos", 55, 59),
    ("14", "60 a 64 anos", 60, 64),
    ("15", "65 a 69 anos", 65, 69),
    ("16", "70 a 74 anos", 70, 74),
    ("17", "75 a 79 anos", 75, 79),
    ("18", "80 anos ou mais", 80, 150),
)
# Auxiliary (generic-shape) tables with meaningful rows after the id-1 sentinel.
AUX_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "tb_dim_turno": (("1", "Manhã"), ("2", "Tarde"), ("3", "Noite")),
    "tb_dim_desfecho_visita": (
        ("1", "Visita realizada"),
        ("2", "Visita recusada"),
        ("3", "Ausente"),
    ),
    "tb_dim_tipo_saida_cadastro": (("135", "Óbito"), ("136", "Mudança de território")),
    "tb_dim_tipo_imovel": (("1", "Domicílio"), ("2", "Comércio"), ("3", "Terreno baldio")),
    "tb_dim_tipo_consulta_odonto": (
        ("1", "Primeira consulta odontológica programática"),
        ("2", "Consulta de retorno em odontologia"),
        ("4", "Consulta de manutenção em odontologia"),
    ),
    "tb_dim_tipo_origem": (("1", "PEC"), ("2", "CDS offline"), ("3", "CDS online")),
    "tb_dim_tipo_origem_dado_transp": (("1", "PEC"), ("2", "CDS")),
    "tb_dim_nacionalidade": (("1", "Brasileira"), ("2", "Naturalizado"), ("3", "Estrangeiro")),
    "tb_nacionalidade": (("1", "BRASILEIRA"), ("2", "NATURALIZADO"), ("3", "ESTRANGEIRO")),
    "tb_dim_pais": (("31", "Brasil"),),
    "tb_pais": (("31", "BRASIL"),),
    "tb_sexo": (("0", "MASCULINO"), ("1", "FEMININO")),
    "tb_raca_cor": (
        ("1", "BRANCA"),
        ("2", "PRETA"),
        ("3", "AMARELA"),
        ("4", "PARDA"),
        ("5", "INDÍGENA"),
    ),
    "tb_dim_identidade_genero": (
        ("149", "Homem transgênero"),
        ("150", "Mulher transgênero"),
        ("156", "Travesti"),
        ("200", "Homem cisgênero"),
        ("201", "Mulher cisgênero"),
        ("203", "Não-binário"),
        ("151", "Outro"),
    ),
    "tb_dim_estrategia_vacinacao": (("1", "Rotina"), ("2", "Especial"), ("3", "Bloqueio")),
}


@dataclass(slots=True)
class Dimensions:
    """Rows of every dimension/auxiliary table plus code → id lookups."""

    rows: dict[str, list[tuple]] = field(default_factory=dict)
    ids: dict[str, dict[str, int]] = field(default_factory=dict)

    def id(self, table: str, code: str) -> int:
        return self.ids[table][code]


def build(tables: dict[str, Table], municipio: Municipio) -> Dimensions:
    """Code dimensions (no staff/units/teams: population adds those)."""
    dims = Dimensions()

    def put(table: str, rows: list[tuple], code_index: int = 1) -> None:
        dims.rows[table] = rows
        dims.ids[table] = {str(row[code_index]): row[0] for row in rows}

    put(
        "tb_dim_sexo",
        [(1, "-", NAO_INFORMADO, "-", 0)]
        + [(i + 2, c, d, s, i + 1) for i, (c, d, s) in enumerate(SEXOS)],
    )
    put(
        "tb_dim_cid",
        [(1, "-", NAO_INFORMADO, 1, 1, "-")]
        + [(i + 2, c, n, 1, 1, f"{c} {n}") for i, (c, n) in enumerate(CIDS.items())],
    )
    put(
        "tb_dim_ciap",
        [(1, "-", NAO_INFORMADO, 1, "-")]
        + [(i + 2, c, n, 1, f"{c} {n}") for i, (c, n) in enumerate(CIAPS.items())],
    )
    proced = [(1, "-", NAO_INFORMADO, None, None, 1, "-")]
    sigtap_id = {}
    for code, name in SIGTAP.items():
        sigtap_id[code] = len(proced) + 1
        proced.append((len(proced) + 1, code, name, None, None, 1, f"{code} {name}"))
    for code, (name, ref) in AB_CODES.items():
        proced.append((len(proced) + 1, code, name, sigtap_id[ref], None, 1, f"{code} {name}"))
    put("tb_dim_procedimento", proced)
    put(
        "tb_dim_cbo",
        [(1, "-", NAO_INFORMADO, 1, "-")]
        + [(i + 2, c, n, 1, f"{c} {n}") for i, (c, n) in enumerate(CBOS.items())],
    )
    put(
        "tb_cbo",
        [(1, "-", NAO_INFORMADO)] + [(i + 2, c, n) for i, (c, n) in enumerate(CBOS.items())],
    )
    put(
        "tb_dim_imunobiologico",
        [(1, "-", "-", NAO_INFORMADO, "-", 1)]
        + [
            (i + 2, c, s, n, f"{c} {s}", 1) for i, (c, (s, n)) in enumerate(IMUNOBIOLOGICOS.items())
        ],
    )
    put(
        "tb_dim_dose_imunobiologico",
        [(1, "-", "-", NAO_INFORMADO, "-", 0, "-")]
        + [(i + 2, c, s, n, f"{c} {s}", i + 1, n) for i, (c, (s, n)) in enumerate(DOSES.items())],
    )
    put(
        "tb_dim_local_atendimento",
        [(1, "-", NAO_INFORMADO, 0, "-")]
        + [(i + 2, c, d, i + 1, d) for i, (c, d) in enumerate(LOCAIS)],
    )
    put(
        "tb_dim_tipo_atendimento",
        [(1, "-", NAO_INFORMADO, None, 0, "-")]
        + [(i + 2, c, d, None, i + 1, d) for i, (c, d) in enumerate(TIPOS_ATENDIMENTO)],
    )
    put(
        "tb_dim_tipo_participacao_atend",
        [(1, "-", NAO_INFORMADO)] + [(i + 2, c, d) for i, (c, d) in enumerate(PARTICIPACAO)],
    )
    put(
        "tb_dim_situacao_problema",
        [(1, "-", NAO_INFORMADO)] + [(i + 2, c, d) for i, (c, d) in enumerate(SITUACOES_PROBLEMA)],
    )
    put("tb_tipo_equipe", list(TIPOS_EQUIPE))
    put(
        "tb_dim_tipo_ficha",
        [(1, "-", NAO_INFORMADO, 0, "-")]
        + [(i + 2, c, d, i + 1, d) for i, (c, d) in enumerate(TIPOS_FICHA)],
    )
    put(
        "tb_dim_faixa_etaria",
        [(1, "-", NAO_INFORMADO, "-", None, None)]
        + [(i + 2, c, d, d, a, b) for i, (c, d, a, b) in enumerate(FAIXAS)],
    )
    put(
        "tb_dim_raca_cor",
        [(1, "-", "-", NAO_INFORMADO, 0)]
        + [(i + 2, c, ms, d, i + 1) for i, (c, ms, d) in enumerate(RACAS)],
    )
    uf_code = municipio.codigo_ibge[:2]
    put("tb_dim_uf", [(1, "-", NAO_INFORMADO), (2, uf_code, municipio.uf)])
    put("tb_uf", [(1, "-", NAO_INFORMADO), (2, uf_code, municipio.uf)])
    put(
        "tb_localidade",
        [(1, "-", NAO_INFORMADO), (2, municipio.codigo_ibge, municipio.nome.upper())],
    )
    put(
        "tb_dim_municipio",
        [
            (1, NAO_INFORMADO, "-", 1, 1, "-"),
            (
                2,
                municipio.nome,
                municipio.codigo_ibge,
                2,
                1,
                f"{municipio.codigo_ibge} {municipio.nome}",
            ),
        ],
        code_index=2,
    )
    # Every other auxiliary table: the sentinel plus its meaningful rows, if any.
    for name, table in tables.items():
        if not table.auxiliary or name in dims.rows:
            continue
        extra = AUX_ROWS.get(name, ())
        put(
            name,
            [(1, "-", NAO_INFORMADO)]
            + [(i + 2, code, label) for i, (code, label) in enumerate(extra)],
        )
    return dims
