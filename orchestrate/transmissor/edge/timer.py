"""The daily timer of an edge box: a systemd timer, or a crontab entry where systemd is absent.

The transmissão starts in the município's early morning in its own time zone (01:00 by
default), after a random delay (up to 3 h by default) so thousands of boxes do not reach the
banco analítico in the same second.

- systemd: `transmissor-edge-<IBGE>.service` (oneshot, `transmissor edge run`) and
  `.timer` with `OnCalendar=*-*-* 01:00:00 <time zone>` (systemd reads the zone itself),
  `RandomizedDelaySec` and `Persistent=true` (a box that was off catches up at boot). System
  units (/etc/systemd/system, `User=` the installing user) when installed as root, user units
  (~/.config/systemd/user) otherwise, which need `loginctl enable-linger` to run without a
  login session.
- cron: one entry, every hour at a minute drawn at install time, running
  `transmissor edge run --scheduled`, which starts only from the chosen hour in the
  município's time zone, once a day, after its own random delay. The gate is in the command,
  not in `CRON_TZ`: Debian's and Ubuntu's cron ignore `CRON_TZ`, and in cronie it would also
  move the user's other entries.

`timer_dir` (tests, or an administrator who installs the files by hand) writes the same files
to a folder and touches nothing on the system.
"""

from __future__ import annotations

import os
import pwd
import random
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

from transmissor.errors import TransmissorError

KINDS = ("auto", "systemd", "cron", "none")
DEFAULT_HOUR = 1
DEFAULT_RANDOM_DELAY = 3 * 3600
BEGIN = "# BEGIN transmissor edge {ibge}"
END = "# END transmissor edge {ibge}"


@dataclass(frozen=True, slots=True)
class Schedule:
    ibge: str
    timezone: str
    hour: int = DEFAULT_HOUR
    random_delay: int = DEFAULT_RANDOM_DELAY
    minute: int = 0  # cron only: the minute of the hourly check, drawn at install

    @classmethod
    def drawn(cls, ibge: str, timezone: str, hour: int, random_delay: int) -> Schedule:
        if not 0 <= hour <= 23:
            msg = f"--hour must be between 0 and 23, not {hour}"
            raise TransmissorError(msg)
        if not 0 <= random_delay <= 12 * 3600:
            msg = f"--random-delay must be between 0 and 43200 seconds, not {random_delay}"
            raise TransmissorError(msg)
        return cls(ibge, timezone, hour, random_delay, random.SystemRandom().randrange(60))


@dataclass
class InstalledTimer:
    """What was installed, kept in the box's edge.json so uninstall removes exactly that."""

    kind: str
    files: list[str] = field(default_factory=list)
    scope: str | None = None  # systemd: system or user
    crontab: bool = False  # an entry in the user's crontab (crontab -l / -)
    enabled: bool = False
    note: str = ""

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict) -> InstalledTimer:
        return cls(**raw)


def unit_name(ibge: str) -> str:
    return f"transmissor-edge-{ibge}"


def systemd_running() -> bool:
    """systemd is the init system (not merely installed)."""
    return Path("/run/systemd/system").is_dir() and shutil.which("systemctl") is not None


def resolve(kind: str) -> str:
    if kind != "auto":
        return kind
    if systemd_running():
        return "systemd"
    return "cron"


def _quote(path: Path) -> str:
    text = str(path)
    if any(c.isspace() or c in "'\"\\%$" for c in text):
        msg = f"install folder {text!r}: choose a path without spaces, quotes, % or $"
        raise TransmissorError(msg)
    return text


def render_service(root: Path, user: str | None) -> str:
    root_text = _quote(root)
    lines = [
        "[Unit]",
        "Description=transmissor edge: daily transmissão of this município to the banco analítico",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        f"WorkingDirectory={root_text}",
        f"Environment=MELTANO_PROJECT_ROOT={root_text}",
        f"ExecStart={root_text}/.venv/bin/transmissor edge run",
        "UMask=0077",
        "Nice=10",
        "TimeoutStartSec=6h",
    ]
    if user:
        lines.insert(lines.index("Type=oneshot") + 1, f"User={user}")
    return "\n".join(lines) + "\n"


def render_timer(schedule: Schedule) -> str:
    return (
        "[Unit]\n"
        f"Description=transmissor edge: daily at {schedule.hour:02d}:00 {schedule.timezone}, "
        f"then up to {schedule.random_delay} s later\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {schedule.hour:02d}:00:00 {schedule.timezone}\n"
        f"RandomizedDelaySec={schedule.random_delay}\n"
        "Persistent=true\n"
        "AccuracySec=1min\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def render_cron(root: Path, schedule: Schedule, user: str | None = None) -> str:
    """The crontab block (with `user`: a /etc/cron.d line, which names the user)."""
    root_text = _quote(root)
    command = (
        f"cd {root_text} && MELTANO_PROJECT_ROOT={root_text} .venv/bin/transmissor edge run "
        f"--scheduled --at-hour {schedule.hour} --timezone {schedule.timezone} "
        f"--random-delay {schedule.random_delay} >> logs/edge/cron.log 2>&1"
    )
    who = f"{user} " if user else ""
    return (
        f"{BEGIN.format(ibge=schedule.ibge)}\n"
        f"# daily from {schedule.hour:02d}:00 {schedule.timezone} (checked hourly at minute "
        f"{schedule.minute}), then a random delay of up to {schedule.random_delay} s\n"
        f"{schedule.minute} * * * * {who}{command}\n"
        f"{END.format(ibge=schedule.ibge)}\n"
    )


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=False)


def _login_user() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def install(
    kind: str, root: Path, schedule: Schedule, timer_dir: Path | None = None
) -> InstalledTimer:
    kind = resolve(kind)
    if kind == "none":
        return InstalledTimer("none", note="no timer: schedule `transmissor edge run` yourself")
    if kind == "systemd":
        return _install_systemd(root, schedule, timer_dir)
    if kind == "cron":
        return _install_cron(root, schedule, timer_dir)
    msg = f"--timer must be one of {', '.join(KINDS)}, not {kind!r}"
    raise TransmissorError(msg)


def _install_systemd(root: Path, schedule: Schedule, timer_dir: Path | None) -> InstalledTimer:
    as_root = os.geteuid() == 0
    if timer_dir is not None:
        folder, scope = timer_dir, "files"
    elif as_root:
        folder, scope = Path("/etc/systemd/system"), "system"
    else:
        folder, scope = Path.home() / ".config" / "systemd" / "user", "user"
    owner = _owner_of(root) if scope in ("system", "files") and as_root else None
    folder.mkdir(parents=True, exist_ok=True)
    name = unit_name(schedule.ibge)
    service, timer = folder / f"{name}.service", folder / f"{name}.timer"
    service.write_text(render_service(root, owner), encoding="utf-8")
    timer.write_text(render_timer(schedule), encoding="utf-8")
    result = InstalledTimer("systemd", [str(service), str(timer)], scope=scope)
    if scope == "files":
        result.note = f"unit files written to {folder}; not enabled"
        return result
    if not systemd_running():
        result.note = "systemd is not running here: the timer is installed but not enabled"
        return result
    user_flag = ["--user"] if scope == "user" else []
    for args in (["daemon-reload"], ["enable", "--now", f"{name}.timer"]):
        done = _run(["systemctl", *user_flag, *args])
        if done.returncode != 0:
            msg = f"systemctl {' '.join(user_flag + args)} failed: {done.stderr.strip()}"
            raise TransmissorError(msg)
    result.enabled = True
    if scope == "user":
        result.note = (
            f"user timer: run `loginctl enable-linger {_login_user()}` once (as root) so it "
            "runs without a login session"
        )
    return result


def _owner_of(root: Path) -> str | None:
    uid = root.stat().st_uid
    return None if uid == 0 else pwd.getpwuid(uid).pw_name


def _install_cron(root: Path, schedule: Schedule, timer_dir: Path | None) -> InstalledTimer:
    name = unit_name(schedule.ibge)
    if timer_dir is not None:
        timer_dir.mkdir(parents=True, exist_ok=True)
        path = timer_dir / f"{name}.crontab"
        path.write_text(render_cron(root, schedule), encoding="utf-8")
        return InstalledTimer("cron", [str(path)], note=f"crontab entry written to {path}")
    if shutil.which("crontab"):
        current = _run(["crontab", "-l"])
        existing = current.stdout if current.returncode == 0 else ""
        updated = _without_block(existing, schedule.ibge) + render_cron(root, schedule)
        done = _run(["crontab", "-"], stdin=updated)
        if done.returncode != 0:
            raise TransmissorError(f"crontab - failed: {done.stderr.strip()}")
        return InstalledTimer("cron", crontab=True, enabled=True)
    cron_d = Path("/etc/cron.d")
    if os.geteuid() == 0 and cron_d.is_dir():
        path = cron_d / name
        path.write_text(render_cron(root, schedule, _owner_of(root) or "root"), encoding="utf-8")
        return InstalledTimer("cron", [str(path)], enabled=True)
    msg = (
        "neither systemd nor cron is available here: install cron, or pass --timer none and "
        "schedule `transmissor edge run` yourself"
    )
    raise TransmissorError(msg)


def _without_block(text: str, ibge: str) -> str:
    lines, keep, inside = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.strip() == BEGIN.format(ibge=ibge):
            inside = True
        elif line.strip() == END.format(ibge=ibge):
            inside = False
        elif not inside:
            keep.append(line)
    result = "".join(keep)
    return result if not result or result.endswith("\n") else result + "\n"


def remove(installed: InstalledTimer, ibge: str) -> list[str]:
    """Disable and delete what `install` put in place. Returns what was removed."""
    removed = []
    name = unit_name(ibge)
    if installed.kind == "systemd" and installed.enabled and systemd_running():
        user_flag = ["--user"] if installed.scope == "user" else []
        _run(["systemctl", *user_flag, "disable", "--now", f"{name}.timer"])
        removed.append(f"{name}.timer (disabled)")
    for file in installed.files:
        path = Path(file)
        if path.exists():
            path.unlink()
            removed.append(str(path))
    if installed.kind == "systemd" and installed.enabled and systemd_running():
        _run(["systemctl", *(["--user"] if installed.scope == "user" else []), "daemon-reload"])
    if installed.crontab and shutil.which("crontab"):
        current = _run(["crontab", "-l"])
        if current.returncode == 0 and BEGIN.format(ibge=ibge) in current.stdout:
            _run(["crontab", "-"], stdin=_without_block(current.stdout, ibge))
            removed.append("crontab entry")
    return removed
