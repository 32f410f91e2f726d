"""`transmissor status --format html`: one self-contained page, readable at a glance.

A summary line (how many municipalities transmitted, failed, are late), a freshness grid
(municipalities × the last 14 days, each cell coloured by that day's state and showing the
rows received), the rows received per day across the fleet, and per município the rows
received on the day per table and the last error. No scripts, fonts or images from elsewhere:
it can be mailed, served as a static file or opened from disk.
"""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from transmissor.fleet.status import (
    FAILED,
    LATE,
    NO_DATA,
    OK,
    PENDING,
    RUNNING,
    STALE,
    FleetStatus,
    MunicipioStatus,
)

LABELS = {
    OK: ("✓", "transmitted"),
    RUNNING: ("…", "running"),
    PENDING: ("·", "pending"),
    FAILED: ("✗", "failed"),
    LATE: ("!", "late"),
    STALE: ("≈", "stale"),
    NO_DATA: ("", "no data"),
}
ORDER = (FAILED, LATE, STALE, RUNNING, PENDING, OK)

CSS = """
:root { --ok:#1a7f37; --ok-bg:#d7f5dd; --failed:#b42318; --failed-bg:#fde2df;
  --late:#9a6700; --late-bg:#fff1c2; --running:#0b5cad; --running-bg:#dbeafe;
  --pending:#57606a; --pending-bg:#eef1f4; --stale:#8250df; --stale-bg:#ede4fb;
  --none-bg:#f6f8fa; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:#1f2328;
  margin: 24px; background:#fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color:#57606a; margin-bottom: 16px; }
.cards { display:flex; gap:12px; flex-wrap:wrap; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 16px; min-width:120px; }
.card b { display:block; font-size:28px; line-height:1.1; }
.card.ok b { color:var(--ok); } .card.failed b { color:var(--failed); }
.card.late b { color:var(--late); } .card.running b { color:var(--running); }
.card.pending b { color:var(--pending); } .card.stale b { color:var(--stale); }
table { border-collapse: collapse; }
th, td { padding: 4px 6px; }
.grid th { font-weight:600; font-size:12px; color:#57606a; }
.grid th.m, .grid td.m { text-align:left; white-space:nowrap; padding-right:12px; }
.grid td.c { width:64px; height:34px; text-align:center; font-size:12px; border:2px solid #fff;
  border-radius:6px; font-variant-numeric: tabular-nums; }
.grid td.c span { display:block; font-weight:700; font-size:13px; }
.c.ok { background:var(--ok-bg); color:var(--ok); }
.c.failed { background:var(--failed-bg); color:var(--failed); }
.c.late { background:var(--late-bg); color:var(--late); }
.c.running { background:var(--running-bg); color:var(--running); }
.c.pending { background:var(--pending-bg); color:var(--pending); }
.c.stale { background:var(--stale-bg); color:var(--stale); }
.c.no-data { background:var(--none-bg); color:#8c959f; }
.state { font-weight:700; text-transform:uppercase; font-size:12px; }
.state.ok { color:var(--ok); } .state.failed { color:var(--failed); }
.state.late { color:var(--late); } .state.running { color:var(--running); }
.state.pending { color:var(--pending); } .state.stale { color:var(--stale); }
.facts { font-weight:700; font-size:12px; } .facts.stale { color:var(--stale); }
.facts.warn { color:var(--late); } .facts.fresh { color:var(--ok); }
.bars td { vertical-align:bottom; text-align:center; font-size:11px; color:#57606a;
  width:64px; font-variant-numeric: tabular-nums; }
.bar { background:#0969da; margin:0 auto; width:36px; border-radius:3px 3px 0 0; }
.detail { border-top:1px solid var(--line); }
.detail th { text-align:left; font-size:12px; color:#57606a; }
.detail td { border-top:1px solid var(--line); vertical-align:top; }
.num { text-align:right; font-variant-numeric: tabular-nums; }
.error { color:var(--failed); max-width:520px; font-family: ui-monospace, monospace;
  font-size:12px; }
.legend span { display:inline-block; margin-right:14px; }
.legend i { display:inline-block; width:14px; height:14px; border-radius:3px;
  vertical-align:-2px; margin-right:4px; }
"""


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n / 1000:.0f}k"
    if n >= 1_000:
        return f"{n / 1000:.1f}k"
    return str(n)


def _cell(state: str, rows: int, attempts: int, title: str) -> str:
    symbol, label = LABELS[state]
    body = f"<span>{symbol}</span>{_compact(rows) if rows else ('' if symbol else '–')}"
    tip = f"{title}: {label}, {rows:,} rows, {attempts} attempt(s)"
    return (
        f'<td class="c {state}" data-state="{state}" data-rows="{rows}" '
        f'title="{escape(tip)}">{body}</td>'
    )


def _summary(status: FleetStatus) -> str:
    counts = {state: 0 for state in ORDER}
    for m in status.municipios:
        counts[m.state] = counts.get(m.state, 0) + 1
    cards = [
        f'<div class="card total"><b>{len(status.municipios)}</b>municipalities</div>',
        *(
            f'<div class="card {state}" data-count="{state}"><b>{counts[state]}</b>'
            f"{LABELS[state][1]}</div>"
            for state in (OK, FAILED, LATE, STALE, RUNNING, PENDING)
        ),
    ]
    return f'<div class="cards">{"".join(cards)}</div>'


def _ordered(status: FleetStatus) -> list[MunicipioStatus]:
    """Those needing attention first."""
    return sorted(
        status.municipios, key=lambda m: (ORDER.index(m.state) if m.state in ORDER else 9, m.ibge)
    )


def _grid(status: FleetStatus) -> str:
    days = status.days
    head = "".join(f"<th>{d:%a}<br>{d:%d/%m}</th>" for d in days)
    rows = []
    for m in _ordered(status):
        cells = "".join(
            _cell(d.state, d.rows, d.attempts, f"{m.nome} {d.day:%d/%m}") for d in m.history
        )
        rows.append(
            f'<tr data-municipio="{m.ibge}"><td class="m"><b>{escape(m.nome)}</b>/{m.uf} '
            f'<small>{m.ibge}</small><br><span class="state {m.state}">'
            f"{LABELS[m.state][1]}</span></td>{cells}</tr>"
        )
    return (
        f'<table class="grid"><thead><tr><th class="m">município</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _rows_per_day(status: FleetStatus) -> str:
    totals = []
    for index, day in enumerate(status.days):
        total = sum(m.history[index].rows for m in status.municipios if m.history)
        totals.append((day, total))
    peak = max((t for _, t in totals), default=0) or 1
    bars = "".join(
        f'<td data-day="{d.isoformat()}" data-rows="{t}">{t:,}'
        f'<div class="bar" style="height:{max(2, round(90 * t / peak)) if t else 0}px">'
        f"</div></td>"
        for d, t in totals
    )
    labels = "".join(f"<td>{d:%d/%m}</td>" for d, _ in totals)
    return f'<table class="bars"><tr>{bars}</tr><tr>{labels}</tr></table>'


def _detail(m: MunicipioStatus, status: FleetStatus) -> str:
    zone = status.deadline.zone
    last = m.last_success
    success = (
        f"{last.ended_at.astimezone(zone):%Y-%m-%d %H:%M}" if last and last.ended_at else "never"
    )
    tables = "<br>".join(
        f"{escape(t)}&nbsp;<b>{n:,}</b>" for t, n in sorted(m.rows_today.items()) if n
    )
    error = ""
    if m.last_error:
        when = f"{m.last_error_at.astimezone(zone):%Y-%m-%d %H:%M} " if m.last_error_at else ""
        error = escape(when + m.last_error)
    return (
        f'<tr data-municipio="{m.ibge}"><td><b>{escape(m.nome)}</b>/{m.uf} {m.ibge}</td>'
        f'<td><span class="state {m.state}">{LABELS[m.state][1]}</span></td>'
        f"<td>{success}</td><td class='num'>{m.rows_today_total:,}</td>"
        f"<td><small>{tables or '—'}</small></td>{_facts(m, zone)}"
        f"<td class='error'>{error}</td></tr>"
    )


def _facts(m: MunicipioStatus, zone: ZoneInfo) -> str:
    """The latest source freshness: its verdict, the newest fact rows, the tables behind."""
    found = m.freshness
    if not found:
        return '<td data-facts="unchecked"><small>not checked</small></td>'
    newest = f"{found.newest.astimezone(zone):%Y-%m-%d %H:%M}" if found.newest else "never"
    behind = "<br>".join(f"{escape(t.table)}&nbsp;{escape(t.status)}" for t in found.behind)
    return (
        f'<td data-facts="{found.verdict}"><span class="facts {found.verdict}">'
        f"{found.verdict}</span><br><small>newest rows {newest}"
        f"{'<br>' + behind if behind else ''}</small></td>"
    )


def render(status: FleetStatus) -> str:
    zone = status.deadline.zone
    alerts = status.alerts
    verdict = (
        f"{len(alerts)} need attention: " + ", ".join(f"{m.nome}/{m.uf}" for m in alerts)
        if alerts
        else "every município transmitted or is on time"
    )
    legend = "".join(
        f'<span><i class="c {s}"></i>{LABELS[s][1]}</span>'
        for s in (OK, FAILED, LATE, STALE, RUNNING, PENDING, NO_DATA)
    )
    details = "".join(_detail(m, status) for m in _ordered(status))
    return f"""<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>transmissor: transmissões de {status.day:%d/%m/%Y}</title>
<style>{CSS}</style></head>
<body>
<h1>Transmissões de {status.day:%d/%m/%Y}</h1>
<div class="meta">Deadline {status.deadline.at:%H:%M} {escape(status.deadline.timezone)} ·
generated {status.now.astimezone(zone):%Y-%m-%d %H:%M} ·
<b id="verdict">{escape(verdict)}</b></div>
{_summary(status)}
<h2>Freshness, last {len(status.days)} days</h2>
<div class="legend">{legend}</div>
{_grid(status)}
<h2>Rows received per day</h2>
{_rows_per_day(status)}
<h2>On {status.day:%d/%m/%Y}</h2>
<table class="detail"><thead><tr><th>município</th><th>state</th><th>last success</th>
<th class="num">rows</th><th>rows per table</th><th>facts</th><th>last error</th></tr></thead>
<tbody>{details}</tbody></table>
</body></html>
"""
