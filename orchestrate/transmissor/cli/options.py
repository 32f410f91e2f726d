"""Options and argument types shared by several commands."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable


def add_municipio_option(parser: argparse.ArgumentParser) -> None:
    """`--municipio CODE`, defaulting to the one the Meltano environment sets."""
    parser.add_argument(
        "--municipio",
        default=os.environ.get("MUNICIPIO_IBGE"),
        metavar="CODE",
        help="IBGE code (default: $MUNICIPIO_IBGE, set by the município's Meltano environment)",
    )


def positive(kind: type) -> Callable[[str], object]:
    """An argument type: a number of `kind` greater than zero."""

    def parse(text: str) -> object:
        value = kind(text)
        if value <= 0:
            msg = f"must be positive, not {text}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse
