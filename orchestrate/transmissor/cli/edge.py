"""`transmissor edge`: install, run and watch the transmissor on a box inside the município.

On the box:   install, uninstall, run (the timer calls it), verify, status, update.
Centrally:    grant (the loader role of a município), revoke.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
from pathlib import Path

from transmissor.contract.model import Contract
from transmissor.contract.readonly_role import DEFAULT_ROLE
from transmissor.edge import box, install, loader_role
from transmissor.edge import timer as edge_timer
from transmissor.errors import TransmissorError
from transmissor.load.pseudonymise import deployment_key
from transmissor.municipios import environments
from transmissor.municipios.environments import label
from transmissor.settings import Warehouse, load_dotenv, project_root
from transmissor.warehouse import transmissions
from transmissor.warehouse.database import connect


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "edge",
        help="the transmissor inside the município, pushing out to the banco analítico",
        description=(
            "Edge topology: the project runs on a box next to a PEC no one outside can reach, "
            "for that one município, and connects only outwards."
        ),
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    inst = actions.add_parser(
        "install",
        help="install for one município on this box, verify both connections, add the timer",
        description=(
            "Passwords are read from PEC_PASSWORD_<IBGE> and WAREHOUSE_PASSWORD (the "
            "loader_<IBGE> password from `transmissor edge grant`), or asked for on a terminal; "
            "never from the command line."
        ),
    )
    inst.add_argument("--ibge", required=True, help="7-digit IBGE code of the município")
    inst.add_argument(
        "--dir", type=Path, help="install folder (default ~/.local/share/transmissor/<IBGE>)"
    )
    inst.add_argument(
        "--pec-host", required=True, help="the PEC's PostgreSQL, as this box reaches it"
    )
    inst.add_argument("--pec-port", type=int, default=5432)
    inst.add_argument("--pec-database", default="esus", help="default: %(default)s")
    inst.add_argument(
        "--pec-user", default=DEFAULT_ROLE, help="the read-only role (default: %(default)s)"
    )
    inst.add_argument(
        "--pec-sslmode",
        choices=environments.SSL_MODES,
        help="default: require, or prefer for a PEC on this box",
    )
    inst.add_argument("--warehouse-host", required=True, help="the banco analítico")
    inst.add_argument("--warehouse-port", type=int, default=5432)
    inst.add_argument("--warehouse-database", default="transmissor", help="default: %(default)s")
    inst.add_argument(
        "--warehouse-ca", type=Path, help="CA certificate of the banco analítico (TLS verify-full)"
    )
    inst.add_argument(
        "--warehouse-sslmode",
        choices=environments.SSL_MODES,
        help="default: verify-full with --warehouse-ca, else require "
        "(prefer for a server on this box)",
    )
    inst.add_argument(
        "--source",
        help="git repository, URL or project folder to install from (default: this project)",
    )
    inst.add_argument(
        "--reuse-venv",
        type=Path,
        metavar="PROJECT",
        help="link PROJECT's .venv and .meltano, install none",
    )
    inst.add_argument(
        "--timer",
        choices=edge_timer.KINDS,
        default="auto",
        help="default: systemd when it runs here, else cron",
    )
    inst.add_argument(
        "--timer-dir",
        type=Path,
        help="write the timer files to this folder and change nothing on the system",
    )
    inst.add_argument(
        "--hour",
        type=int,
        default=edge_timer.DEFAULT_HOUR,
        help="hour in the município's time zone (default: %(default)s)",
    )
    inst.add_argument(
        "--random-delay",
        type=int,
        default=edge_timer.DEFAULT_RANDOM_DELAY,
        metavar="SECONDS",
        help="spread the starts (default: %(default)s)",
    )
    inst.add_argument("--no-verify", action="store_true", help="skip the connection checks")
    inst.set_defaults(func=_install)

    un = actions.add_parser("uninstall", help="remove the timer and every file, .env included")
    un.add_argument("--ibge", help="the município (locates the default folder)")
    un.add_argument("--dir", type=Path, help="the install folder")
    un.set_defaults(func=_uninstall)

    run = actions.add_parser("run", help="one transmissão now (what the timer runs)")
    run.add_argument(
        "--scheduled",
        action="store_true",
        help="hourly cron: start only from --at-hour, once a day",
    )
    run.add_argument("--at-hour", type=int, default=edge_timer.DEFAULT_HOUR)
    run.add_argument("--timezone", default="America/Sao_Paulo")
    run.add_argument("--random-delay", type=int, default=0, metavar="SECONDS")
    run.set_defaults(func=_run)

    verify = actions.add_parser("verify", help="check the PEC and the banco analítico from here")
    verify.set_defaults(func=_verify)

    status = actions.add_parser("status", help="version, timer and the last runs of this box")
    status.set_defaults(func=_status)

    update = actions.add_parser("update", help="fast-forward this box to its source's version")
    update.set_defaults(func=_update)

    grant = actions.add_parser(
        "grant",
        help="centrally: create loader_<IBGE>, which writes only that município's rows",
    )
    grant.add_argument("--ibge", required=True, action="append", help="repeatable")
    grant.add_argument(
        "--password-file", type=Path, help="write the new password here (mode 0600), not to stdout"
    )
    grant.add_argument(
        "--keep-password", action="store_true", help="re-apply privileges and policies only"
    )
    grant.set_defaults(func=_grant)

    revoke = actions.add_parser("revoke", help="centrally: take the login away from loader_<IBGE>")
    revoke.add_argument("--ibge", required=True)
    revoke.set_defaults(func=_revoke)


def _secret(variable: str, what: str) -> str:
    value = os.environ.get(variable)
    if value:
        return value
    if sys.stdin.isatty():
        value = getpass.getpass(f"{what}: ")
        if value:
            return value
    msg = f"{what} not given: set {variable} in the environment (or run on a terminal)"
    raise TransmissorError(msg)


def _install(args: argparse.Namespace) -> int:
    municipio_code = args.ibge.strip()
    # The deployment's pseudonymisation, for the box's .env: refused before anything is copied.
    key = deployment_key(f"edge box of IBGE {municipio_code}")
    pec = install.PecSource(
        host=args.pec_host,
        port=args.pec_port,
        database=args.pec_database,
        user=args.pec_user,
        password=_secret(
            environments.password_variable(municipio_code),
            f"password of {args.pec_user} on the PEC",
        ),
        sslmode=args.pec_sslmode,
    )
    target = install.WarehouseTarget(
        host=args.warehouse_host,
        port=args.warehouse_port,
        database=args.warehouse_database,
        password=_secret("WAREHOUSE_PASSWORD", f"password of loader_{municipio_code}"),
        ca_file=args.warehouse_ca,
        sslmode=args.warehouse_sslmode,
    )
    if target.ca_file and not target.ca_file.is_file():
        raise TransmissorError(f"--warehouse-ca {target.ca_file}: no such file")
    root = args.dir or install.default_dir(municipio_code)
    done = install.install(
        municipio_code,
        root,
        pec,
        target,
        source=args.source or str(project_root()),
        reuse_venv=args.reuse_venv,
        timer_kind=args.timer,
        timer_dir=args.timer_dir,
        hour=args.hour,
        random_delay=args.random_delay,
        verify=not args.no_verify,
        pseudonymisation_key=key.decode("utf-8") if key else None,
    )
    m = done.municipio
    print(
        f"installed {m.nome} ({m.uf}), IBGE {m.codigo_ibge}, version {done.version}, in {done.root}"
    )
    timer = done.timer
    where = ", ".join(timer.files) or ("crontab" if timer.crontab else "")
    print(
        f"  timer: {timer.kind}{' (enabled)' if timer.enabled else ''}, daily from "
        f"{args.hour:02d}:00 {m.fuso_horario} plus up to {args.random_delay} s"
        + (f"; {where}" if where else "")
    )
    if timer.note:
        print(f"  note: {timer.note}")
    return 0


def _resolve_dir(args: argparse.Namespace) -> Path:
    if args.dir:
        return args.dir
    if args.ibge:
        return install.default_dir(args.ibge.strip())
    raise TransmissorError("name the install with --dir or --ibge")


def _uninstall(args: argparse.Namespace) -> int:
    for item in install.uninstall(_resolve_dir(args)):
        print(f"removed {item}")
    return 0


def _box() -> Path:
    root = project_root()
    load_dotenv(root)
    return root


def _run(args: argparse.Namespace) -> int:
    root = _box()
    record = box.run(
        root,
        scheduled=args.scheduled,
        at_hour=args.at_hour,
        timezone=args.timezone,
        random_delay=args.random_delay,
    )
    if record is None:
        return 0
    state = "succeeded" if record["ok"] else "FAILED"
    print(f"transmissão {state} in {record['seconds']} s; log: {record['log']}")
    return 0 if record["ok"] else 1


def _verify(_: argparse.Namespace) -> int:
    box.verify(_box())
    return 0


def _status(_: argparse.Namespace) -> int:
    root = _box()
    ibge = box.edge_ibge()
    marker = box.read_marker(root)
    mine = box.version(root)
    timer = marker["timer"]
    print(f"{label(ibge)}: edge box in {root}")
    print(f"  version {mine}")
    print(
        f"  timer {timer['kind']}{' (enabled)' if timer.get('enabled') else ''}: daily from "
        f"{marker['schedule']['hour']:02d}:00 {marker['timezone']} plus up to "
        f"{marker['schedule']['random_delay']} s"
    )
    print("  last runs on this box:")
    runs = box.local_runs(root, 5)
    for r in runs:
        state = "ok    " if r["ok"] else "FAILED"
        print(f"    {r['started_at']}  {state}  {r['seconds']:>7} s  {r['log']}")
    if not runs:
        print("    none yet")
    outdated = False
    try:
        with connect(Warehouse.from_env()) as conn:
            central = box.central_version(conn)
            outdated = bool(central and central != mine)
            print(
                f"  central version {central or 'unknown'}"
                + (": OUTDATED, run `transmissor edge update`" if outdated else "")
            )
            print("  last transmissões recorded centrally:")
            latest = transmissions.latest(conn, ibge, 5)
            for row in latest:
                print(
                    f"    {row.started_at:%Y-%m-%d %H:%M %Z}  {row.status:<8} {row.step:<13} "
                    f"{row.rows_total:>9} rows"
                )
            if not latest:
                print("    none yet")
    except TransmissorError as error:
        print(f"  banco analítico unreachable: {error}")
        return 1
    return 1 if outdated or (runs and not runs[-1]["ok"]) else 0


def _update(_: argparse.Namespace) -> int:
    root = _box()
    before, after = install.update(root)
    print(f"updated {before} -> {after}" if before != after else f"already at {after}")
    return 0


def _grant(args: argparse.Namespace) -> int:
    root = project_root()
    load_dotenv(root)
    contract = Contract.load(root)
    with connect(Warehouse.from_env()) as conn:
        for code in args.ibge:
            password = None if args.keep_password else secrets.token_urlsafe(24)
            done = loader_role.grant(conn, contract, code, password, box.version(root))
            print(
                f"{done.role}: {'created' if done.created else 'up to date'}; row-level security "
                f"on {len(done.protected)} tables"
                + (
                    f"; created {len(done.tables_created)} raw tables"
                    if done.tables_created
                    else ""
                )
            )
            if password is None:
                continue
            if args.password_file:
                path = args.password_file
                if len(args.ibge) > 1:
                    path = path.with_name(f"{path.name}.{code}")
                install.write_private(path, password + "\n")
                print(f"  password written to {path} (give it to the box's installer)")
            else:
                print(f"  password (shown once; the box's WAREHOUSE_PASSWORD): {password}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    load_dotenv(project_root())
    with connect(Warehouse.from_env()) as conn:
        existed = loader_role.revoke(conn, args.ibge)
    role = loader_role.role_name(args.ibge)
    print(f"{role}: login revoked, sessions ended" if existed else f"{role} does not exist")
    return 0
