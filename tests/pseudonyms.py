"""What the pseudonymisation tests of every path share.

A column they mark in a project copy's contract (an incremental table's, on top of CPF and CNS
of the full-table tb_fat_cidadao_pec), the deployment key, one person planted with the same
identifiers in every PEC (so each path must give that person the same pseudonym), a scan of
every raw table for clear values, and a row-by-row comparison that expects the pseudonyms.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from tests.project import ProjectCopy, comparable_value
from transmissor.contract.model import CONTRACT_PATH, MUNICIPIO_COLUMN, Contract
from transmissor.load.pseudonymise import KEY, SWITCH, pseudonym
from transmissor.warehouse.database import RAW_SCHEMA

KEY_TEXT = secrets.token_hex(32)  # generated for this test session
MARKED_TABLE, MARKED_COLUMN = "tb_fat_cad_individual", "nu_uuid_ficha"
# tb_cidadao keeps the UUID of each person's last registration: marked too, or the marked
# value would still leave in clear through it (the scan of every raw table finds that).
MARKED = {MARKED_TABLE: [MARKED_COLUMN], "tb_cidadao": ["co_unico_ultima_ficha"]}
PEOPLE = "tb_fat_cidadao_pec"
# One person, the same in every PEC the tests load (valid check digits, not a real person's).
PERSON = {"nu_cpf_cidadao": "52998224725", "nu_cns": "898001160660001"}
FICHA = "5e0a9d2c-planted-ficha-of-the-same-person"
LATE_FICHA = "5e0a9d2c-planted-ficha-loaded-by-singer"


def expected(value: str) -> str:
    return pseudonym(KEY_TEXT.encode(), value)


def mark_columns(root: Path) -> None:
    """The project copy's contract also pseudonymises the MARKED columns of incremental tables
    (one with a numeric bookmark, one with a timestamp)."""
    path = root / CONTRACT_PATH
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for table in document["tables"]:
        if table["name"] in MARKED:
            assert table["replication"] == "incremental"
            table["pseudonymise"] = MARKED[table["name"]]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def turn_on(project: ProjectCopy) -> None:
    project.settings.update({SWITCH: "true", KEY: KEY_TEXT})
    project.write_env()


def plant_person(url: str) -> None:
    """Give the PEC's first person PERSON's CPF and CNS, and its first registration FICHA."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "update tb_fat_cidadao_pec set nu_cpf_cidadao = %s, nu_cns = %s where "
            "co_seq_fat_cidadao_pec = (select min(co_seq_fat_cidadao_pec) from tb_fat_cidadao_pec)",
            (PERSON["nu_cpf_cidadao"], PERSON["nu_cns"]),
        )
        _set_ficha(conn, "min", FICHA)


def plant_late_ficha(url: str) -> None:
    """A new registration (a copy of the newest, the next key) with LATE_FICHA: a row only the
    Singer increments carry, the first load having been done."""
    table, key = sql.Identifier(MARKED_TABLE), sql.Identifier("co_seq_fat_cad_individual")
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute(
            sql.SQL(
                "create temporary table late on commit drop as select * from {t} "
                "where {k} = (select max({k}) from {t})"
            ).format(t=table, k=key)
        )
        conn.execute(
            sql.SQL("update late set {k} = {k} + 1, {c} = %s").format(
                k=key, c=sql.Identifier(MARKED_COLUMN)
            ),
            (LATE_FICHA,),
        )
        conn.execute(sql.SQL("insert into {} select * from late").format(table))


def _set_ficha(conn: psycopg.Connection, which: str, value: str) -> None:
    conn.execute(
        sql.SQL(
            "update {t} set {c} = %s where co_seq_fat_cad_individual = "
            "(select {f}(co_seq_fat_cad_individual) from {t})"
        ).format(t=sql.Identifier(MARKED_TABLE), c=sql.Identifier(MARKED_COLUMN), f=sql.SQL(which)),
        (value,),
    )


def clear_values(url: str, contract: Contract) -> set[str]:
    """Every value of a pseudonymised column at the source."""
    found: set[str] = set()
    with psycopg.connect(url) as conn:
        for table in contract.tables:
            for column in table.pseudonymise:
                query = sql.SQL("select distinct {} from {} where {} <> ''").format(
                    sql.Identifier(column), sql.Identifier(table.name), sql.Identifier(column)
                )
                found |= {row[0].strip() for row in conn.execute(query)}
    return found


def leaks(conn: psycopg.Connection, ibge: str, values: set[str]) -> list[str]:
    """Every raw table column (table.column) where a row of the município holds one of them."""
    columns = conn.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = %s and data_type in ('text', 'character varying') "
        "and column_name <> %s order by 1, 2",
        (RAW_SCHEMA, MUNICIPIO_COLUMN),
    ).fetchall()
    found = []
    for table, column in columns:
        query = sql.SQL("select exists (select from {} where {} = %s and btrim({}) = any(%s))")
        hit = conn.execute(
            query.format(
                sql.Identifier(RAW_SCHEMA, table),
                sql.Identifier(MUNICIPIO_COLUMN),
                sql.Identifier(column),
            ),
            (ibge, sorted(values)),
        ).fetchone()[0]
        if hit:
            found.append(f"{table}.{column}")
    return found


def _rows(conn: psycopg.Connection, relation: sql.Composable, columns: list[sql.Composable],
          key: str, where: sql.Composable, params: tuple) -> dict[int, tuple]:  # fmt: skip
    query = sql.SQL("select {}, {} from {} where {}").format(
        sql.Identifier(key), sql.SQL(", ").join(columns), relation, where
    )
    return {row[0]: tuple(row[1:]) for row in conn.execute(query, params)}


def assert_converged(project: ProjectCopy, ibge: str, source_url: str) -> int:
    """Every live raw row of the município equals its source row, each pseudonymised column
    as its pseudonym and every other as it is; no source row is missing. Returns the rows."""
    contract = project.contract()
    compared = 0
    with psycopg.connect(source_url) as source, project.warehouse() as warehouse:
        for table in contract.tables:
            key = table.primary_key[0]
            types = project.source_types(ibge, table.name, source)
            # Compared as text, cast to their source type (as tests.project does) but for the
            # pseudonyms, which no longer fit it.
            values = [
                sql.SQL("{}::text").format(sql.Identifier(c))
                if c in table.pseudonymise
                else sql.SQL("({})::text").format(comparable_value(c, types[c]))
                for c in table.columns
            ]
            at_source = _rows(
                source, sql.Identifier("public", table.name), values, key, sql.SQL("true"), ()
            )
            live = sql.SQL("{} = %s and _sdc_deleted_at is null").format(
                sql.Identifier(MUNICIPIO_COLUMN)
            )
            loaded = _rows(
                warehouse, sql.Identifier(RAW_SCHEMA, table.name), values, key, live, (ibge,)
            )
            hidden = [table.columns.index(c) for c in table.pseudonymise]
            for row_key, row in at_source.items():
                row = list(row)
                for i in hidden:
                    row[i] = expected(row[i]) if row[i] not in (None, "") else row[i]
                at_source[row_key] = tuple(row)
            assert loaded.keys() == at_source.keys(), f"{ibge} {table.name}: keys differ"
            differing = [k for k, row in at_source.items() if loaded[k] != row]
            assert not differing, (
                f"{ibge} {table.name}: {len(differing)} rows differ, e.g. key {differing[0]}: "
                f"{loaded[differing[0]]} != {at_source[differing[0]]}"
            )
            compared += len(at_source)
    return compared


def person_pseudonyms(conn: psycopg.Connection, ibge: str) -> dict[str, set[str]]:
    """What the planted person's identifiers became in the município's raw rows."""
    people = conn.execute(
        sql.SQL("select nu_cpf_cidadao, nu_cns from {} where {} = %s").format(
            sql.Identifier(RAW_SCHEMA, PEOPLE), sql.Identifier(MUNICIPIO_COLUMN)
        ),
        (ibge,),
    ).fetchall()
    fichas = conn.execute(
        sql.SQL("select {} from {} where {} = %s").format(
            sql.Identifier(MARKED_COLUMN),
            sql.Identifier(RAW_SCHEMA, MARKED_TABLE),
            sql.Identifier(MUNICIPIO_COLUMN),
        ),
        (ibge,),
    ).fetchall()
    return {
        "nu_cpf_cidadao": {cpf for cpf, _ in people},
        "nu_cns": {cns for _, cns in people},
        MARKED_COLUMN: {ficha for (ficha,) in fichas},
    }
