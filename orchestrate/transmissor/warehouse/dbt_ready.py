"""Before dbt builds: fresh raw statistics, and the dbt project deployed on a new warehouse.

The daily per-município build (`dbt-postgres:build_municipio`) creates no view and no table, so
municipalities can build at the same time; the fleet-wide `dbt-postgres:deploy` creates them.
`prepare` runs that deploy when the warehouse has never had it (a new warehouse), without its
data tests (`dbt-postgres:first_deploy`: each município's build tests its own rows right
after), under an advisory lock so that municipalities starting together deploy once and the
others wait.
After changing models, run `meltano invoke dbt-postgres:deploy` yourself.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from transmissor.errors import TransmissorError
from transmissor.settings import Warehouse
from transmissor.warehouse.database import connect
from transmissor.warehouse.dbt import deploy
from transmissor.warehouse.raw_tables import analyze_stale_raw_tables

DEPLOY_LOCK = 7_202_611_534
# Relations the deploy creates: one staging view, one mart.
MARKERS = ("staging.stg_pec__fat_cidadao_pec", "marts.resumo_qualidade_municipio")


def deployed(conn: psycopg.Connection) -> bool:
    return all(conn.execute("select to_regclass(%s)", (m,)).fetchone()[0] for m in MARKERS)


def prepare(root: Path) -> None:
    """Refresh stale raw statistics; deploy the dbt project if this warehouse never had it."""
    with connect(Warehouse.from_env()) as conn:
        analysed = analyze_stale_raw_tables(conn)
        if analysed:
            print(f"statistics refreshed for {len(analysed)} raw tables: {', '.join(analysed)}")
        if deployed(conn):
            print("dbt project already deployed")
            return
        with conn.transaction():
            conn.execute("select pg_advisory_xact_lock(%s)", (DEPLOY_LOCK,))
            if deployed(conn):
                print("dbt project deployed by a concurrent run")
                return
            result = deploy(root)
            if not result.ok:
                tail = "\n".join(result.output.strip().splitlines()[-20:])
                msg = (
                    f"the first dbt deploy failed; run `meltano invoke dbt-postgres:deploy`\n{tail}"
                )
                raise TransmissorError(msg)
    print(f"dbt project deployed in {result.seconds:.0f} s")
