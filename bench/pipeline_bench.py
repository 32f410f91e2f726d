"""`make bench`: the pipeline measured against a raw COPY of the same data, in one run.

On a sandbox municipality with at least 1,000,000 replicated fact rows it measures:
(a) a raw COPY of the replicated columns from source to a scratch schema, the floor;
(b) the project's first load, `meltano run carga-inicial`: pre-flight checks, every table
    by COPY, the bookmarks handed to Meltano's state (the daily job continues from them);
(c) the daily job (extract-load, reconcile, dbt) after `sandbox advance --days 1`;
(d) the daily job with nothing new;
(e) the peak memory (RSS of the whole process tree) of each step;
(f) the same município's daily job with 1 and with 20 municipalities in the banco analítico.
Each on PostgreSQL 18 (the project's own server) and on Debian's 15 (a banco analítico on the
PostgreSQL a Debian 12 host ships; (f) on 18 only), each server holding both databases.
Results go to bench/results.json, per server, and a table with each figure's ratio to the COPY
floor.

    .venv/bin/python bench/pipeline_bench.py [--citizens 21000] [--servers 18,15]
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

from tests.conftest import start_server  # noqa: E402
from tests.project import ProjectCopy  # noqa: E402
from transmissor.contract.model import MUNICIPIO_COLUMN, Table  # noqa: E402
from transmissor.dev import sandbox  # noqa: E402
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
        "--servers",
        default="18,15",
        help="PostgreSQL versions to measure, each server holding both databases (default "
        "18,15: the project's own and Debian 12's); (f) runs on the first only",
    )
    parser.add_argument(
        "--first-load-only",
        action="store_true",
        help="measure (a) and (b) only: how the first load's share of COPY grows with size",
    )
    args = parser.parse_args()
    versions = [v.strip() for v in args.servers.split(",") if v.strip()]
    results: dict = {"date": date.today().isoformat(), "citizens": args.citizens, "servers": {}}
    for old in LOGS.glob("*.log"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="transmissor-bench-") as scratch:
        for version in versions:
            fleet = version == versions[0] and not args.first_load_only
            figures = measure_server(Path(scratch) / f"pg{version}", version, args, results, fleet)
            results["servers"][version] = figures
            args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for version, figures in results["servers"].items():
        print_table(version, figures, results["source_rows"])
    print(f"\nwritten to {args.output}")
    return 0


def measure_server(
    scratch: Path, version: str, args: argparse.Namespace, results: dict, fleet: bool
) -> dict:
    """Every step on one server holding the banco do município and the banco analítico."""
    scratch.mkdir()
    server = start_server(scratch / "pg", version)
    figures: dict = {"steps": {}}
    try:
        project = ProjectCopy.create(scratch, server)
        with project.warehouse() as conn:
            figures["server"] = "PostgreSQL " + conn.execute("show server_version").fetchone()[0]
        print(f"bench on {figures['server']}: sandbox {IBGE}, {args.citizens} citizens", flush=True)
        source_url = project.add_municipio(IBGE, citizens=args.citizens, seed=2026)
        results["source_rows"] = fact_rows(source_url, project)  # the same on every server
        print(f"  {results['source_rows']:,} replicated rows at the source", flush=True)
        scratch_shapes(project, source_url)
        copy_s = measured("(a) raw COPY floor", lambda: raw_copy(project, source_url), figures)
        load_s = measured(
            "(b) first load",
            lambda: _ok(project.meltano(["run", "carga-inicial"], environment=IBGE)),
            figures,
        )
        figures.update(
            copy_floor_seconds=round(copy_s, 2),
            first_load_seconds=round(load_s, 2),
            first_load_share_of_copy=round(copy_s / load_s, 3),
        )
        if args.first_load_only:
            return figures
        _ok(project.meltano(["invoke", "dbt-postgres:deploy"]))
        sandbox.advance(source_url, days=1, seed=1)
        daily_s = measured("(c) daily job, one new day", lambda: _daily(project), figures)
        noop_s = measured("(d) daily job, nothing new", lambda: _daily(project), figures)
        figures.update(daily_job_seconds=round(daily_s, 2), noop_job_seconds=round(noop_s, 2))
        if fleet:
            sandbox.advance(source_url, days=1, seed=2)
            fleet1_s = measured("(f) daily job, 1 município", lambda: _daily(project), figures)
            clone_municipalities(project)
            sandbox.advance(source_url, days=1, seed=3)
            fleet20_s = measured("(f) daily job, 20 municípios", lambda: _daily(project), figures)
            figures.update(fleet_1_seconds=round(fleet1_s, 2), fleet_20_seconds=round(fleet20_s, 2))
        figures["peak_rss_mb"] = max(step["peak_rss_mb"] for step in figures["steps"].values())
        return figures
    finally:
        server.destroy()


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


def print_table(version: str, figures: dict, rows: int) -> None:
    floor = figures["copy_floor_seconds"]
    print(f"\n{figures['server']}")
    print(f"{'step':<34} {'seconds':>9} {'rows/s':>10} {'× COPY':>8} {'peak MB':>8}")
    for label, step in figures["steps"].items():
        seconds = step["seconds"]
        rate = f"{rows / seconds:,.0f}" if label.startswith(("(a)", "(b)")) else ""
        print(
            f"{label:<34} {seconds:>9.1f} {rate:>10} {seconds / floor:>8.1f} "
            f"{step['peak_rss_mb']:>8}"
        )
    share = figures["first_load_share_of_copy"]
    summary = f"PostgreSQL {version}: first load at {share:.0%} of the raw COPY rate"
    if "fleet_20_seconds" in figures:
        ratio = figures["fleet_20_seconds"] / figures["fleet_1_seconds"]
        summary += f"; 20 vs 1 municípios: {ratio:.2f}×"
    print(summary)


if __name__ == "__main__":
    sys.exit(main())
