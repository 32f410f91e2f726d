"""The official list of Brazil's 5,570 municipalities (IBGE), shipped in `data/`, and the code rule.

An IBGE municipality code is 7 digits (`CODE_PATTERN`): the one definition of that rule, which
the SQL checks, the dbt project (through the generated macro `ibge_code_pattern()`, written by
`transmissor contract render`) and the Airflow DAG take from here. The list, not the
check-digit rule, decides whether a code names a municipality: nine real municipalities fail
the textbook check-digit rule (see data/README.md).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from transmissor.errors import TransmissorError

DATA_DIR = Path(__file__).parent / "data"
# A regular expression without anchors, in the syntax Python, PostgreSQL and dbt share.
CODE_PATTERN = "[0-9]{7}"
_CODE = re.compile(CODE_PATTERN)


def is_code(text: str) -> bool:
    """Whether `text` has the form of an IBGE municipality code (not whether one exists)."""
    return _CODE.fullmatch(text) is not None


@dataclass(frozen=True, slots=True)
class Municipio:
    """A municipality as the IBGE list names it."""

    codigo_ibge: str
    nome: str
    uf: str
    fuso_horario: str

    @property
    def label(self) -> str:
        """`município 2611606 (Recife/PE)`: how every message names the município."""
        return f"município {self.codigo_ibge} ({self.nome}/{self.uf})"


@cache
def _all() -> dict[str, Municipio]:
    with (DATA_DIR / "estados.csv").open(encoding="utf-8-sig") as handle:
        ufs = {row["codigo_uf"]: row["uf"] for row in csv.DictReader(handle)}
    with (DATA_DIR / "municipios.csv").open(encoding="utf-8") as handle:
        return {
            row["codigo_ibge"]: Municipio(
                codigo_ibge=row["codigo_ibge"],
                nome=row["nome"],
                uf=ufs[row["codigo_uf"]],
                fuso_horario=row["fuso_horario"],
            )
            for row in csv.DictReader(handle)
        }


def all_municipios() -> list[Municipio]:
    return list(_all().values())


def lookup(code: str) -> Municipio:
    """The municipality with this 7-digit IBGE code, or a TransmissorError saying why not."""
    code = code.strip()
    if not is_code(code):
        msg = (
            f"{code!r} is not an IBGE municipality code: "
            "it must have exactly 7 digits (e.g. 2611606)"
        )
        raise TransmissorError(msg)
    found = _all().get(code)
    if found is None:
        msg = (
            f"IBGE code {code} names no municipality in the official list of 5,570 "
            "(orchestrate/transmissor/municipios/data/municipios.csv); "
            "check the code at ibge.gov.br"
        )
        raise TransmissorError(msg)
    return found
