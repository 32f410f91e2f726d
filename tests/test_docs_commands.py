"""Every command the README and docs/ show still works as written.

Each `transmissor …`, `meltano … run|invoke …` and `make …` in a code block or an inline code
span of the project's Markdown is taken as a user would copy it (placeholders such as <IBGE>
or CODE filled in, optional [parts] kept, the first of a|b alternatives) and checked by the
real thing: the `transmissor` argument parser, `meltano run --dry-run` in a project copy with
the docs' municipalities registered, and the Makefile's targets.
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from transmissor.cli import build_parser
from transmissor.dev.localpg import LocalPostgres

from .project import PROJECT_ROOT, ProjectCopy

DOCS = [
    PROJECT_ROOT / "README.md",
    *sorted((PROJECT_ROOT / "docs").rglob("*.md")),
    PROJECT_ROOT / "extract" / "README.md",
    PROJECT_ROOT / "transform" / "README.md",
    PROJECT_ROOT / "orchestrate" / "airflow" / "README.md",
]
EXAMPLE_CODE = "2611533"  # what <IBGE>, CODE and the like stand for
# The municipalities the docs' examples name, registered in the copy meltano checks in.
EXAMPLE_MUNICIPIOS = ("2611533", "1200401", "3509502", "2611606")
PLACEHOLDERS = {
    "<IBGE>": EXAMPLE_CODE,
    "<ibge>": EXAMPLE_CODE,
    "CODE": EXAMPLE_CODE,
    "YYYY-MM-DD": "2026-11-29",
    "NAME": "leitor",
}
PROGRAMS = ("transmissor", "meltano", "make")
COMMAND = re.compile(r"^(?:\S*/)?(transmissor|meltano|make)(?:\s|$)")
SHELL_SEPARATORS = re.compile(r"\s(?:&&|\|\||;|\|)\s")
BOX_DRAWING = re.compile("[\u2500-\u257f\u25b6]")


@dataclass(frozen=True)
class Snippet:
    where: str  # file:line
    text: str
    complete: bool  # from a code block (a whole command), not a span naming one in prose

    @property
    def words(self) -> list[str]:
        return shlex.split(_normalise(self.text))

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


def _normalise(text: str) -> str:
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    text = re.sub(r"\bN\b", "2", text)
    text = re.sub(r"\s#\s.*$", "", f" {text} ").strip()  # a trailing comment
    text = re.split(r"\s(?:\d?>>?|<)\s?\S+", f" {text} ")[0].strip()  # redirections
    text = re.sub(r"\[([^\]|]*?)\s*\|[^\]]*\]", r"\1", text)  # [a | b] -> a
    text = text.replace("[", "").replace("]", "")
    text = re.sub(r"(?<=\w)\|[\w|-]+", "", text)  # table|json|html -> table
    return re.sub(r"\s*(\.\.\.|…)", "", text).strip()


def _commands(line: str) -> Iterator[str]:
    for part in SHELL_SEPARATORS.split(line):
        part = re.sub(r"^(?:\S+=\S+\s+)+", "", part.strip())  # VAR=value before a command
        part = re.sub(r"^(?:[\d*/,-]+\s+){5}", "", part)  # a crontab line's schedule
        if COMMAND.match(part):
            yield part


def _spans(where: str, paragraph: str) -> Iterator[Snippet]:
    for span in re.findall(r"`([^`]+)`", paragraph):
        if COMMAND.match(span) and len(span.split()) > 1:
            yield Snippet(where, span, complete=False)


def snippets() -> list[Snippet]:
    found: list[Snippet] = []
    for path in DOCS:
        name = path.relative_to(PROJECT_ROOT).as_posix()
        fence: str | None = None
        pending = ""
        paragraph, start = "", 0  # prose, joined: a span may wrap onto the next line
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if fence is None and (not line.strip() or line.lstrip().startswith("```")):
                found += _spans(f"{name}:{start}", paragraph)
                paragraph = ""
            if line.lstrip().startswith("```"):
                fence = None if fence is not None else line.strip()[3:]
                continue
            if fence is not None:
                if fence not in ("", "bash", "sh", "shell", "console", "cron"):
                    continue
                if BOX_DRAWING.search(line) or line.lstrip().startswith("#"):
                    continue
                if line.rstrip().endswith("\\"):
                    pending += line.rstrip()[:-1] + " "
                    continue
                for command in _commands((pending + line).strip()):
                    found.append(Snippet(f"{name}:{number}", command, complete=True))
                pending = ""
                continue
            if line.strip():
                start = start if paragraph else number
                paragraph += " " + line.strip()
        found += _spans(f"{name}:{start}", paragraph)
    return found


SNIPPETS = snippets()


def _of(program: str) -> list[Snippet]:
    return [s for s in SNIPPETS if Path(s.words[0]).name == program]


def test_the_docs_show_commands_of_every_kind() -> None:
    """The extraction itself works: the README's two commands and its examples are found."""
    texts = {s.text for s in SNIPPETS}
    assert any(t.startswith("make demo") for t in texts), texts
    assert any(t.startswith("make test") for t in texts), texts
    assert any("transmissor municipio add --ibge 2611606" in t for t in texts), texts
    assert any("run transmissao-diaria" in t for t in texts), texts
    assert len(_of("transmissor")) > 30, len(_of("transmissor"))


def _parse(words: list[str]) -> str | None:
    """None when the parser accepts the words, else its message."""
    parser = build_parser()
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            _args, extra = parser.parse_known_args(words)
    except SystemExit as exit_:
        return stderr.getvalue().strip().splitlines()[-1] if exit_.code else None
    return f"unrecognized arguments: {' '.join(extra)}" if extra else None


def test_every_transmissor_command_parses() -> None:
    problems = []
    for snippet in _of("transmissor"):
        message = _parse(snippet.words[1:])
        # A span in prose may name a command without its required options (`transmissor edge
        # grant`); the words it has must still be right.
        if message and not (not snippet.complete and "arguments are required" in message):
            problems.append(f"{snippet}\n    -> {message}")
    assert not problems, "\n".join(problems)


def test_the_parser_check_catches_a_wrong_command() -> None:
    """The check above fails on what a stale doc would show."""
    assert _parse(["run", "--municipios", EXAMPLE_CODE])
    assert _parse(["municipio", "adicionar"])
    assert _parse(["status", "--format", "pdf"])
    assert _parse(["run", "--all"]) is None


def _make_targets() -> set[str]:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", makefile, flags=re.MULTILINE))


def test_every_make_target_exists() -> None:
    targets = _make_targets()
    missing = [
        str(s)
        for s in _of("make")
        for word in s.words[1:]
        if "=" not in word and word not in targets
    ]
    assert not missing, "\n".join(missing)


def _meltano_blocks(snippet: Snippet) -> tuple[str, list[str]]:
    """(environment, the blocks `meltano run` would run) of a meltano command."""
    words = snippet.words[1:]
    environment = "frota"
    while words and words[0].startswith("--"):
        option = words.pop(0)
        if option.startswith("--environment="):
            environment = option.split("=", 1)[1]
    if not words or words[0] not in ("run", "invoke"):
        return environment, []  # install, state, …: not a job
    command, rest = words[0], words[1:]
    if command == "invoke":
        return environment, rest[:1]  # plugin[:command], checked as a block
    blocks = []
    for word in rest:
        if word.startswith("--"):
            break  # --vars, --full-refresh: options of the plugin's command from here
        blocks.append(word)
    return environment, blocks


@pytest.fixture(scope="module")
def project(pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    project = ProjectCopy.create(tmp_path_factory.mktemp("docs"), pg_server)
    for ibge in EXAMPLE_MUNICIPIOS:  # `run --dry-run` resolves them; it connects to nothing
        project.register(ibge, pg_server.url(f"pec_{ibge}"))
    return project


def _plugin_commands(project: ProjectCopy, plugin: str) -> set[str]:
    """`plugin:command` names Meltano lists for the plugin (`run --dry-run` takes any)."""
    result = project.meltano(["invoke", "--list-commands", plugin], environment="frota")
    assert result.ok, result.output[-2000:]
    return set(re.findall(rf"^({re.escape(plugin)}:\S+)", result.output, flags=re.MULTILINE))


@pytest.mark.e2e
def test_every_meltano_job_and_command_exists(project: ProjectCopy) -> None:
    by_environment: dict[str, dict[str, Snippet]] = {}
    for snippet in _of("meltano"):
        if "<" in snippet.text.replace("<IBGE>", ""):
            continue  # `run <the job's dbt tasks>`, `invoke transmissor:<step>`: not literal
        environment, blocks = _meltano_blocks(snippet)
        for block in blocks:
            by_environment.setdefault(environment, {}).setdefault(block, snippet)
    assert "transmissao-diaria" in by_environment.get(EXAMPLE_CODE, {}), by_environment
    problems = []
    for environment, blocks in by_environment.items():
        # One dry run for all the environment's blocks; one per block only to name a bad one.
        if project.meltano(["run", "--dry-run", *blocks], environment=environment).ok:
            continue
        for block, snippet in blocks.items():
            result = project.meltano(["run", "--dry-run", block], environment=environment)
            if not result.ok:
                problems.append(f"{snippet}\n    -> {result.output.strip().splitlines()[-1]}")
    named = {b: s for blocks in by_environment.values() for b, s in blocks.items() if ":" in b}
    listed = {
        name
        for plugin in {b.split(":")[0] for b in named}
        for name in _plugin_commands(project, plugin)
    }
    problems += [
        f"{s}\n    -> {b} is not a command of its plugin"
        for b, s in named.items()
        if b not in listed
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
def test_the_meltano_check_catches_a_wrong_block(project: ProjectCopy) -> None:
    result = project.meltano(["run", "--dry-run", "transmissao-diara"], environment="frota")
    assert not result.ok and "transmissao-diara" in result.output
    commands = _plugin_commands(project, "dbt-postgres")
    assert "dbt-postgres:build_municipio" in commands
    assert "dbt-postgres:build_municpio" not in commands
