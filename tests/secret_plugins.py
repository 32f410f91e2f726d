"""The project's own detect-secrets plugins and filter (loaded by tests/secret_scan.py).

detect-secrets' built-in plugins find private keys, tokens of the usual services, basic-auth
URLs and high-entropy strings. These add what this project writes and they would miss or
under-report:

- `CredentialSetting`: a setting whose name says it is a credential (password, senha, secret,
  token, key) given a literal value, in any file: `.env` lines (`PEC_PASSWORD_2611606=...`,
  `WAREHOUSE_PASSWORD=...`, `TRANSMISSOR_PSEUDONYMISATION_KEY=...`), YAML (`password: ...`),
  shell, Markdown. A value without a digit counts too (`password: SuperSecreta`). In Python
  a name on the right is code (`password=password`), so there only quoted literals count.
- `UrlPassword`: a password in any URL (`postgresql+psycopg://user:...@host/db`, so a
  `MELTANO_DATABASE_URI` with one), whatever characters it holds (the built-in stops at
  `!$&'()*+,;=`).
- `AnyPrivateKey`: every PEM private key header (the built-in misses `ENCRYPTED PRIVATE KEY`).

`is_checksum` lets through a hex string on a line that calls it a hash (a pinned sha256).
`is_reference_or_placeholder` (a detect-secrets filter) lets through what is not a value but a
pointer to one or a stand-in: `${PEC_PASSWORD_2611606}`, `{{ env_var('X') }}`, `****`, `...`,
`<password>`, `%s`, and the project's documented placeholders. It replaces detect-secrets'
line-level `is_indirect_reference`, which drops any line that calls a function
(`connect("postgresql://u:pw@h/db")` would pass).

This file is imported by detect-secrets from its path, so it imports nothing of the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from detect_secrets.plugins.base import BasePlugin

# What each plugin reports (as names here: a quoted literal after `secret_type =` is what
# the keyword plugin looks for).
SETTING_KIND = "Credential setting (transmissor)"
URL_KIND = "Password in a URL (transmissor)"
KEY_KIND = "Private key (transmissor)"

# Names that say credential; `_key` alone would take in primary_key and replication_key, so
# keys are named by kind, and upper-case variables ending in _KEY (TRANSMISSOR_..._KEY).
_NAME = (
    r"(?:[A-Za-z0-9_.-]*(?:password|passwd|senha|secret|token|credential|api_?key|private_?key"
    r"|access_?key|auth_?key|ssh_?key|hmac_?key|signing_?key|encryption_?key"
    r"|pseudonymi[sz]ation_?key)\w*|(?-i:[A-Z0-9_]*_KEY(?:_[0-9]+)?))"
)
# `NAME=value`, `name: value`, `"name": "value"`, `--name value` is not a setting (a flag).
_SETTING = re.compile(
    rf"""(?ix)
    (?:
        # NAME=value anywhere (.env, shell, URLs' queries, code): `=`, not `==`
        (?<![\w.-])["']?(?P<name>{_NAME})["']?\s*(?::=|=(?!=))
      | # name: value where a key stands: at the start (YAML, a list item, a comment), in a
        # flow mapping, or quoted (JSON); "holds no secret: review it" is prose
        (?:^[\s#>*+-]*|[{{,]\s*)["']?(?P<key>{_NAME})["']?\s*:(?!:)
      | "(?P<quoted>{_NAME})"\s*:
    )
    \s*(?P<quote>["']?)(?P<value>[^\s"'`,;}}\])]*)"""
)
_PY_LITERAL = re.compile(
    rf"""(?ix)
    (?<![\w.-])["']?(?P<name>{_NAME})["']?\s*(?::\s*\w+\s*)?(?::=|=|:)\s*
    (?P<prefix>[rbuf]{{0,2}})(?P<quote>["'])(?P<value>[^"'\s]+)(?P=quote)"""
)
_PY_STRING = re.compile(r"""(?P<quote>["'])(?P<body>(?:\\.|(?!(?P=quote)).)*)(?P=quote)""")
_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"`<>]+:(?P<value>[^\s@/'\"`<>]+)@")
_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")

# Shorter values stand in for one (`postgresql://u:p@...`, `"k" * 40` in the tests): nobody's
# credential has three characters or fewer.
MIN_LENGTH = 4
# Words that stand where a value would go in documentation and code, never a credential.
PLACEHOLDERS = {
    "",
    "...",
    "…",
    "none",
    "null",
    "true",
    "false",
    "str",
    "bytes",
    "string",
    "required",
    "optional",
    "sensitive",
    "redacted",
}
_REFERENCE = re.compile(
    r"""(?x)^(?:
        \$\{?\w+\}?.* | \$\(.* | \{.*
      | %\(?\w*\)?s | <[^>]*> | \*+ | x+ | \.+
      | (?:os\.)?environ\b.* | (?:os\.)?getenv\(.* | env_var\(.* | env\(.*
    )$"""
)


# The tests name municipalities by IBGE code (`BAD_PASSWORD = "3509502"`: the município
# whose password is wrong), seven digits.
_IBGE_CODE = re.compile(r"[0-9]{7}")
# A pinned version (`detect-secrets==1.5.0`: the name holds "secret").
_VERSION = re.compile(r"[=<>~!]*[0-9]+(?:\.[0-9]+){1,3}")


# The plugins that read a value after a name or in a URL. Token and key plugins match a
# format (their value may be just the `ghp` prefix they capture): this filter leaves them be.
VALUE_PLUGINS = {
    "KeywordDetector",
    "BasicAuthDetector",
    "CredentialSetting",
    "UrlPassword",
}


def is_reference_or_placeholder(secret: str, plugin: Any = None) -> bool:
    """A detect-secrets filter: the value points at a secret, or stands for one."""
    if plugin is not None and type(plugin).__name__ not in VALUE_PLUGINS:
        return False
    value = secret.strip().strip("\"'`")
    return (
        len(value) < MIN_LENGTH
        or value.lower() in PLACEHOLDERS
        or _REFERENCE.match(value) is not None
        or _IBGE_CODE.fullmatch(value) is not None
        or _VERSION.fullmatch(value) is not None
    )


_CHECKSUM_CONTEXT = re.compile(r"(?i)sha-?(?:1|224|256|384|512)|md5|checksum|digest|hash|integrity")


def is_checksum(secret: str, line: str, plugin: Any = None) -> bool:
    """A detect-secrets filter: a hex string on a line that calls it a hash (a download's
    pinned sha256, a fingerprint) is a checksum, not a credential."""
    return type(plugin).__name__ == "HexHighEntropyString" and bool(_CHECKSUM_CONTEXT.search(line))


class CredentialSetting(BasePlugin):
    """A credential-named setting with a literal value."""

    secret_type = SETTING_KIND

    def analyze_line(  # type: ignore[override]
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
        **kwargs: Any,
    ) -> set:
        # detect-secrets passes only the arguments a plugin's signature names.
        self._python = filename.endswith((".py", ".pyi"))
        return super().analyze_line(filename, line, line_number, context, **kwargs)

    def analyze_string(self, string: str) -> Iterator[str]:
        if getattr(self, "_python", False):
            yield from self._python_literals(string)
            return
        for match in _SETTING.finditer(string):
            value = match.group("value")
            if value and not is_reference_or_placeholder(value):
                yield value

    def _python_literals(self, line: str) -> Iterator[str]:
        # A credential name given a quoted literal, and a setting written inside a string.
        for match in _PY_LITERAL.finditer(line):
            value = match.group("value")
            if "f" in match.group("prefix").lower() and "{" in value:
                continue  # an f-string with fields is computed, not a literal
            if not is_reference_or_placeholder(value):
                yield value
        for literal in _PY_STRING.finditer(line):
            for match in _SETTING.finditer(literal.group("body")):
                value = match.group("value")
                if value and not is_reference_or_placeholder(value):
                    yield value


class UrlPassword(BasePlugin):
    """The password part of `scheme://user:<password>@host`."""

    secret_type = URL_KIND

    def analyze_string(self, string: str) -> Iterator[str]:
        for match in _URL.finditer(string):
            value = match.group("value")
            if not is_reference_or_placeholder(value):
                yield value


class AnyPrivateKey(BasePlugin):
    """A PEM private key header of any kind."""

    secret_type = KEY_KIND

    def analyze_string(self, string: str) -> Iterator[str]:
        for match in _PRIVATE_KEY.finditer(string):
            yield match.group(0)
