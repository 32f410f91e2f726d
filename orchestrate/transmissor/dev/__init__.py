"""Development only: the local PostgreSQL, the demo and the synthetic PEC sandbox."""
