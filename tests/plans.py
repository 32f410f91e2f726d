"""The work a statement's plan does, counted in rows, not seconds: a plan that goes quadratic
shows it at any size and on any machine, however loaded.

`ExplainingConnection` stands in for a warehouse connection: before it runs each statement
that writes (insert, update, delete), it runs the same statement under `EXPLAIN (ANALYZE)` in a
savepoint that it rolls back, and keeps the plan. The code under test runs unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

WRITES = re.compile(r"\s*(insert|update|delete)\b", re.IGNORECASE)
# Rows each plan node looked at besides those it returned (per loop, as EXPLAIN reports them).
DISCARDED = (
    "Rows Removed by Filter",
    "Rows Removed by Join Filter",
    "Rows Removed by Index Recheck",
)


@dataclass(frozen=True, slots=True)
class Plan:
    statement: str
    tree: dict[str, Any]

    def nodes(self) -> Iterator[dict[str, Any]]:
        pending = [self.tree]
        while pending:
            node = pending.pop()
            yield node
            pending.extend(node.get("Plans", []))

    @property
    def rows_touched(self) -> int:
        """Every row every node returned or discarded, times the loops it ran: a nested loop
        that scans N rows for each of N outer rows counts N²."""
        return round(sum(_per_loop(node) * node.get("Actual Loops", 1) for node in self.nodes()))

    @property
    def most_rows_per_loop(self) -> float:
        """The most rows one run of a node that ran more than once returned or discarded: an
        index probe's is about 1, a whole table scanned for each outer row its size."""
        rescanned = [_per_loop(n) for n in self.nodes() if n.get("Actual Loops", 1) > 1]
        return max(rescanned, default=0.0)

    def describe(self) -> str:
        """One line per node: type, relation, loops and rows (for a failure message)."""
        lines = []
        for node in self.nodes():
            relation = node.get("Relation Name") or node.get("Alias") or ""
            lines.append(
                f"{node['Node Type']} {relation} loops={node.get('Actual Loops')} "
                f"rows={node.get('Actual Rows')}"
            )
        return "; ".join(lines)


def _per_loop(node: dict[str, Any]) -> float:
    return node.get("Actual Rows", 0) + sum(node.get(k, 0) for k in DISCARDED)


class ExplainingConnection:
    """A psycopg connection whose writing statements are also explained, in a savepoint."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self.plans: list[Plan] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> psycopg.Cursor:
        text = query.as_string(self._conn) if isinstance(query, sql.Composable) else str(query)
        if WRITES.match(text):
            composed = query if isinstance(query, sql.Composable) else sql.SQL(text)
            self._conn.execute("savepoint explained")
            explain = sql.SQL("explain (analyze, format json) ") + composed
            (document,) = self._conn.execute(explain, params).fetchone()
            self._conn.execute("rollback to savepoint explained")
            self.plans.append(Plan(text, document[0]["Plan"]))
        return self._conn.execute(query, params, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)
