"""A pytest plugin: under CI=true, a skipped test is a failed test.

A test that skips because something is missing (a Debian package, a binary, root, a module)
keeps no promise, and a green run would hide it. Outside CI a skip stays a skip, so a
developer's machine without, say, Chromium still runs the rest; in CI (`.ci/run`, which
installs everything the suite needs) it fails the run, naming what was missing.

Every kind of skip ends in a report whose outcome is "skipped": `pytest.skip()` in a test or
a fixture, `skipif`/`skip` marks, `pytest.importorskip`, a module-level skip (a collection
report), and an xfail (`xfail(run=False)` or a test failing under `xfail`), which pytest
also reports as skipped. Each becomes a failure here.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

CI_VARIABLE = "CI"
Report = pytest.TestReport | pytest.CollectReport


def in_ci() -> bool:
    """CI=true (or any value but empty, 0, false, no)."""
    return os.environ.get(CI_VARIABLE, "").strip().lower() not in ("", "0", "false", "no")


def _reason(report: Report) -> str:
    xfail = getattr(report, "wasxfail", None)
    if xfail is not None:
        return f"xfail: {xfail}" if xfail else "xfail"
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail(report: Report) -> None:
    reason = _reason(report)
    report.outcome = "failed"
    if hasattr(report, "wasxfail"):
        del report.wasxfail
    report.longrepr = (
        f"skipped under {CI_VARIABLE}=true, which fails the run: {reason}\n"
        "(.ci/run must install what this test needs; see tests/no_skips_in_ci.py)"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Generator:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci():
        _fail(report)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci():
        _fail(report)
