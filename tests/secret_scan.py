"""The repository's secret scan: detect-secrets, with the project's plugins beside its own.

`scan` runs detect-secrets 1.5 (every built-in plugin that finds a credential, without
verification, which would call the services) and the project's plugins and filter in
tests/secret_plugins.py over (path, content) pairs: files on disk and blobs of git history
alike, each under its path (the file's extension chooses detect-secrets' keyword rules). It
scans every line as written, through detect-secrets' line scanner (its `scan_file` would also
re-read a file without findings as an INI file, which turns Python into false settings).

Three of detect-secrets' default filters are left out, as each would let a real credential
through: `is_indirect_reference` (any line that calls a function), `is_line_allowlisted` (a
`pragma: allowlist secret` comment) and `is_not_alphanumeric_string` (a password of digits).
References and placeholders are let through by value instead
(`secret_plugins.is_reference_or_placeholder`).

The planted cases in tests/fixtures/secrets/planted/ are fake credentials the scan must find
(tests/test_secrets.py checks each one); the scan of the repository skips that folder, and
only that folder.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import _process_line_based_plugins
from detect_secrets.settings import transient_settings

ROOT = Path(__file__).resolve().parents[1]
PLUGINS_FILE = Path(__file__).with_name("secret_plugins.py")
FIXTURES = Path("tests/fixtures/secrets")
PLANTED = FIXTURES / "planted"
LOOKALIKES = FIXTURES / "lookalikes"

# Every built-in plugin but IPPublicDetector (an address is not a credential).
BUILTIN_PLUGINS = (
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "KeywordDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)
PROJECT_PLUGINS = ("CredentialSetting", "UrlPassword", "AnyPrivateKey")
HIGH_ENTROPY = ({"name": "Base64HighEntropyString", "limit": 4.5},
                {"name": "HexHighEntropyString", "limit": 3.0})  # fmt: skip
FILTERS = (
    "detect_secrets.filters.heuristic.is_potential_uuid",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_swagger_file",
    f"file://{PLUGINS_FILE}::is_reference_or_placeholder",
    f"file://{PLUGINS_FILE}::is_checksum",
)


def settings() -> dict:
    return {
        "plugins_used": [
            *({"name": name} for name in BUILTIN_PLUGINS),
            *HIGH_ENTROPY,
            *({"name": name, "path": f"file://{PLUGINS_FILE}"} for name in PROJECT_PLUGINS),
        ],
        "filters_used": [{"path": path} for path in FILTERS],
    }


@dataclass(frozen=True, slots=True)
class Finding:
    where: str  # path[:line] (and @commit for history)
    kind: str
    fingerprint: str  # sha256 of the value, first 12 hex digits: never the value itself

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} (value sha256 {self.fingerprint})"


def _fingerprint(value: str | None) -> str:
    return hashlib.sha256((value or "").encode()).hexdigest()[:12]


def _scan_one(
    label: str, path: str, content: bytes, seen: set[tuple[str, str]]
) -> Iterator[Finding]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return  # a binary file (a picture, an archive)
    # Only the lines not scanned yet under this path: what detect-secrets finds on a line
    # depends on the line and the file's path alone (no filter here reads the lines around),
    # and the history holds each file many times over, mostly the same lines.
    fresh = []
    for number, line in enumerate(text.splitlines(), start=1):
        if (path, line) not in seen:
            seen.add((path, line))
            fresh.append((number, line))
    lines = [(index, line) for index, (_, line) in enumerate(fresh, start=1)]
    for secret in _process_line_based_plugins(lines=lines, filename=path):
        where = f"{label}:{fresh[secret.line_number - 1][0]}"
        yield Finding(where, secret.type, _fingerprint(secret.secret_value))


def scan(contents: Iterable[tuple[str, str, bytes]]) -> list[Finding]:
    """Findings in each (label, path, content); a line already scanned under the same path
    is not scanned again."""
    get_mapping_from_secret_type_to_class.cache_clear()  # the project's plugins, by path
    seen: set[tuple[str, str]] = set()
    with transient_settings(settings()):
        return [
            finding
            for label, path, content in contents
            for finding in _scan_one(label, path, content, seen)
        ]


def scan_text(text: str, suffix: str) -> list[Finding]:
    """Findings in `text` as the content of a file ending in `suffix` (e.g. `.yml`)."""
    return scan([("text", f"case{suffix}", text.encode())])


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def tracked_files() -> list[tuple[str, str, bytes]]:
    """Every tracked file on disk but the planted cases."""
    return [
        (path, path, (ROOT / path).read_bytes())
        for path in git("ls-files").splitlines()
        if (ROOT / path).is_file() and not Path(path).is_relative_to(PLANTED)
    ]


def _checked_out() -> set[str]:
    """Blobs of HEAD that the working tree holds unchanged: `tracked_files` scans those."""
    changed = set(git("diff", "--name-only", "HEAD").splitlines())
    blobs = set()
    for line in git("ls-tree", "-r", "HEAD").splitlines():
        meta, _, path = line.partition("\t")
        if path not in changed:
            blobs.add(meta.split()[2])
    return blobs


def history_blobs() -> list[tuple[str, str, bytes]]:
    """(path@blob, path, content) of every blob reachable from any ref, once each, but the
    planted cases and those `tracked_files` scans already."""
    skip = _checked_out()
    seen: dict[str, str] = {}
    for line in git("rev-list", "--objects", "--all").splitlines():
        sha, _, path = line.partition(" ")
        if path and sha not in skip and not Path(path).is_relative_to(PLANTED):
            seen.setdefault(sha, path)
    if not seen:
        return []
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=ROOT,
        input="\n".join(seen).encode() + b"\n",
        capture_output=True,
        check=True,
    ).stdout
    blobs, offset = [], 0
    while offset < len(batch):
        header_end = batch.index(b"\n", offset)
        sha, kind, size = batch[offset:header_end].decode().split()
        start = header_end + 1
        content = batch[start : start + int(size)]
        offset = start + int(size) + 1
        if kind == "blob":
            blobs.append((f"{seen[sha]}@blob {sha[:10]}", seen[sha], content))
    return blobs
