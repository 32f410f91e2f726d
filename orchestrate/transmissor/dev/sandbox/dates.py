"""Calendar helpers: tb_dim_tempo rows, month arithmetic like PostgreSQL, quadrimesters.

Dates travel as ordinals (`date.toordinal()`) inside the generator because integer arithmetic
and list lookups are much cheaper than `date` objects for millions of rows.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

SENTINEL = date(3000, 12, 31)
SENTINEL_KEY = 30001231
FIRST_DAY = date(1920, 1, 1)
WEEKDAYS = (
    "Segunda-feira",
    "Terça-feira",
    "Quarta-feira",
    "Quinta-feira",
    "Sexta-feira",
    "Sábado",
    "Domingo",
)


def key(day: date) -> int:
    """tb_dim_tempo key of a date: YYYYMMDD as an integer."""
    return day.year * 10000 + day.month * 100 + day.day


def add_months(day: date, months: int) -> date:
    """`day + interval 'N months'` as PostgreSQL computes it (clamps to the month end)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


@dataclass(frozen=True, slots=True)
class Quadrimester:
    start: date
    end: date


def quadrimester(day: date) -> Quadrimester:
    """Previne quadrimester holding a date: Jan-Apr, May-Aug, Sep-Dec."""
    first_month = ((day.month - 1) // 4) * 4 + 1
    start = date(day.year, first_month, 1)
    return Quadrimester(start, date.fromordinal(add_months(start, 4).toordinal() - 1))


def tempo_row(day: date) -> str:
    """One tb_dim_tempo COPY line (all 6 columns)."""
    return (
        f"{key(day)}\t{day.isoformat()}\t{day.day}\t{day.month}\t{day.year}\t"
        f"{WEEKDAYS[day.weekday()]}\n"
    )


class Calendar:
    """Fast ordinal → key / ISO text lookups for a date range."""

    def __init__(self, first: date, last: date) -> None:
        self.base = first.toordinal()
        self.last = last.toordinal()
        days = [date.fromordinal(o) for o in range(self.base, self.last + 1)]
        self.keys = [key(d) for d in days]
        self.iso = [d.isoformat() for d in days]

    def key(self, ordinal: int) -> int:
        return self.keys[ordinal - self.base]

    def text(self, ordinal: int) -> str:
        return self.iso[ordinal - self.base]
