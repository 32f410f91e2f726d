"""Synthetic Brazilian identities: names, valid CPF and CNS, INE/CNES, UUIDs, phone numbers.

Everything draws from the caller's `random.Random`, so identities are reproducible.
"""

from __future__ import annotations

import random

FEMALE_NAMES = (
    "MARIA",
    "ANA",
    "FRANCISCA",
    "ANTONIA",
    "ADRIANA",
    "JULIANA",
    "MARCIA",
    "FERNANDA",
    "PATRICIA",
    "ALINE",
    "SANDRA",
    "CAMILA",
    "AMANDA",
    "BRUNA",
    "JESSICA",
    "LETICIA",
    "JULIA",
    "LUCIANA",
    "VANESSA",
    "MARIANA",
    "GABRIELA",
    "RAFAELA",
    "BEATRIZ",
    "LARISSA",
    "SIMONE",
    "DANIELA",
    "CLAUDIA",
    "RAIMUNDA",
    "JOSEFA",
    "SEBASTIANA",
    "ALICE",
    "HELENA",
    "LAURA",
    "VALENTINA",
    "SOFIA",
    "ISABELA",
    "MANUELA",
    "LUIZA",
    "CECILIA",
    "ELOA",
    "TEREZINHA",
    "LUZIA",
    "CRISTIANE",
    "KELLY",
    "TATIANE",
    "ROSANGELA",
    "EDILEUZA",
)
MALE_NAMES = (
    "JOSE",
    "JOAO",
    "ANTONIO",
    "FRANCISCO",
    "CARLOS",
    "PAULO",
    "PEDRO",
    "LUCAS",
    "LUIZ",
    "MARCOS",
    "LUIS",
    "GABRIEL",
    "RAFAEL",
    "DANIEL",
    "MARCELO",
    "BRUNO",
    "EDUARDO",
    "FELIPE",
    "RAIMUNDO",
    "RODRIGO",
    "MANOEL",
    "MATEUS",
    "ANDRE",
    "FERNANDO",
    "FABIO",
    "LEONARDO",
    "GUSTAVO",
    "GUILHERME",
    "LEANDRO",
    "TIAGO",
    "SEBASTIAO",
    "MIGUEL",
    "ARTHUR",
    "HEITOR",
    "BERNARDO",
    "DAVI",
    "THEO",
    "SAMUEL",
    "ENZO",
    "VITOR",
    "SEVERINO",
    "EDSON",
    "CICERO",
    "WELLINGTON",
    "ANDERSON",
    "JOAQUIM",
    "BENEDITO",
)
SURNAMES = (
    "SILVA",
    "SANTOS",
    "OLIVEIRA",
    "SOUZA",
    "RODRIGUES",
    "FERREIRA",
    "ALVES",
    "PEREIRA",
    "LIMA",
    "GOMES",
    "COSTA",
    "RIBEIRO",
    "MARTINS",
    "CARVALHO",
    "ALMEIDA",
    "LOPES",
    "SOARES",
    "FERNANDES",
    "VIEIRA",
    "BARBOSA",
    "ROCHA",
    "DIAS",
    "NASCIMENTO",
    "ANDRADE",
    "MOREIRA",
    "NUNES",
    "MARQUES",
    "MACHADO",
    "MENDES",
    "FREITAS",
    "CARDOSO",
    "RAMOS",
    "GONCALVES",
    "SANTANA",
    "TEIXEIRA",
    "ARAUJO",
    "CAVALCANTI",
    "MONTEIRO",
    "MOURA",
    "CORREIA",
    "PINTO",
    "BEZERRA",
    "BATISTA",
    "MELO",
    "XAVIER",
    "FARIAS",
    "BRITO",
    "PAIVA",
    "TORRES",
    "QUEIROZ",
    "SIQUEIRA",
    "AZEVEDO",
    "CAMPOS",
    "BARROS",
    "MEDEIROS",
)
PARTICLES = ("DA", "DOS", "DE", "DAS")
BAIRROS = (
    "CENTRO",
    "VILA NOVA",
    "JARDIM AMERICA",
    "SAO JOSE",
    "SANTA LUZIA",
    "BOA VISTA",
    "NOVA ESPERANCA",
    "ALTO DA SERRA",
    "PLANALTO",
    "SAO FRANCISCO",
    "BELA VISTA",
    "PARQUE DAS FLORES",
    "CIDADE NOVA",
    "SANTO ANTONIO",
    "VILA RICA",
    "MORADA DO SOL",
    "JARDIM PRIMAVERA",
    "LIBERDADE",
    "SAO PEDRO",
    "ALTO DO CRUZEIRO",
    "PALMEIRAS",
    "COHAB",
    "VILA OPERARIA",
    "SANTA RITA",
    "BOM JESUS",
    "NOSSA SENHORA DE FATIMA",
    "JARDIM EUROPA",
    "RECANTO VERDE",
    "SAO CRISTOVAO",
    "CAJUEIRO",
    "MANGUEIRA",
    "AREIAL",
    "LAGOA SECA",
    "PEDRA BRANCA",
    "RIACHO FUNDO",
    "SERRA VERDE",
    "TRES PODERES",
    "VILA MARIA",
    "SANTA CRUZ",
    "ALVORADA",
)
STREETS = (
    "RUA DAS FLORES",
    "RUA SAO JOAO",
    "AVENIDA BRASIL",
    "RUA SETE DE SETEMBRO",
    "RUA TIRADENTES",
    "RUA DOM PEDRO II",
    "TRAVESSA DA PAZ",
    "RUA DO COMERCIO",
    "RUA PROJETADA",
    "RUA SANTA LUZIA",
    "AVENIDA GETULIO VARGAS",
    "RUA BOA ESPERANCA",
)


def person_name(rng: random.Random, sex: str) -> str:
    first = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
    parts = [first]
    if rng.random() < 0.3:
        parts.append(rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES))
    if rng.random() < 0.35:
        parts.append(rng.choice(PARTICLES))
    parts.append(rng.choice(SURNAMES))
    if rng.random() < 0.6:
        parts.append(rng.choice(SURNAMES))
    return " ".join(parts)


def cpf(rng: random.Random) -> str:
    """An 11-digit CPF with correct check digits."""
    digits = [int(c) for c in f"{rng.randrange(10**9):09d}"]  # one draw, not nine
    if len(set(digits)) == 1:
        digits[0] = (digits[0] + 1) % 10
    for length in (9, 10):
        total = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length]))
        rest = (total * 10) % 11
        digits.append(0 if rest == 10 else rest)
    return "".join(map(str, digits))


def cpf_is_valid(value: str) -> bool:
    if len(value) != 11 or not value.isdigit() or len(set(value)) == 1:
        return False
    digits = [int(c) for c in value]
    for length in (9, 10):
        total = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length]))
        if (total * 10) % 11 % 10 != digits[length]:
            return False
    return True


def cns(rng: random.Random) -> str:
    """A 15-digit CNS: definitive (starts 1/2, from a PIS) or provisional (starts 7/8/9)."""
    if rng.random() < 0.85:
        while True:
            pis = f"{rng.randrange(10**10, 3 * 10**10):011d}"  # 1... or 2...
            total = sum(int(d) * (15 - i) for i, d in enumerate(pis))
            dv = 11 - total % 11
            if dv == 11:
                dv = 0
            if dv == 10:
                continue  # the "001" variant; skip it to keep the rule simple
            return f"{pis}000{dv}"
    while True:
        head = f"{rng.randrange(7 * 10**13, 10**14):014d}"  # 7..., 8... or 9...
        total = sum(int(d) * (15 - i) for i, d in enumerate(head))
        last = (-total) % 11
        if last < 10:
            return head + str(last)


def cns_is_valid(value: str) -> bool:
    if len(value) != 15 or not value.isdigit() or value[0] not in "12789":
        return False
    return sum(int(d) * (15 - i) for i, d in enumerate(value)) % 11 == 0


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID string drawn from rng."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:]}"


def phone(rng: random.Random, ddd: int) -> str:
    return f"{ddd:02d}9{rng.randint(80000000, 99999999)}"


def ine(rng: random.Random) -> str:
    return f"000{rng.randint(1000000, 2999999)}"


def cnes(rng: random.Random) -> str:
    return f"{rng.randint(2000000, 9999999)}"
