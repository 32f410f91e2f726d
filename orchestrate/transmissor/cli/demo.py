"""`transmissor demo`: the daily routine on three local sandbox municipalities."""

from __future__ import annotations

import argparse

from transmissor.dev.demo import run_demo
from transmissor.settings import project_root


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo", help="run the daily routine on three local sandbox municipalities"
    )
    parser.set_defaults(func=lambda _args: run_demo(project_root()))
