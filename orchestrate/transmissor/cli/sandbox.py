"""`transmissor sandbox`: create and advance synthetic PEC databases."""

from __future__ import annotations

import argparse
import time
from datetime import date

from transmissor.errors import TransmissorError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "sandbox", help="synthetic PEC databases for development and tests"
    )
    actions = parser.add_subparsers(dest="sandbox_command", required=True, metavar="ACTION")

    create = actions.add_parser(
        "create",
        help="create (or re-create) a synthetic PEC database",
        description="Create the database named in --url (dropping a previous sandbox of the "
        "same name) and fill it with about three years of PEC activity.",
    )
    create.add_argument("--url", required=True, help="PostgreSQL URL of the database to create")
    create.add_argument("--ibge", required=True, help="7-digit IBGE municipality code")
    create.add_argument(
        "--citizens",
        type=int,
        default=1000,
        help="number of citizens, 100 to 200,000 (default 1000)",
    )
    create.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    create.add_argument(
        "--reference-date",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day of simulated activity (default: today)",
    )
    create.set_defaults(func=_create)

    advance = actions.add_parser(
        "advance",
        help="simulate more days of PEC processing",
        description="Move the sandbox's simulated date forward: new and late facts, updates, "
        "reprocessed (deleted and re-inserted) recent facts.",
    )
    advance.add_argument("--url", required=True, help="PostgreSQL URL of the sandbox")
    advance.add_argument("--days", type=int, required=True, help="days to simulate (>= 1)")
    advance.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed (default: the seed the sandbox was created with)",
    )
    advance.set_defaults(func=_advance)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid date {text!r}: use YYYY-MM-DD, e.g. 2024-04-30"
        ) from None


# The generator is imported when a sandbox command runs, not at every `transmissor` start
# (its modules cost about 30 ms, a cost the daily job's tasks would pay for nothing).


def _create(args: argparse.Namespace) -> int:
    from transmissor.dev.sandbox import create

    started = time.perf_counter()
    counts = create(
        args.url,
        args.ibge,
        citizens=args.citizens,
        seed=args.seed,
        reference_date=args.reference_date,
    )
    elapsed = time.perf_counter() - started
    width = max(len(t) for t in counts)
    facts = {t: n for t, n in counts.items() if not t.startswith("tb_dim_") and n > 20}
    for table, rows in facts.items():
        print(f"{table:<{width}}  {rows:>10,}")
    dims = sum(n for t, n in counts.items() if t not in facts)
    print(
        f"{'dimension/auxiliary tables (' + str(len(counts) - len(facts)) + ')':<{width}}"
        f"  {dims:>10,}"
    )
    print(f"created {sum(counts.values()):,} rows in {len(counts)} tables in {elapsed:.1f} s")
    return 0


def _advance(args: argparse.Namespace) -> int:
    from transmissor.dev.sandbox import advance
    from transmissor.dev.sandbox.connect import connect, parse

    if args.days < 1:
        raise TransmissorError(f"--days must be at least 1 (got {args.days})")
    changes = advance(args.url, args.days, seed=args.seed)
    width = max([len("table"), *(len(t) for t in changes)])
    print(f"{'table':<{width}}  {'inserted':>9}  {'updated':>9}  {'deleted':>9}")
    for table, change in changes.items():
        print(
            f"{table:<{width}}  {change.inserted:>9,}  {change.updated:>9,}  {change.deleted:>9,}"
        )
    _, where, _ = parse(args.url)
    with connect(args.url, where) as conn:
        current = conn.execute("SELECT current_date_ FROM sandbox.state").fetchone()[0]
    print(f"simulated date is now {current.isoformat()}")
    return 0
