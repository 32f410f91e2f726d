"""`transmissor municipio`: register the municipalities of the fleet (placeholder)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("municipio", help="register municipalities (Meltano environments)")
