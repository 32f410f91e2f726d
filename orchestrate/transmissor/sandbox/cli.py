"""`transmissor sandbox`: create and advance synthetic PEC databases (placeholder)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    commands.add_parser("sandbox", help="synthetic PEC databases for development and tests")
