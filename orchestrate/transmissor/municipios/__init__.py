"""The municipalities: the IBGE list and code rule, and one Meltano environment per município."""
