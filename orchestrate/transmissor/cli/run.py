"""`transmissor run`: the daily job for the chosen municipalities, side by side."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from transmissor.cli.options import positive
from transmissor.errors import TransmissorError
from transmissor.fleet.runner import (
    STEPS,
    Fleet,
    child_env,
    default_log_dir,
    prepare_record,
    summary_table,
)
from transmissor.load.pseudonymise import deployment_key
from transmissor.municipios import environments
from transmissor.municipios.ibge import lookup
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse.database import connect


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="run the daily job for many municipalities, side by side",
        description=(
            "Run the daily job (meltano run transmissao-diaria) in each município's "
            "environment with bounded concurrency. Transient errors are retried with "
            "backoff; configuration errors are not. Exits 1 when any município failed."
        ),
    )
    which = parser.add_argument_group("municipalities")
    which.add_argument(
        "--municipio",
        action="append",
        default=[],
        metavar="CODE",
        help="IBGE code; repeat for several",
    )
    which.add_argument(
        "--all", action="store_true", help="every município registered in environments/"
    )
    for option, kind, parse, variable, fallback, metavar, text in (
        ("--parallel", int, positive(int), "PARALLEL", "2", "N",
         "municipalities at once (default 2, or $TRANSMISSOR_PARALLEL)"),
        ("--timeout", float, positive(float), "TIMEOUT", "3600", "SECONDS",
         "per attempt; the whole process group is ended after it (default 3600)"),
        ("--retries", int, int, "RETRIES", "2", "R",
         "extra attempts after a transient error (default 2)"),
        ("--backoff", float, float, "BACKOFF", "30", "SECONDS",
         "wait before the first retry, doubled each time, at most 600 s (default 30)"),
    ):  # fmt: skip
        default = kind(os.environ.get(f"TRANSMISSOR_{variable}", fallback))
        parser.add_argument(option, type=parse, default=default, metavar=metavar, help=text)
    parser.add_argument(
        "--step",
        choices=STEPS,
        default="job",
        help="the whole job (default), or only its extract-load or its transform (dbt) part",
    )
    parser.add_argument(
        "--dbt",
        choices=("each", "once"),
        default=os.environ.get("TRANSMISSOR_DBT", "each"),
        help=(
            "each: dbt after each município's load, one município at a time (as the job); "
            "once: one fleet-wide dbt run after every load, the choice for large fleets"
        ),
    )
    parser.add_argument(
        "--trigger",
        default="transmissor run",
        help=argparse.SUPPRESS,  # who started it, for the record (the Airflow DAG says so)
    )
    parser.add_argument("--log-dir", type=Path, help="default: logs/run/<UTC start>/")
    parser.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the outcomes as JSON to FILE"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    deployment_key()  # a missing or short key stops the fleet before any connection
    if args.retries < 0:
        raise TransmissorError("--retries must be 0 or more")
    if args.all and args.municipio:
        raise TransmissorError("use either --all or --municipio, not both")
    if args.all:
        codes = environments.registered_codes(root)
        if not codes:
            msg = "no município is registered in environments/: run `transmissor municipio add`"
            raise TransmissorError(msg)
    elif args.municipio:
        # A code that names no municipality is a typo on this command line: refused here,
        # before anything runs or is recorded.
        codes = [lookup(code).codigo_ibge for code in args.municipio]
    else:
        raise TransmissorError("name the municipalities with --municipio CODE ... or --all")

    warehouse = Warehouse.from_env()
    with connect(warehouse) as conn:
        if not prepare_record(root, conn):
            print("warning: meltano.runs does not exist yet; plain meltano runs are not recorded")

    started = datetime.now(UTC)
    log_dir = args.log_dir or default_log_dir(root, started)
    fleet = Fleet(
        root=root,
        env=child_env(os.environ),
        parallel=args.parallel,
        timeout=args.timeout,
        retries=args.retries,
        backoff=args.backoff,
        step=args.step,
        dbt=args.dbt,
        trigger=args.trigger,
        log_dir=log_dir,
        connect=lambda: connect(warehouse),
        on_event=lambda line: print(line, flush=True),
    )
    print(
        f"transmissor run: {len(codes)} municipalities, {args.parallel} at a time, "
        f"timeout {args.timeout:g} s, {args.retries} retries; logs in {log_dir}",
        flush=True,
    )
    t0 = time.monotonic()
    # SIGTERM (cron, CI, Airflow's timeout) ends the fleet like Ctrl-C: Meltano runs included.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        outcomes = fleet.run(codes)
    finally:
        signal.signal(signal.SIGTERM, previous)
    wall = time.monotonic() - t0
    print()
    print(summary_table(outcomes, wall))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(fleet.report(outcomes, started, wall), encoding="utf-8")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        print(
            f"transmissor run: {len(failed)} failed: " + ", ".join(o.ibge for o in failed),
            file=sys.stderr,
        )
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
