"""`transmissor reconcile`: mark in the banco analítico the rows a município's PEC deleted."""

from __future__ import annotations

import argparse
import os

import psycopg

from transmissor import environments
from transmissor.contract import Contract
from transmissor.errors import TransmissorError
from transmissor.reconcile import reconcile
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse import connect, ensure_raw_indexes


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reconcile", help="mark rows deleted at a município's PEC as deleted in the warehouse"
    )
    parser.add_argument(
        "--municipio",
        default=os.environ.get("MUNICIPIO_IBGE"),
        help="IBGE code (default: $MUNICIPIO_IBGE, set by the município's Meltano environment)",
    )
    parser.set_defaults(func=_reconcile)


def _reconcile(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    if not args.municipio:
        raise TransmissorError("name the município with --municipio CODE")
    path = environments.environment_path(root, args.municipio)
    if not path.exists():
        msg = f"município {args.municipio} is not registered: run `transmissor municipio add`"
        raise TransmissorError(msg)
    env = environments.MunicipioEnvironment.from_file(path)
    if env.ssh:
        print(f"município {env.ibge}: reached through SSH; reconciliation skipped")
        return 0
    try:
        source = psycopg.connect(environments.source_conninfo(env))
    except psycopg.OperationalError as error:
        msg = (
            f"município {env.ibge} ({env.municipio.nome}/{env.municipio.uf}): cannot reach the "
            f"banco do município at {env.host}:{env.port}/{env.database}: "
            f"{str(error).strip().splitlines()[-1]}"
        )
        raise TransmissorError(msg) from error
    contract = Contract.load(root)
    with source, connect(Warehouse.from_env()) as warehouse:
        ensure_raw_indexes(warehouse, [table.name for table in contract.tables])
        results = reconcile(contract, source, warehouse, env.ibge)
    marked = sum(r.marked_deleted for r in results)
    missing = sum(r.missing_in_warehouse for r in results)
    for r in results:
        if r.marked_deleted or r.missing_in_warehouse:
            print(
                f"{env.ibge} {r.table}: {r.marked_deleted} marked deleted, "
                f"{r.missing_in_warehouse} at the source not yet loaded"
            )
    print(
        f"município {env.ibge}: reconciled {len(results)} tables, {marked} rows marked deleted, "
        f"{missing} at the source not yet loaded"
    )
    return 0
