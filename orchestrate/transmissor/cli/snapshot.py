"""`transmissor snapshot`: a município's full-table tables by COPY, writing only what changed."""

from __future__ import annotations

import argparse

from transmissor.contract.model import Contract
from transmissor.load import pseudonymise
from transmissor.load.first_load import ensure_raw_tables
from transmissor.load.snapshot import snapshot_tables, sync_table
from transmissor.municipios import environments
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse.database import connect, ensure_raw_indexes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "snapshot",
        help="COPY the município's full-table tables (state tables, dimensions); "
        "write new and changed rows, mark vanished ones",
    )
    environments.add_municipio_option(parser)
    parser.set_defaults(func=_snapshot)


def _snapshot(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    env = environments.load_registered(root, args.municipio)
    if env.ssh:
        print(f"município {env.ibge}: reached through SSH; full-table tables go through Meltano")
        return 0
    contract = Contract.load(root)
    key = pseudonymise.read_key() if pseudonymise.enabled() else None
    tables = snapshot_tables(contract)
    results = []
    source = environments.connect_source(env)
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_tables(source, warehouse, contract)
        for table in tables:
            results.append(sync_table(table, contract.schema, source, warehouse, env.ibge, key))
        ensure_raw_indexes(warehouse, [t.name for t in tables])
    seconds = sum(r.seconds for r in results)
    changed = [f"{r.table} +{r.written}/-{r.deleted}" for r in results if r.written or r.deleted]
    print(
        f"município {env.ibge}: {len(results)} full-table tables, "
        f"{sum(r.rows for r in results)} rows compared in {seconds:.1f} s; "
        f"{sum(r.written for r in results)} written, {sum(r.deleted for r in results)} "
        f"marked deleted" + (f" ({', '.join(changed)})" if changed else "")
    )
    return 0
