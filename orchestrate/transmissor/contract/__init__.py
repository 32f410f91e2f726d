"""The extraction contract and everything generated from it (extractor, catalog, dbt, roles)."""
