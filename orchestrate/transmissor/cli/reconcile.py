"""`transmissor reconcile`: mark in the banco analítico the rows a município's PEC deleted."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from transmissor.contract.model import Contract
from transmissor.load.reconcile import TableReconciliation, reconcile, rewound_state
from transmissor.meltano.run import get_state, set_state
from transmissor.municipios import environments
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse.database import connect, ensure_raw_indexes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reconcile",
        help="compare a município's PEC with the warehouse: mark deletions, re-sync gaps",
    )
    environments.add_municipio_option(parser)
    window = parser.add_mutually_exclusive_group()
    window.add_argument(
        "--since", type=date.fromisoformat, help="only months from this date on (YYYY-MM-DD)"
    )
    window.add_argument(
        "--days", type=int, help="only months from this many days ago on (the daily job: 93)"
    )
    parser.set_defaults(func=_reconcile)


def _reconcile(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    env = environments.load_registered(root, args.municipio)
    if env.ssh:
        print(f"município {env.ibge}: reached through SSH; reconciliation skipped")
        return 0
    since = args.since or (date.today() - timedelta(days=args.days) if args.days else None)
    source = environments.connect_source(env)
    contract = Contract.load(root)
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_indexes(warehouse, [table.name for table in contract.tables])
        results = reconcile(contract, source, warehouse, env.ibge, since)
    for r in results:
        if r.differing_windows:
            print(
                f"{env.ibge} {r.table}: {len(r.differing_windows)} of {r.windows} windows differ; "
                f"{r.marked_deleted} rows marked deleted, "
                f"{len(r.missing_in_warehouse)} missing in the warehouse"
            )
    rewound = _rewind_bookmarks(root, env.ibge, contract, results)
    marked = sum(r.marked_deleted for r in results)
    missing = sum(len(r.missing_in_warehouse) for r in results)
    scope = f"since {since:%Y-%m}" if since else "all months"
    print(
        f"município {env.ibge}: reconciled {len(results)} tables ({scope}); "
        f"{marked} rows marked deleted, {missing} missing"
        + (
            f"; bookmarks rewound for {', '.join(rewound)}: the next transmissão re-reads them"
            if rewound
            else ""
        )
    )
    return 0


def _rewind_bookmarks(
    root: Path, ibge: str, contract: Contract, results: list[TableReconciliation]
) -> list[str]:
    if not any(r.missing_in_warehouse for r in results):
        return []
    state, rewound = rewound_state(get_state(root, ibge), contract, results)
    if rewound:
        set_state(root, ibge, state)
    return rewound
