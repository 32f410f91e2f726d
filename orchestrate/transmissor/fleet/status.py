"""Who transmitted: per município, the last success, today's rows, lateness and the last error.

Everything is read from the record of transmissions (`transmissor.transmissoes`). A day is a
calendar day in the deadline's time zone (America/Sao_Paulo by default), and a município is
late when it has no successful transmission on that day by the deadline (13:00 by default).
The latest `transmissor freshness` (dbt's source freshness per município, recorded in
`transmissor.source_freshness`) adds whether its facts still arrive: `stale` when none of its
fact tables received rows within two days, whatever the record of transmissions says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from transmissor.municipios.environments import MunicipioEnvironment
from transmissor.municipios.ibge import Municipio
from transmissor.warehouse import freshness as source_freshness
from transmissor.warehouse import transmissions
from transmissor.warehouse.freshness import Freshness
from transmissor.warehouse.transmissions import Transmission

DEFAULT_DEADLINE = time(13, 0)
DEFAULT_TIMEZONE = "America/Sao_Paulo"
HISTORY_DAYS = 14

# Per município and day, from the best to the worst.
OK = "ok"  # a successful transmission that day
RUNNING = "running"  # no success yet, one is running
PENDING = "pending"  # no success yet, deadline not reached, nothing failed
FAILED = "failed"  # the latest attempt failed and none succeeded since
LATE = "late"  # deadline passed with no success (and no failure to blame)
STALE = source_freshness.STALE  # transmitting or not failing, but no facts for two days
NO_DATA = "no-data"  # a day before the município's first transmission
ALERTS = (FAILED, LATE, STALE)


@dataclass(frozen=True, slots=True)
class Deadline:
    at: time = DEFAULT_DEADLINE
    timezone: str = DEFAULT_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(0), self.zone)
        return start, start + timedelta(days=1)

    def on(self, day: date) -> datetime:
        return datetime.combine(day, self.at, self.zone)


@dataclass(frozen=True, slots=True)
class Listed:
    """A município known only from its edge box (no environment file in this project)."""

    municipio: Municipio

    @property
    def ibge(self) -> str:
        return self.municipio.codigo_ibge


@dataclass(frozen=True, slots=True)
class EdgeBox:
    """An edge box (transmissor edge install) as it last reported itself."""

    hostname: str
    version: str
    last_seen: datetime
    last_run_status: str | None
    outdated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "hostname": self.hostname,
            "version": self.version,
            "last_seen": self.last_seen.isoformat(),
            "last_run_status": self.last_run_status,
            "outdated": self.outdated,
        }


def edge_boxes(conn: psycopg.Connection, central_version: str) -> dict[str, EdgeBox]:
    """Every edge box by município; outdated when it runs another version than the center."""
    if not conn.execute("select to_regclass('transmissor.edge_boxes') is not null").fetchone()[0]:
        return {}
    rows = conn.execute(
        "select municipio, hostname, version, last_seen, last_run_status "
        "from transmissor.edge_boxes order by municipio"
    ).fetchall()
    return {
        code: EdgeBox(host, version, seen, run, version != central_version)
        for code, host, version, seen, run in rows
    }


@dataclass
class DayStatus:
    day: date
    state: str
    rows: int = 0
    attempts: int = 0


@dataclass
class MunicipioStatus:
    ibge: str
    nome: str
    uf: str
    state: str
    last_success: Transmission | None
    rows_today: dict[str, int]
    last_error: str | None
    last_error_at: datetime | None
    running: bool
    history: list[DayStatus] = field(default_factory=list)
    edge: EdgeBox | None = None
    freshness: Freshness | None = None

    @property
    def rows_today_total(self) -> int:
        return sum(self.rows_today.values())

    @property
    def alert(self) -> bool:
        return self.state in ALERTS

    def to_json(self) -> dict[str, Any]:
        return {
            "municipio": self.ibge,
            "nome": self.nome,
            "uf": self.uf,
            "state": self.state,
            "late": self.state == LATE,
            "failed": self.state == FAILED,
            "last_success": self.last_success.to_json() if self.last_success else None,
            "rows_today": self.rows_today,
            "rows_today_total": self.rows_today_total,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at.isoformat() if self.last_error_at else None,
            "history": [
                {"date": d.day.isoformat(), "state": d.state, "rows": d.rows} for d in self.history
            ],
            "edge": self.edge.to_json() if self.edge else None,
            "freshness": self.freshness.to_json() if self.freshness else None,
        }

    @property
    def facts(self) -> str:
        """The freshness verdict, `unchecked` before the first `transmissor freshness`."""
        return self.freshness.verdict if self.freshness else "unchecked"


def with_freshness(state: str, found: Freshness | None) -> str:
    """A município whose facts stopped arriving is stale unless already late or failed."""
    if found and found.verdict == STALE and state in (OK, RUNNING, PENDING):
        return STALE
    return state


@dataclass
class FleetStatus:
    day: date
    now: datetime
    deadline: Deadline
    municipios: list[MunicipioStatus]
    central_version: str | None = None

    @property
    def edge_outdated(self) -> list[str]:
        return [m.ibge for m in self.municipios if m.edge and m.edge.outdated]

    @property
    def alerts(self) -> list[MunicipioStatus]:
        return [m for m in self.municipios if m.alert]

    @property
    def days(self) -> list[date]:
        return [self.day - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for m in self.municipios:
            counts[m.state] = counts.get(m.state, 0) + 1
        return {
            "date": self.day.isoformat(),
            "generated_at": self.now.isoformat(),
            "deadline": f"{self.deadline.at:%H:%M} {self.deadline.timezone}",
            "counts": counts,
            "alerts": [m.ibge for m in self.alerts],
            "municipios": [m.to_json() for m in self.municipios],
            "central_version": self.central_version,
            "edge_outdated": self.edge_outdated,
        }


def day_state(
    attempts: list[Transmission], day: date, now: datetime, deadline: Deadline
) -> tuple[str, datetime | None]:
    """A município's state on one day from that day's attempts (oldest first)."""
    if any(t.status == "success" for t in attempts):
        return OK, None
    if attempts and attempts[-1].status == "running":
        return RUNNING, None
    failed = [t for t in attempts if t.status == "failed"]
    if failed:
        return FAILED, failed[-1].started_at
    if now >= deadline.on(day):
        return LATE, None
    return PENDING, None


def compute(
    conn: psycopg.Connection,
    registered: list[MunicipioEnvironment] | list[MunicipioEnvironment | Listed],
    day: date,
    now: datetime,
    deadline: Deadline,
    edges: dict[str, EdgeBox] | None = None,
    freshness: dict[str, Freshness] | None = None,
) -> FleetStatus:
    zone = deadline.zone
    first_day = day - timedelta(days=HISTORY_DAYS - 1)
    window_start, _ = deadline.day_bounds(first_day)
    _, day_end = deadline.day_bounds(day)
    recent = transmissions.fetch(conn, window_start, day_end)
    last_success = transmissions.last_success_before(conn, day_end)
    first_seen = dict(
        conn.execute(
            f"select municipio, min(started_at) from {transmissions.TABLE} group by municipio"
        ).fetchall()
    )
    by_municipio_day: dict[tuple[str, date], list[Transmission]] = {}
    for t in recent:
        key = (t.municipio, t.started_at.astimezone(zone).date())
        by_municipio_day.setdefault(key, []).append(t)

    result = []
    for env in registered:
        ibge = env.ibge
        history = []
        for d in (first_day + timedelta(days=n) for n in range(HISTORY_DAYS)):
            attempts = by_municipio_day.get((ibge, d), [])
            seen = first_seen.get(ibge)
            if d > now.astimezone(zone).date():
                state = NO_DATA  # the future
            elif not attempts and d < day and (seen is None or seen.astimezone(zone).date() > d):
                state = NO_DATA  # before the município's first transmission
            else:
                state, _ = day_state(attempts, d, now, deadline)
            rows = sum(t.rows_total for t in attempts)
            history.append(DayStatus(d, state, rows, len(attempts)))
        today = by_municipio_day.get((ibge, day), [])
        state, _ = day_state(today, day, now, deadline)
        rows_today: dict[str, int] = {}
        for t in today:
            for table, n in t.rows.items():
                rows_today[table] = rows_today.get(table, 0) + n
        errors = [t for t in recent if t.municipio == ibge and t.status == "failed"]
        success = last_success.get(ibge)
        last_error = errors[-1] if errors else None
        found = (freshness or {}).get(ibge)
        result.append(
            MunicipioStatus(
                ibge=ibge,
                nome=env.municipio.nome,
                uf=env.municipio.uf,
                state=with_freshness(state, found),
                last_success=success,
                rows_today=rows_today,
                last_error=last_error.error if last_error else None,
                last_error_at=last_error.started_at if last_error else None,
                running=bool(today and today[-1].status == "running"),
                history=history,
                edge=(edges or {}).get(ibge),
                freshness=found,
            )
        )
    return FleetStatus(day, now, deadline, result)


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = (now - moment).total_seconds()
    if seconds < 3600:
        return f"{max(seconds, 0) / 60:.0f} min ago"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def render_table(status: FleetStatus, per_table: bool = False) -> str:
    zone = status.deadline.zone
    header = (
        f"{'município':<7} {'nome':<22} {'uf':<2} {'state':<8} {'last success':<23} "
        f"{'rows today':>10} {'facts':<9}  last error"
    )
    lines = [
        f"transmissões of {status.day:%Y-%m-%d} (deadline {status.deadline.at:%H:%M} "
        f"{status.deadline.timezone}), at {status.now.astimezone(zone):%Y-%m-%d %H:%M}",
        "",
        header,
        "-" * len(header),
    ]
    for m in status.municipios:
        success = (
            f"{m.last_success.ended_at.astimezone(zone):%m-%d %H:%M} "
            f"({_ago(m.last_success.ended_at, status.now)})"
            if m.last_success and m.last_success.ended_at
            else "never"
        )
        error = ""
        if m.last_error and m.last_error_at:
            error = f"{m.last_error_at.astimezone(zone):%m-%d %H:%M} {m.last_error}"[:90]
        edge = ""
        if m.edge:
            edge = f"  [edge {m.edge.version}{' OUTDATED' if m.edge.outdated else ''}]"
        facts = m.facts.upper() if m.facts == STALE else m.facts
        lines.append(
            f"{m.ibge:<7} {m.nome[:22]:<22} {m.uf:<2} {m.state.upper():<8} {success:<23} "
            f"{m.rows_today_total:>10,} {facts:<9}  {error}{edge}"
        )
        if per_table and m.rows_today:
            for table, n in sorted(m.rows_today.items()):
                if n:
                    lines.append(f"{'':<34}{table:<34} {n:>10,}")
        if m.freshness and m.freshness.behind:
            newest = m.freshness.newest
            since = f"newest fact rows {_ago(newest, status.now)}" if newest else "no fact rows"
            behind = ", ".join(f"{t.table} {t.status}" for t in m.freshness.behind)
            lines.append(
                f"{'':<8}facts ({since}; checked "
                f"{_ago(m.freshness.checked_at, status.now)}): {behind}"[:160]
            )
    lines.append("-" * len(header))
    counts = status.to_json()["counts"]
    lines.append(
        ", ".join(
            f"{counts[s]} {s}" for s in (OK, RUNNING, PENDING, FAILED, LATE, STALE) if s in counts
        )
        or "no municipalities registered"
    )
    boxes = [m for m in status.municipios if m.edge]
    if boxes:
        outdated = status.edge_outdated
        lines.append(
            f"{len(boxes)} edge boxes (central version {status.central_version}); "
            + (f"{len(outdated)} OUTDATED: {', '.join(outdated)}" if outdated else "none outdated")
        )
    return "\n".join(lines)
