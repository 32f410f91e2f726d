"""Synthetic PEC databases: the development stand-in for a banco do município.

`create` builds a database with the PEC schema (see `reference.py`) and about three years of
plausible activity for a municipality; `advance` simulates more nights of PEC processing.
"""

from __future__ import annotations

from transmissor.dev.sandbox.advance import Changes, advance
from transmissor.dev.sandbox.generate import create

__all__ = ["Changes", "advance", "create"]
