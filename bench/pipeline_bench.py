"""`make bench`: the pipeline measured against a raw COPY of the same data, in one run.

On a sandbox municipality with at least 1,000,000 replicated fact rows it measures:
(a) a raw COPY of the replicated columns from source to a scratch schema, the floor;
(b) the project's first load, `meltano run carga-inicial`: pre-flight checks, every table
    by COPY, the bookmarks handed to Meltano's state (the daily job continues from them);
(c) the daily job (extract-load, reconcile, dbt) after `sandbox advance --days 1`;
(d) the daily job with nothing new;
(e) the peak memory (RSS of the whole process tree) of each step;
(f) the same município's daily job with 1 and with 20 municipalities in the banco analítico.
Results go to bench/results.json and a table with each figure's ratio to the COPY floor.

    .venv/bin/python bench/pipeline_bench.py [--citizens 21000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import _free_port  # noqa: E402
from tests.project import ProjectCopy  # noqa: E402
from transmissor.contract.model import MUNICIPIO_COLUMN, Table  # noqa: E402
from transmissor.dev import sandbox  # noqa: E402
from transmissor.dev.localpg import LocalPostgres  # noqa: E402
from transmissor.warehouse.raw_tables import column_types  # noqa: E402

IBGE = "3550308"  # São Paulo (SP): the bench's municipality
OTHERS = (
    "3304557",
    "5300108",
    "2927408",
    "2304400",
    "3106200",
    "4106902",
    "1302603",
    "5208707",
    "2611606",
    "4314902",
    "1501402",
    "3518800",
    "3509502",
    "2111300",
    "2704302",
    "5002704",
    "2408102",
    "2211001",
    "2507507",
)  # 19 more capitals and cities


class PeakRss:
    """Peak resident memory of this process's children (the whole tree), sampled."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def measured(label: str, step: Callable[[], None], results: dict) -> float:
    started = time.monotonic()
    with PeakRss() as rss:
        step()
    seconds = time.monotonic() - started
    results["steps"][label] = {"seconds": round(seconds, 2), "peak_rss_mb": round(rss.peak / 2**20)}
    print(f"  {label:<34} {seconds:8.1f} s  peak RSS {rss.peak / 2**20:6.0f} MB", flush=True)
    return seconds


def raw_copy(project: ProjectCopy, source_url: str, tables: list[Table] | None = None) -> int:
    """COPY every replicated table's (or `tables`') contract columns to a scratch schema."""
    rows = 0
    with psycopg.connect(source_url) as source, project.warehouse() as warehouse:
        warehouse.execute("drop schema if exists bench_copy cascade")
        warehouse.execute("create schema bench_copy")
        for table in project.contract().tables if tables is None else tables:
            target = sql.Identifier("bench_copy", table.name)
            cols = sql.SQL(", ").join(sql.Identifier(c) for c in table.columns)
            warehouse.execute(
                sql.SQL("create table {} (like {})").format(
                    target, sql.Identifier("bench_src", table.name)
                )
            )
            with (
                source.cursor().copy(
                    sql.SQL("copy (select {} from {}) to stdout").format(
                        cols, sql.Identifier("public", table.name)
                    )
                ) as out,
                warehouse.cursor().copy(
                    sql.SQL("copy {} ({}) from stdin").format(target, cols)
                ) as into,
            ):
                for block in out:
                    into.write(block)
                    rows += bytes(block).count(b"\n")
    return rows


def scratch_shapes(project: ProjectCopy, source_url: str) -> None:
    """Empty tables with the source's column types, for the raw COPY to fill."""
    with psycopg.connect(source_url) as source, project.warehouse() as warehouse:
        warehouse.execute("drop schema if exists bench_src cascade")
        warehouse.execute("create schema bench_src")
        for table in project.contract().tables:
            types = dict(column_types(source, f"public.{table.name}"))
            warehouse.execute(
                sql.SQL("create table {} ({})").format(
                    sql.Identifier("bench_src", table.name),
                    sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types[c]))
                        for c in table.columns
                    ),
                )
            )


def fact_rows(source_url: str, project: ProjectCopy) -> int:
    with psycopg.connect(source_url) as conn:
        return sum(
            conn.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier("public", t.name))
            ).fetchone()[0]
            for t in project.contract().tables
        )


def clone_municipalities(project: ProjectCopy) -> None:
    """Fill the banco analítico as if 19 more municipalities had been loaded and built."""
    with project.warehouse() as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.columns "
            "where column_name = %s and table_schema in ('raw_pec', 'intermediate', 'marts') "
            "and table_name in (select table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_schema = columns.table_schema)",
            (MUNICIPIO_COLUMN,),
        ).fetchall()
        for schema, table in tables:
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    (schema, table),
                )
            ]
            values = sql.SQL(", ").join(
                sql.Placeholder() if c == MUNICIPIO_COLUMN else sql.Identifier("t", c)
                for c in columns
            )
            # One município at a time, as each one's own loads would write them: its rows sit
            # together on disk. (Cloning all 19 in one statement interleaved them row by row,
            # a layout no real fleet has, which turned index scans of one município into
            # scans of every page.)
            clone = sql.SQL(
                "insert into {rel} ({cols}) select {vals} from {rel} t where t.{m} = %s"
            ).format(
                rel=sql.Identifier(schema, table),
                cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                vals=values,
                m=sql.Identifier(MUNICIPIO_COLUMN),
            )
            for code in OTHERS:
                conn.execute(clone, (code, IBGE))
        conn.execute("analyze")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=21_000)
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument(
        "--first-load-only",
        action="store_true",
        help="measure (a) and (b) only: how the first load's share of COPY grows with size",
    )
    args = parser.parse_args()
    results: dict = {"date": date.today().isoformat(), "citizens": args.citizens, "steps": {}}
    for old in LOGS.glob("*.log"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="transmissor-bench-") as scratch:
        server = LocalPostgres(root=Path(scratch) / "pg", port=_free_port()).start()
        try:
            project = ProjectCopy.create(Path(scratch), server)
            print(f"bench: sandbox {IBGE} with {args.citizens} citizens", flush=True)
            source_url = project.add_municipio(IBGE, citizens=args.citizens, seed=2026)
            results["source_rows"] = fact_rows(source_url, project)
            print(f"  {results['source_rows']:,} replicated rows at the source", flush=True)
            scratch_shapes(project, source_url)
            copy_s = measured("(a) raw COPY floor", lambda: raw_copy(project, source_url), results)
            load_s = measured(
                "(b) first load",
                lambda: _ok(project.meltano(["run", "carga-inicial"], environment=IBGE)),
                results,
            )
            if args.first_load_only:
                results.update(
                    copy_floor_seconds=round(copy_s, 2),
                    first_load_seconds=round(load_s, 2),
                    first_load_share_of_copy=round(copy_s / load_s, 3),
                )
                args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
                print(f"first load at {copy_s / load_s:.0%} of the raw COPY rate")
                return 0
            _ok(project.meltano(["invoke", "dbt-postgres:deploy"]))
            sandbox.advance(source_url, days=1, seed=1)
            daily_s = measured("(c) daily job, one new day", lambda: _daily(project), results)
            noop_s = measured("(d) daily job, nothing new", lambda: _daily(project), results)
            sandbox.advance(source_url, days=1, seed=2)
            fleet1_s = measured("(f) daily job, 1 município", lambda: _daily(project), results)
            clone_municipalities(project)
            sandbox.advance(source_url, days=1, seed=3)
            fleet20_s = measured("(f) daily job, 20 municípios", lambda: _daily(project), results)
        finally:
            server.destroy()
    results.update(
        copy_floor_seconds=round(copy_s, 2),
        first_load_seconds=round(load_s, 2),
        first_load_share_of_copy=round(copy_s / load_s, 3),
        daily_job_seconds=round(daily_s, 2),
        noop_job_seconds=round(noop_s, 2),
        fleet_1_seconds=round(fleet1_s, 2),
        fleet_20_seconds=round(fleet20_s, 2),
        peak_rss_mb=max(step["peak_rss_mb"] for step in results["steps"].values()),
    )
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nwritten to {args.output}")
    return 0


def _daily(project: ProjectCopy) -> None:
    _ok(project.meltano(["run", "transmissao-diaria"], environment=IBGE))


LOGS = ROOT / "bench" / "logs"  # each step's Meltano output, to see where its time went


def _ok(result: object) -> None:
    LOGS.mkdir(exist_ok=True)
    count = len(list(LOGS.glob("*.log")))
    (LOGS / f"{count:02d}.log").write_text(getattr(result, "output", ""), encoding="utf-8")
    if not getattr(result, "ok", False):
        output = getattr(result, "output", "")
        raise SystemExit(f"bench step failed:\n{output[-3000:]}")


def print_table(results: dict) -> None:
    floor = results["copy_floor_seconds"]
    rows = results["source_rows"]
    print(f"\n{'step':<34} {'seconds':>9} {'rows/s':>10} {'× COPY':>8} {'peak MB':>8}")
    for label, step in results["steps"].items():
        seconds = step["seconds"]
        rate = f"{rows / seconds:,.0f}" if label.startswith(("(a)", "(b)")) else ""
        print(
            f"{label:<34} {seconds:>9.1f} {rate:>10} {seconds / floor:>8.1f} "
            f"{step['peak_rss_mb']:>8}"
        )
    print(
        f"first load at {results['first_load_share_of_copy']:.0%} of the raw COPY rate; "
        f"20 vs 1 municípios: {results['fleet_20_seconds'] / results['fleet_1_seconds']:.2f}×"
    )


if __name__ == "__main__":
    sys.exit(main())
