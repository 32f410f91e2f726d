"""The project's Meltano definitions as data: the tasks of a job, the arguments of a command.

Read from the YAML files Meltano itself reads (`orchestrate/*.meltano.yml`,
`plugins/*.meltano.yml`), without starting Meltano, so the fleet and the Airflow DAG (which
imports this module from its own virtual environment: standard library and PyYAML only) follow
the jobs as they are defined instead of a copy of them.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

from transmissor.errors import TransmissorError

JOB = "transmissao-diaria"


def _documents(root: Path, folder: str) -> list[dict]:
    return [
        yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for path in sorted((root / folder).glob("*.meltano.yml"))
    ]


def job_blocks(root: Path, job: str = JOB) -> list[str]:
    """The job's tasks as plugin blocks, read from the project's job definitions."""
    for document in _documents(root, "orchestrate"):
        for definition in document.get("jobs") or []:
            if definition.get("name") == job:
                blocks: list[str] = []
                for task in definition.get("tasks") or []:
                    for item in task if isinstance(task, list) else [task]:
                        blocks += str(item).split()
                return blocks
    msg = f"job {job} is not defined in orchestrate/*.meltano.yml"
    raise TransmissorError(msg)


def split_blocks(blocks: list[str]) -> tuple[list[str], list[str]]:
    """(extract-load and reconciliation, dbt): the job cut where dbt begins."""
    for index, block in enumerate(blocks):
        if block.startswith("dbt"):
            return blocks[:index], blocks[index:]
    return blocks, []


def command_args(root: Path, plugin: str, command: str) -> list[str]:
    """The arguments of `plugin:command` as plugins/*.meltano.yml defines them."""
    for document in _documents(root, "plugins"):
        for definitions in (document.get("plugins") or {}).values():
            for definition in definitions or []:
                if definition.get("name") != plugin:
                    continue
                found = (definition.get("commands") or {}).get(command)
                if found is not None:
                    args = found if isinstance(found, str) else found.get("args", "")
                    return shlex.split(args)
    msg = f"{plugin}:{command} is not defined in plugins/*.meltano.yml"
    raise TransmissorError(msg)
