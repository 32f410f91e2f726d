"""`transmissor-dbt ARGS`: the project's `transmissor ARGS`, run from the dbt plugin.

Meltano resolves the executable of a command of a plugin that has a pip_url in that plugin's
virtual environment (`.meltano/utilities/dbt-postgres/venv/bin/`), and runs it in the plugin's
environment: VIRTUAL_ENV (its dbt) and the plugin's DBT_* settings. Installed there by the dbt
plugin's pip_url, this is `dbt-postgres:build_municipio`'s executable: it hands over, in the
same process, to the `transmissor` of the project Meltano runs (MELTANO_PROJECT_ROOT, which
Meltano sets for every plugin; `.venv/bin/transmissor`, the executable of the `transmissor`
utility), which then runs dbt from that environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    root = os.environ.get("MELTANO_PROJECT_ROOT")
    if not root:
        sys.exit(
            "transmissor-dbt: MELTANO_PROJECT_ROOT is not set; run it through Meltano "
            "(meltano invoke dbt-postgres:build_municipio)"
        )
    command = Path(root) / ".venv" / "bin" / "transmissor"
    os.execv(command, [str(command), *sys.argv[1:]])


if __name__ == "__main__":
    main()
