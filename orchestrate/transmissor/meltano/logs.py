"""What a Meltano run's output says: the error that matters, and whether a retry can help.

A failure is classified from Meltano's output: transient errors (connection refused, timeouts, a
server that closed the connection) are worth retrying; configuration errors (wrong password,
missing variable, missing table, malformed environment) are not.
"""

from __future__ import annotations

import re

TRANSIENT = "transient"
CONFIGURATION = "configuration"
OTHER = "other"

# Checked first: a configuration error is never retried, whatever else the output says.
CONFIGURATION_PATTERNS = (
    r"password authentication failed",
    r"no password supplied",
    r"fe_sendauth",
    r"no pg_hba\.conf entry",
    r"(relation|database|role|schema|table) \"?[\w.\-]+\"? does not exist",
    r"permission denied",
    r"is malformed",
    r"is not set",
    r"is not registered",
    r"environment .* (not found|does not exist)",
    r"invalid (port|sslmode|connection option)",
    r"certificate verify failed",
    # An SSH município's key or bastion (transmissor.municipios.tunnel), and a refused
    # pseudonymisation key (transmissor.load.pseudonymise): the same on a retry.
    r"refused the key",
    r"refused to forward",
    r"holds no private key",
    r"protected by a passphrase",
    r"pseudonymisation_key has only",
    r"pseudonymisation_key is set but",
    r"neither true nor false",
    r"does not match host name",
    # The job's pre-flight (transmissor check-and-copy): what the operator must fix first.
    r"names no municipality",
    r"sets [\w, ]+, which [\w-]+ does not know",
    r"is not an e-sus aps pec database",
    r"column\(s\) missing",
    r"cannot be transmitted",
)
TRANSIENT_PATTERNS = (
    r"connection refused",
    r"could not connect",
    r"is the server running on that host",
    r"cannot reach the banco",
    r"connection timed out",
    r"timeout expired",
    r"timed out after",
    r"server closed the connection",
    r"connection reset",
    r"could not receive data from server",
    r"ssl syscall error",
    r"the database system is (starting up|shutting down|in recovery mode)",
    r"too many connections",
    r"remaining connection slots are reserved",
    r"terminating connection due to administrator command",
    r"could not translate host name",
    r"temporary failure in name resolution",
    r"network is unreachable",
    r"no route to host",
    r"cannot open an ssh session",  # the bastion is down or unreachable
)


def classify(output: str) -> str:
    text = output.lower()
    if any(re.search(p, text) for p in CONFIGURATION_PATTERNS):
        return CONFIGURATION
    if any(re.search(p, text) for p in TRANSIENT_PATTERNS):
        return TRANSIENT
    return OTHER


_NOISE = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z \[(info|debug)\s*\]")
_ERRORISH = re.compile(
    r"error|failed|exception|refused|timed out|does not exist|denied|could not", re.IGNORECASE
)


# How the project's commands print a TransmissorError (transmissor.cli.main).
OWN_ERROR = "transmissor: error: "
_PREFIX = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.]+Z \[\w+\s*\]\s+([\w:-]+)\s+")
# "server closed the connection unexpectedly" alone does not say which database went away:
# the plugin that logged it does.
_SIDES = {"tap-pec": "banco do município", "target-postgres": "banco analítico"}
_GENERIC = re.compile(r"Block run completed|Run completed|Need help fixing", re.IGNORECASE)


def error_summary(output: str, limit: int = 400) -> str:
    """The most telling line of a failed run's output, for the record and the summary."""
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    patterns = CONFIGURATION_PATTERNS + TRANSIENT_PATTERNS
    # The project's own error about a known cause first: it names the município and the fix
    # (the pre-flight's report lines before it say the same without either).
    own = [
        line
        for line in lines
        if OWN_ERROR in line and any(re.search(p, line.lower()) for p in patterns)
    ]
    if own:
        return _shorten(_unprefixed(own[-1]), limit)
    # Then the root cause: a psycopg/libpq line beats Meltano's generic "block failed",
    # whatever level Meltano logged the plugin's line at.
    for pattern in patterns:
        for line in lines:
            if re.search(pattern, line.lower()):
                return _shorten(_unprefixed(line), limit)
    telling = [
        line
        for line in lines
        if _ERRORISH.search(line) and not _NOISE.match(line) and not _GENERIC.search(line)
    ]
    errors = [line for line in lines if _ERRORISH.search(line) and not _GENERIC.search(line)]
    pick = (telling or errors or lines or ["no output"])[-1]
    return _shorten(_unprefixed(pick), limit)


def _unprefixed(line: str) -> str:
    """The line without Meltano's time and level; a tap's or loader's names its database."""
    match = _PREFIX.match(line)
    if not match:
        return line
    side = _SIDES.get(match.group(1))
    text = line[match.end() :]
    return f"{side} ({match.group(1)}): {text}" if side else text


def _shorten(line: str, limit: int) -> str:
    line = re.sub(r"\s+", " ", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"
