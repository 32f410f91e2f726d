"""Bad input, end to end through the commands an operator runs.

Every case gets a message that names the município and the fix, a non-zero exit code, and
nothing written: no environment file, no change in the project, no raw rows, no state. The
commands are `transmissor municipio add|check` and `transmissor preflight` (the daily job's
first step), in-process; then every case of the README's bad-input table again as
subprocesses on a project copy, through the job a user runs (`meltano --environment=<IBGE> run
transmissao-diaria`) and through the fleet (`transmissor run --municipio <IBGE>`).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.pec_access import PROJECT_ROOT, install_readonly_role, new_role_name, pec_database
from tests.project import ProjectCopy
from transmissor.cli import main
from transmissor.dev.localpg import SUPERUSER, LocalPostgres
from transmissor.meltano.run import run_meltano
from transmissor.municipios import environments

IBGE = "2611533"  # Quixaba (PE)
NAMED = "município 2611533 (Quixaba/PE)"
PASSWORD = f"leitura-{uuid.uuid4().hex[:12]}"  # made up per run: no literal secret
VARIABLE = environments.password_variable(IBGE)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root: the contract and the extractor settings, no município registered."""
    project = tmp_path / "project"
    for relative in ("extract/contract.yml", "plugins/extractors.meltano.yml"):
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / relative, project / relative)
    (project / "meltano.yml").write_text("include_paths: []\n")
    monkeypatch.setenv("MELTANO_PROJECT_ROOT", str(project))
    monkeypatch.delenv(VARIABLE, raising=False)
    monkeypatch.delenv("MUNICIPIO_IBGE", raising=False)
    return project


@pytest.fixture(scope="module")
def pec(pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A sandbox PEC with the read-only role: (database, role)."""
    database, role = pec_database(pg_server), new_role_name()
    install_readonly_role(pg_server, database, role, PASSWORD, tmp_path_factory.mktemp("role"))
    return database, role


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and everything printed, as a user would see them."""
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _register(root: Path, server: LocalPostgres, database: str, user: str) -> None:
    environments.add(root, IBGE, "127.0.0.1", server.port, database, user)


CHECKS = [["municipio", "check", IBGE], ["preflight", "--municipio", IBGE]]


def _assert_refused_without_writing(
    root: Path, argv: list[str], capsys: pytest.CaptureFixture[str], *expected: str
) -> str:
    before = _tree(root)
    code, text = _run(argv, capsys)
    assert code != 0, text
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in: {text}"
    assert _tree(root) == before, "something was written"
    return text


# -- 1. an IBGE code that names no municipality ------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["municipio", "add", "--ibge", "2611607", "--host", "pec.example", "--database", "esus",
         "--user", "leitura"],
        ["municipio", "check", "2611607"],
        ["preflight", "--municipio", "2611607"],
        ["access", "apply", "--municipio", "2611607"],
    ],
)  # fmt: skip
def test_an_ibge_code_that_names_no_municipality(
    root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    _assert_refused_without_writing(
        root,
        argv,
        capsys,
        "IBGE code 2611607 names no municipality",
        "check the code at ibge.gov.br",
    )
    assert not (root / "environments").exists()


# -- 2. a município already registered ---------------------------------------------------------


def test_a_municipio_already_registered(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["municipio", "add", "--ibge", IBGE, "--host", "pec.example", "--database", "esus"]
    assert _run([*argv, "--user", "leitura"], capsys)[0] == 0
    _assert_refused_without_writing(
        root,
        [*argv, "--user", "outro", "--port", "6543"],
        capsys,
        f"{NAMED} is already registered",
        "edit that file or remove it first",
    )


# -- 3. a missing password variable ------------------------------------------------------------


@pytest.mark.parametrize("argv", CHECKS)
def test_a_missing_password_variable(
    root: Path,
    pg_server: LocalPostgres,
    pec: tuple[str, str],
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _register(root, pg_server, *pec)
    _assert_refused_without_writing(
        root, argv, capsys, f"{NAMED}: the password of {pec[1]} is not set", f"put it in {VARIABLE}"
    )


# -- 4. a wrong password -----------------------------------------------------------------------


@pytest.mark.parametrize("argv", CHECKS)
def test_a_wrong_password(
    root: Path,
    pg_server: LocalPostgres,
    pec: tuple[str, str],
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _register(root, pg_server, *pec)
    monkeypatch.setenv(VARIABLE, "not-the-password")
    text = _assert_refused_without_writing(
        root,
        argv,
        capsys,
        f"{NAMED}: cannot connect",
        f"the password in {VARIABLE} is wrong for role {pec[1]}",
    )
    assert "not-the-password" not in text


# -- 5. a database that is not a PEC -----------------------------------------------------------


@pytest.mark.parametrize("argv", CHECKS)
def test_a_database_that_is_not_a_pec(
    root: Path,
    pg_server: LocalPostgres,
    new_database,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = new_database("not_pec")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("create table public.clientes (id int)")
    _register(root, pg_server, url.rsplit("/", 1)[1], "transmissor")
    monkeypatch.setenv(VARIABLE, pg_server.password())
    _assert_refused_without_writing(
        root,
        argv,
        capsys,
        f"{NAMED}: database {url.rsplit('/', 1)[1]}",
        "it is not an e-SUS APS PEC database",
        f"Correct `database:` in environments/{IBGE}.meltano.yml",
    )


# -- 6. an older PEC without a column the project reads ----------------------------------------


@pytest.mark.parametrize("argv", CHECKS)
def test_an_older_pec_without_a_column(
    root: Path,
    pg_server: LocalPostgres,
    tmp_path: Path,
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database, role = pec_database(pg_server), new_role_name()
    with psycopg.connect(pg_server.url(database), autocommit=True) as conn:
        conn.execute("alter table public.tb_fat_vacinacao drop column co_dim_tempo")
    installed = install_readonly_role(pg_server, database, role, PASSWORD, tmp_path)
    # The DBA's script still runs and says what it skipped.
    assert "tb_fat_vacinacao lacks column(s) co_dim_tempo" in installed.stderr
    _register(root, pg_server, database, role)
    monkeypatch.setenv(VARIABLE, PASSWORD)
    _assert_refused_without_writing(
        root,
        argv,
        capsys,
        NAMED,
        "public.tb_fat_vacinacao: column(s) missing: co_dim_tempo",
        "update the PEC, or take them out of extract/contract.yml",
    )


# -- 7. a malformed environment file -----------------------------------------------------------


@pytest.mark.parametrize("argv", [*CHECKS, ["municipio", "list"]])
def test_a_malformed_environment_file(
    root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = environments.environment_path(root, IBGE)
    path.parent.mkdir()
    path.write_text("environments: [ {name: '2611533', env: {}}\n")
    _assert_refused_without_writing(
        root,
        argv,
        capsys,
        f"{IBGE}.meltano.yml is malformed",
        "rewrite it with `transmissor municipio add` or fix it by hand",
    )


@pytest.mark.parametrize("argv", CHECKS)
def test_a_misspelt_setting_in_the_environment_file(
    root: Path,
    pg_server: LocalPostgres,
    pec: tuple[str, str],
    argv: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _register(root, pg_server, *pec)
    path = environments.environment_path(root, IBGE)
    path.write_text(path.read_text().replace("ssl_mode:", "ssl_mod:"))
    monkeypatch.setenv(VARIABLE, PASSWORD)
    _assert_refused_without_writing(
        root,
        argv,
        capsys,
        f"{NAMED}: environments/{IBGE}.meltano.yml sets ssl_mod",
        "correct or remove it",
    )


# -- 8. an unknown option ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["municipio", "add", "--ibge", IBGE, "--host", "pec.example", "--database", "esus",
         "--user", "leitura", "--tls", "require"],
        ["municipio", "check", IBGE, "--tls"],
        ["preflight", "--municipio", IBGE, "--force"],
    ],
)  # fmt: skip
def test_an_unknown_option(root: Path, argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    text = _assert_refused_without_writing(
        root, argv, capsys, "unrecognized arguments", f"(for {NAMED}); nothing was done", "--help"
    )
    assert "usage: transmissor " in text
    assert not (root / "environments").exists()


# -- through Meltano: a refused source leaves no rows and no state -----------------------------


@pytest.fixture(scope="module")
def project(pg_server: LocalPostgres, tmp_path_factory: pytest.TempPathFactory) -> ProjectCopy:
    project = ProjectCopy.create(tmp_path_factory.mktemp("bad_input"), pg_server)
    project.add_municipio(IBGE, citizens=100, seed=21)
    # Meltano's system tables, as in any project that ran before: "no state" is then a fact
    # read from them, not a table that does not exist.
    assert project.meltano(["state", "list"]).ok
    return project


def _nothing_loaded(project: ProjectCopy) -> None:
    with project.warehouse() as conn:
        tables = conn.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_pec'"
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(
                sql.SQL("select count(*) from {} where co_municipio_ibge = %s").format(
                    sql.Identifier("raw_pec", table)
                ),
                (IBGE,),
            ).fetchone()[0]
            assert rows == 0, f"raw_pec.{table}: {rows} rows written"
        state = conn.execute(
            "select count(*) from meltano.state where state_id like %s", (f"{IBGE}:%",)
        ).fetchone()
        assert state is None or state[0] == 0, "state written"


@pytest.mark.e2e
@pytest.mark.parametrize("password", [None, "not-the-password"], ids=["missing", "wrong"])
def test_meltano_refuses_a_bad_password_and_writes_nothing(
    project: ProjectCopy, password: str | None
) -> None:
    env = project.process_env()
    dotenv = project.root / ".env"
    kept = dotenv.read_text()
    lines = [line for line in kept.splitlines() if not line.startswith(f"{VARIABLE}=")]
    env.pop(VARIABLE, None)
    if password is not None:
        env[VARIABLE] = password
    dotenv.write_text("\n".join(lines) + "\n")
    try:
        preflight = run_meltano(
            project.root, ["invoke", "transmissor", "preflight"], IBGE, base_env=env, timeout=300
        )
        assert preflight.returncode != 0
        assert NAMED in preflight.output
        assert VARIABLE in preflight.output
        loaded = run_meltano(
            project.root, ["run", "tap-pec", "target-postgres"], IBGE, base_env=env, timeout=300
        )
        assert loaded.returncode != 0
        if password:
            assert password not in preflight.output + loaded.output
    finally:
        dotenv.write_text(kept)
    _nothing_loaded(project)


# -- every case of the README's table, through the job and through the fleet ------------------


def _command(project: ProjectCopy, env: dict[str, str], tool: str, *args: str) -> tuple[int, str]:
    done = subprocess.run(
        [str(project.root / ".venv" / "bin" / tool), *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return done.returncode, done.stdout + done.stderr


def _no_success_recorded(project: ProjectCopy, code: str) -> None:
    with project.warehouse() as conn:
        if conn.execute("select to_regclass('transmissor.transmissoes')").fetchone()[0] is None:
            return
        succeeded = conn.execute(
            "select count(*) from transmissor.transmissoes where municipio = %s "
            "and status = 'success'",
            (code,),
        ).fetchone()[0]
    assert succeeded == 0, f"a transmission of {code} was recorded as a success"


def _recorded(project: ProjectCopy, code: str) -> int:
    """Transmissions of any status recorded for the code."""
    with project.warehouse() as conn:
        if conn.execute("select to_regclass('transmissor.transmissoes')").fetchone()[0] is None:
            return 0
        return conn.execute(
            "select count(*) from transmissor.transmissoes where municipio = %s", (code,)
        ).fetchone()[0]


def _refused(
    project: ProjectCopy, env: dict[str, str], tool: str, args: tuple[str, ...], code: str,
    expected: tuple[str, ...],
) -> str:  # fmt: skip
    """The command exits non-zero with the expected words, and nothing was written: no
    registration changed, no raw row, no Meltano state, no transmission as a success."""
    before = _tree(project.root / "environments")
    returncode, output = _command(project, env, tool, *args)
    assert returncode != 0, output[-3000:]
    assert _tree(project.root / "environments") == before, "environments/ was written"
    _nothing_loaded(project)
    _no_success_recorded(project, code)
    for fragment in expected:
        assert fragment in output, f"{tool} {' '.join(args)}: {fragment!r} not in {output[-3000:]}"
    return output


@contextmanager
def _edited(path: Path, edit: Callable[[str], str]) -> Iterator[None]:
    kept = path.read_text(encoding="utf-8")
    path.write_text(edit(kept), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(kept, encoding="utf-8")


@contextmanager
def _as_is(project: ProjectCopy) -> Iterator[dict[str, str]]:
    yield project.process_env()


def _password(value: str | None) -> Bad:
    """The password variable missing (None) or wrong, in the environment and in .env."""

    @contextmanager
    def apply(project: ProjectCopy) -> Iterator[dict[str, str]]:
        def edit(text: str) -> str:
            lines = [line for line in text.splitlines() if not line.startswith(f"{VARIABLE}=")]
            return "\n".join(lines + ([f"{VARIABLE}={value}"] if value else [])) + "\n"

        env = project.process_env()
        env.pop(VARIABLE, None)
        if value:
            env[VARIABLE] = value
        with _edited(project.root / ".env", edit):
            yield env

    return apply


def _environment_file(edit: Callable[[str], str]) -> Bad:
    @contextmanager
    def apply(project: ProjectCopy) -> Iterator[dict[str, str]]:
        with _edited(environments.environment_path(project.root, IBGE), edit):
            yield project.process_env()

    return apply


@contextmanager
def _not_a_pec(project: ProjectCopy) -> Iterator[dict[str, str]]:
    """The município's environment pointed at a database that holds something else."""
    database = f"not_pec_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(project.server.url(), autocommit=True) as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
    with psycopg.connect(project.server.url(database), autocommit=True) as conn:
        conn.execute("create table public.clientes (id int)")
    pec = project.sources[IBGE].rsplit("/", 1)[1]
    path = environments.environment_path(project.root, IBGE)
    with _edited(path, lambda text: text.replace(f"database: {pec}", f"database: {database}")):
        yield project.process_env()


@contextmanager
def _lacking_a_column(project: ProjectCopy) -> Iterator[dict[str, str]]:
    """A PEC whose tb_fat_vacinacao lacks co_dim_tempo (renamed away, then back): without the
    pre-flight, the extract-load would load the other tables and leave this one out."""
    rename = "alter table public.tb_fat_vacinacao rename column {} to {}"
    with psycopg.connect(project.sources[IBGE], autocommit=True) as conn:
        conn.execute(rename.format("co_dim_tempo", "co_dim_tempo_antiga"))
    try:
        yield project.process_env()
    finally:
        with psycopg.connect(project.sources[IBGE], autocommit=True) as conn:
            conn.execute(rename.format("co_dim_tempo_antiga", "co_dim_tempo"))


Bad = Callable[[ProjectCopy], AbstractContextManager[dict[str, str]]]


@dataclass(frozen=True)
class Case:
    """A bad input (applied to the module's project copy, yielding the commands' environment)
    and the words each command refuses it with; None where a command does not apply."""

    apply: Bad
    job: tuple[str, ...] | None  # meltano --environment=<code> run transmissao-diaria
    fleet: tuple[str, ...] | None  # transmissor run --municipio <code>
    code: str = IBGE
    extra: tuple[str, ...] = ()  # more arguments, to both commands
    # The fleet refuses the command line itself: no município's run starts, nothing recorded.
    up_front: bool = False
    other: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (argv, words) of another


MISSING = (f"{NAMED}: the password of {SUPERUSER} is not set", f"put it in {VARIABLE}")
WRONG = (f"{NAMED}: cannot connect", f"the password in {VARIABLE} is wrong for role {SUPERUSER}")
NOT_PEC = ("it is not an e-SUS APS PEC database", f"Correct `database:` in environments/{IBGE}")
COLUMN = (
    f"{NAMED} cannot be transmitted: compatibility: ",
    "public.tb_fat_vacinacao: column(s) missing: co_dim_tempo",
    "update the PEC, or take them out of extract/contract.yml",
)
MISSPELT = (f"{NAMED}: environments/{IBGE}.meltano.yml sets ssl_mod", "correct or remove it")
ADD = ("municipio", "add", "--ibge", IBGE, "--host", "pec.example", "--database", "esus")

CASES = {
    # Meltano itself refuses an environment that does not exist, before any task runs.
    "unknown IBGE code": Case(
        _as_is,
        job=("Environment '2611607' was not found",),
        fleet=("IBGE code 2611607 names no municipality", "check the code at ibge.gov.br"),
        code="2611607",
        up_front=True,
    ),
    "already registered": Case(
        _as_is,
        job=None,
        fleet=None,
        other=(
            (*ADD, "--user", "outro"),
            (f"{NAMED} is already registered", "edit that file or remove it first"),
        ),
    ),
    "missing password": Case(_password(None), MISSING, MISSING),
    "wrong password": Case(_password("not-the-password"), WRONG, WRONG),
    "not a PEC": Case(_not_a_pec, NOT_PEC, NOT_PEC),
    "a PEC lacking a contract column": Case(_lacking_a_column, COLUMN, COLUMN),
    # Meltano reads every environment file when it starts: it refuses a malformed one itself.
    "malformed environment file": Case(
        _environment_file(lambda _: "environments: [ {name: '2611533', env: {}}\n"),
        job=("Error while parsing YAML file", f"environments/{IBGE}.meltano.yml"),
        fleet=(f"{IBGE}.meltano.yml is malformed", "rewrite it with `transmissor municipio add`"),
    ),
    "misspelt setting": Case(
        _environment_file(lambda text: text.replace("ssl_mode:", "ssl_mod:")), MISSPELT, MISSPELT
    ),
    "unknown option": Case(
        _as_is,
        job=("No such option '--bogus'",),
        fleet=("unrecognized arguments: --bogus", f"(for {NAMED}); nothing was done"),
        extra=("--bogus",),
        up_front=True,
    ),
}


@pytest.mark.e2e
@pytest.mark.parametrize("name", CASES)
def test_the_job_and_the_fleet_refuse_bad_input_and_write_nothing(
    project: ProjectCopy, name: str
) -> None:
    """Each case through `meltano --environment=<IBGE> run transmissao-diaria` and `transmissor
    run --municipio <IBGE>` as a user runs them: non-zero exit, the message of the README's
    table, nothing written; the fleet records it as a configuration error, not retried."""
    case = CASES[name]
    with case.apply(project) as env:
        if case.job is not None:
            job = (f"--environment={case.code}", "run", "transmissao-diaria", *case.extra)
            print(_refused(project, env, "meltano", job, case.code, case.job)[-800:])
        if case.fleet is not None:
            fleet = ("run", "--municipio", case.code, *case.extra)
            recorded = _recorded(project, case.code)
            output = _refused(project, env, "transmissor", fleet, case.code, case.fleet)
            print(output[-800:])
            if case.up_front:
                assert "municipalities, " not in output, output[-2000:]  # no fleet started
                assert _recorded(project, case.code) == recorded
            else:  # the fleet ran the município once, and recorded it
                assert "config-error" in output and " 1 attempt " in output, output[-2000:]
        if case.other is not None:
            argv, words = case.other
            print(_refused(project, env, "transmissor", argv, case.code, words)[-800:])
