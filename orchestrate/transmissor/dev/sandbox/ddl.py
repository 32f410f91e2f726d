"""DDL for the sandbox: PEC tables in `public` (from the reference) and bookkeeping in `sandbox`.

Tables are created bare; primary and foreign keys are added after the bulk load (same
transaction), which is much faster than checking every COPY row against indexes.
"""

from __future__ import annotations

from transmissor.dev.sandbox.reference import Table, load


def create_tables_sql(tables: dict[str, Table] | None = None) -> list[str]:
    """CREATE TABLE statements (no constraints except NOT NULL), in name order."""
    statements = []
    for table in (tables or load()).values():
        columns = ",\n  ".join(
            f"{c.name} {c.type}{' NOT NULL' if c.not_null else ''}" for c in table.columns
        )
        statements.append(f"CREATE TABLE public.{table.name} (\n  {columns}\n)")
    return statements


def primary_keys_sql(tables: dict[str, Table] | None = None) -> list[str]:
    return [
        f"ALTER TABLE public.{t.name} ADD PRIMARY KEY ({t.primary_key})"
        for t in (tables or load()).values()
    ]


def foreign_keys_sql(tables: dict[str, Table] | None = None) -> list[str]:
    """One ALTER TABLE per table adding all its FKs (one scan per FK, one lock per table)."""
    tables = tables or load()
    statements = []
    for table in tables.values():
        clauses = [
            f"ADD FOREIGN KEY ({c.name}) REFERENCES public.{c.references} "
            f"({tables[c.references].primary_key})"
            for c in table.columns
            if c.references
        ]
        if clauses:
            statements.append(f"ALTER TABLE public.{table.name} " + ", ".join(clauses))
    return statements


BOOKKEEPING_SQL = [
    "CREATE SCHEMA sandbox",
    """CREATE TABLE sandbox.state (
  ibge varchar(7) NOT NULL,
  seed bigint NOT NULL,
  citizens integer NOT NULL,
  reference_date date NOT NULL,
  current_date_ date NOT NULL,
  generator_version integer NOT NULL
)""",
    """CREATE TABLE sandbox.sequence (
  table_name text PRIMARY KEY,
  next_id bigint NOT NULL
)""",
    """CREATE TABLE sandbox.staff (
  co_dim_profissional bigint PRIMARY KEY,
  co_dim_cbo bigint NOT NULL,
  nu_cbo varchar(6) NOT NULL,
  role text NOT NULL,
  co_dim_equipe bigint NOT NULL,
  co_dim_unidade_saude bigint NOT NULL,
  nu_cnes varchar(7) NOT NULL,
  nu_micro_area varchar(3),
  co_cds_prof bigint NOT NULL
)""",
    """CREATE TABLE sandbox.team (
  co_dim_equipe bigint PRIMARY KEY,
  co_equipe bigint NOT NULL,
  nu_ine varchar(10) NOT NULL,
  kind text NOT NULL,
  nu_ms varchar(10) NOT NULL,
  scripted boolean NOT NULL
)""",
    """CREATE TABLE sandbox.person (
  co_pessoa integer PRIMARY KEY,
  co_fat_cidadao_pec bigint NOT NULL,
  co_fat_cidadao_pec_dup bigint,
  co_cidadao bigint NOT NULL,
  co_cidadao_dup bigint,
  sexo char(1) NOT NULL,
  dt_nascimento date NOT NULL,
  dt_obito date,
  hypertension boolean NOT NULL,
  diabetes boolean NOT NULL,
  dum date,
  household integer NOT NULL,
  co_dim_equipe bigint NOT NULL,
  nu_micro_area varchar(3) NOT NULL,
  registered boolean NOT NULL,
  co_fat_cidadao_territorio bigint,
  case_name text,
  identidade_genero varchar(3)
)""",
    """CREATE TABLE sandbox.edge_case (
  case_name text PRIMARY KEY,
  co_pessoa integer NOT NULL,
  co_fat_cidadao_pec bigint NOT NULL,
  co_fat_cidadao_pec_dup bigint,
  indicator text NOT NULL,
  expectation text NOT NULL,
  expected_in_list boolean,
  expected_denominator boolean,
  expected_points numeric,
  expected_possible numeric,
  expected_dum date,
  expected_practices text
)""",
]
