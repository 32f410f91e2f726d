"""`make bench`, the Singer path: its tuning measured against a raw COPY of the same tables.

The Singer path stays for the daily increments and for municipalities reached through SSH,
where the first load goes through it too. On one sandbox municipality (10,000 citizens), for
the incremental tables, in one run on the same data:
(1) a raw COPY of their contract columns to a scratch schema, the floor;
(2) the tap alone (tap-pec, Meltano's config and catalog, output to /dev/null) with the SDK's
    standard JSON writer and with msgspec's (the `[msgspec]` extra the project installs);
(3) tap-pec -> target-postgres (`meltano run`) with `batch_size_rows` 5,000, 10,000 (the
    Singer SDK's default), 20,000 and 50,000, each a first sync into a municipality of its own
    registered on the same PEC, so every run moves the same rows into tables that exist.
Results go to bench/singer.json and a table with each run's share of the COPY rate.

    .venv/bin/python bench/singer_bench.py [--citizens 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline_bench import IBGE, OTHERS, _ok, measured, raw_copy, scratch_shapes  # noqa: E402

from tests.conftest import _free_port  # noqa: E402
from tests.project import ProjectCopy  # noqa: E402
from transmissor.dev.localpg import LocalPostgres  # noqa: E402
from transmissor.meltano.run import meltano_executable  # noqa: E402

BATCH_SIZES = (5_000, 10_000, 20_000, 50_000)
# The tap as Meltano starts it, with the SDK's standard writer when asked: tap-postgres picks
# msgspec's whenever msgspec is installed (tap_postgres/tap.py).
TAP = """
import sys
from tap_postgres.tap import TapPostgres
if sys.argv.pop(1) == "json":
    from singer_sdk.io_base import SingerWriter
    TapPostgres.message_writer_class = SingerWriter
TapPostgres.cli()
"""


def dump(project: ProjectCopy, what: str, into: Path) -> Path:
    """Meltano's config or catalog for tap-pec in the bench municipality's environment."""
    result = subprocess.run(
        [meltano_executable(), f"--environment={IBGE}", "invoke", f"--dump={what}", "tap-pec"],
        cwd=project.root,
        env=project.process_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    into.write_text(result.stdout, encoding="utf-8")
    return into


def tap_alone(project: ProjectCopy, writer: str, config: Path, catalog: Path) -> None:
    python = project.root / ".meltano" / "extractors" / "tap-postgres" / "venv" / "bin" / "python"
    subprocess.run(
        [str(python), "-c", TAP, writer, "--config", str(config), "--catalog", str(catalog)],
        env={**project.process_env(), "PGTZ": "UTC"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )


def singer_load(project: ProjectCopy, code: str, batch_size: int) -> None:
    project.settings["TARGET_POSTGRES_BATCH_SIZE_ROWS"] = str(batch_size)
    project.write_env()
    _ok(project.meltano(["run", "tap-pec", "target-postgres"], environment=code, timeout=1800))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "singer.json")
    args = parser.parse_args()
    results: dict = {"date": date.today().isoformat(), "citizens": args.citizens, "steps": {}}

    with tempfile.TemporaryDirectory(prefix="transmissor-singer-bench-") as scratch:
        server = LocalPostgres(root=Path(scratch) / "pg", port=_free_port()).start()
        try:
            project = ProjectCopy.create(Path(scratch), server)
            print(f"singer bench: sandbox {IBGE} with {args.citizens} citizens", flush=True)
            source_url = project.add_municipio(IBGE, citizens=args.citizens, seed=2026)
            tables = [t for t in project.contract().tables if t.incremental]
            scratch_shapes(project, source_url)
            # The raw tables exist before any timed load (the full-table tables come along).
            _ok(project.meltano(["invoke", "transmissor:snapshot"], environment=IBGE))
            rows: list[int] = []
            copy = lambda: rows.append(raw_copy(project, source_url, tables))  # noqa: E731
            measured("COPY floor", copy, results)
            results["rows"] = rows[0]
            print(f"  {rows[0]:,} rows in {len(tables)} incremental tables", flush=True)
            config = dump(project, "config", Path(scratch) / "config.json")
            catalog = dump(project, "catalog", Path(scratch) / "catalog.json")
            for writer in ("json", "msgspec"):
                measured(
                    f"tap alone, {writer} writer",
                    lambda w=writer: tap_alone(project, w, config, catalog),
                    results,
                )
            for code, size in zip(OTHERS, BATCH_SIZES, strict=False):
                project.register(code, source_url)
                measured(
                    f"tap -> target, batch_size_rows {size:,}",
                    lambda c=code, s=size: singer_load(project, c, s),
                    results,
                )
        finally:
            server.destroy()
    floor = results["steps"]["COPY floor"]["seconds"]
    for run in results["steps"].values():
        run["share_of_copy"] = round(floor / run["seconds"], 3)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\n{'run':<40} {'seconds':>8} {'rows/s':>9} {'% of COPY':>10} {'peak MB':>8}")
    for label, run in results["steps"].items():
        rate = results["rows"] / run["seconds"]
        print(
            f"{label:<40} {run['seconds']:>8.1f} {rate:>9,.0f} {run['share_of_copy']:>10.1%} "
            f"{run['peak_rss_mb']:>8}"
        )
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
