"""`transmissor first-load`: a município's first load (or full refresh) at COPY speed."""

from __future__ import annotations

import argparse
from pathlib import Path

from transmissor.contract.model import Contract, Table
from transmissor.load.first_load import (
    copy_table,
    ensure_raw_tables,
    handed_over_state,
    tables_to_copy,
)
from transmissor.meltano.run import get_state, set_state
from transmissor.municipios import environments
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse.database import analyze_stale_raw_tables, connect, ensure_raw_indexes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "first-load",
        help="COPY the large tables of a município not loaded yet, then hand over to Meltano",
    )
    environments.add_municipio_option(parser)
    parser.add_argument("--full-refresh", action="store_true", help="copy every large table again")
    parser.set_defaults(func=_first_load)


def _first_load(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    env = environments.load_registered(root, args.municipio)
    contract = Contract.load(root)
    state = get_state(root, env.ibge)
    tables = tables_to_copy(contract, state, args.full_refresh)
    if not tables:
        print(f"município {env.ibge}: every large table has a bookmark; nothing to copy")
        return 0
    if env.ssh:
        print(f"município {env.ibge}: reached through SSH; the first load goes through Meltano")
        return 0
    return _copy(root, env, contract, state, tables)


def _copy(
    root: Path,
    env: environments.MunicipioEnvironment,
    contract: Contract,
    state: dict,
    tables: list[Table],
) -> int:
    source = environments.connect_source(env)
    copied = []
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_tables(source, warehouse, contract)
        for table in tables:
            result = copy_table(table, contract.schema, source, warehouse, env.ibge)
            copied.append(result)
            rate = result.rows / result.seconds if result.seconds else 0
            print(
                f"{env.ibge} {table.name}: {result.rows} rows copied "
                f"in {result.seconds:.1f} s ({rate:,.0f} rows/s)"
            )
        ensure_raw_indexes(warehouse, [t.name for t in tables])
        analyze_stale_raw_tables(warehouse)  # dbt plans on these tables next
    set_state(root, env.ibge, handed_over_state(state, contract, copied))
    total = sum(r.rows for r in copied)
    print(
        f"município {env.ibge}: first load copied {total} rows in {len(copied)} tables; "
        "Meltano continues from their last keys"
    )
    return 0
