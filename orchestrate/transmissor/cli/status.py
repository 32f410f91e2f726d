"""`transmissor status`: who transmitted today, who is late, who failed. Exit 1 on any alert."""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from transmissor.edge import box, loader_role
from transmissor.errors import TransmissorError
from transmissor.fleet import status_html
from transmissor.fleet.status import (
    DEFAULT_TIMEZONE,
    Deadline,
    Listed,
    compute,
    edge_boxes,
    render_table,
)
from transmissor.municipios import environments
from transmissor.municipios.ibge import lookup
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse import freshness, transmissions
from transmissor.warehouse.database import connect


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "status",
        help="per município: last success, rows today, late, failed or stale (exit 1 if any)",
        description=(
            "Per município: the last successful transmission, the rows received on the day "
            "per table, whether it is late (no success by the deadline), the last error and "
            "the latest `transmissor freshness` (stale: no fact rows for two days). "
            "Exits 1 when any município is late, failed or stale."
        ),
    )
    parser.add_argument("--date", help="the day to check, YYYY-MM-DD (default: today)")
    parser.add_argument(
        "--format", choices=("table", "json", "html"), default="table", help="default: table"
    )
    parser.add_argument(
        "--deadline",
        default=os.environ.get("TRANSMISSOR_DEADLINE", "13:00"),
        metavar="HH:MM",
        help="late without a success by then (default 13:00, or $TRANSMISSOR_DEADLINE)",
    )
    parser.add_argument(
        "--timezone",
        default=os.environ.get("TRANSMISSOR_TIMEZONE", DEFAULT_TIMEZONE),
        help=f"of the day and the deadline (default {DEFAULT_TIMEZONE})",
    )
    parser.add_argument("--tables", action="store_true", help="table format: rows per table")
    parser.add_argument("--output", "-o", type=Path, help="write to FILE instead of stdout")
    parser.add_argument("--now", help=argparse.SUPPRESS)  # ISO instant, for tests
    parser.set_defaults(func=_status)


def _parse_deadline(text: str, timezone: str) -> Deadline:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        at = time(hours, minutes)
    except ValueError as error:
        msg = f"--deadline must be HH:MM, not {text!r}"
        raise TransmissorError(msg) from error
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        msg = f"--timezone {timezone!r} is not a known time zone (e.g. America/Sao_Paulo)"
        raise TransmissorError(msg) from error
    return Deadline(at, timezone)


def _status(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    deadline = _parse_deadline(args.deadline, args.timezone)
    now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        day = date.fromisoformat(args.date) if args.date else now.astimezone(deadline.zone).date()
    except ValueError as error:
        raise TransmissorError(f"--date must be YYYY-MM-DD, not {args.date!r}") from error
    registered: list = environments.registered(root)
    with connect(Warehouse.from_env()) as conn:
        transmissions.ensure_schema(conn)
        central = box.version(root)
        boxes = edge_boxes(conn, central)
        if boxes:
            # Published for the boxes: `transmissor edge status` compares itself with it.
            loader_role.ensure_edge_tables(conn, central)
        known = {env.ibge for env in registered}
        registered += [Listed(lookup(code)) for code in sorted(boxes) if code not in known]
        fleet = compute(
            conn, registered, day, now, deadline, edges=boxes, freshness=freshness.latest(conn)
        )
        fleet.central_version = central
    if args.format == "json":
        text = json.dumps(fleet.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":
        text = status_html.render(fleet)
    else:
        text = render_table(fleet, per_table=args.tables) + "\n"
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 1 if fleet.alerts else 0
