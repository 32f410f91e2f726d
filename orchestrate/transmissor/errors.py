"""The one error type the CLI turns into a clear message and a non-zero exit."""

from __future__ import annotations


class TransmissorError(Exception):
    """A failure the user can fix; the message says what happened and how to fix it."""

    exit_code = 1
