"""Under CI=true every kind of skip fails the run, naming what was missing; elsewhere a skip
stays a skip (tests/no_skips_in_ci.py)."""

from __future__ import annotations

import pytest

SKIPPING = {
    "test_skip_call": """
import pytest

def test_it():
    pytest.skip("chromium is not installed")
""",
    "test_skip_fixture": """
import pytest

@pytest.fixture
def lab():
    pytest.skip("needs ip netns")

def test_it(lab):
    pass
""",
    "test_skipif": """
import pytest

@pytest.mark.skipif(True, reason="needs root")
def test_it():
    pass
""",
    "test_importorskip": """
import pytest

def test_it():
    pytest.importorskip("a_module_nobody_has")
""",
    "test_module_skip": """
import pytest

pytest.skip("no PostgreSQL server binaries", allow_module_level=True)

def test_it():
    pass
""",
    "test_module_importorskip": """
import pytest

pytest.importorskip("another_module_nobody_has")

def test_it():
    pass
""",
    "test_xfail_not_run": """
import pytest

@pytest.mark.xfail(run=False, reason="openssl missing")
def test_it():
    pass
""",
    "test_xfail_failing": """
import pytest

@pytest.mark.xfail(reason="known to break without iproute2")
def test_it():
    assert False
""",
}
MISSING = {
    "test_skip_call": "chromium is not installed",
    "test_skip_fixture": "needs ip netns",
    "test_skipif": "needs root",
    "test_importorskip": "a_module_nobody_has",
    "test_module_skip": "no PostgreSQL server binaries",
    "test_module_importorskip": "another_module_nobody_has",
    "test_xfail_not_run": "openssl missing",
    "test_xfail_failing": "known to break without iproute2",
}


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(**SKIPPING)
    pytester.makepyfile(test_fine="def test_it():\n    assert True\n")
    return pytester


def test_under_ci_every_skip_fails_and_names_what_was_missing(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    result = suite.runpytest("-p", "tests.no_skips_in_ci", "-rA", "--continue-on-collection-errors")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0 and outcomes.get("xfailed", 0) == 0, outcomes
    assert outcomes.get("passed") == 1, outcomes
    # Two modules fail at collection (errors), six tests fail or error.
    assert outcomes.get("failed", 0) + outcomes.get("errors", outcomes.get("error", 0)) == 8
    assert result.ret != 0
    text = result.stdout.str()
    for name, missing in MISSING.items():
        assert missing in text, f"{name}: the failure does not name {missing!r}"
    assert "skipped under CI=true" in text


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_outside_ci_a_skip_stays_a_skip(
    suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CI", value)
    result = suite.runpytest("-p", "tests.no_skips_in_ci")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 1 and outcomes.get("xfailed") == 2, outcomes
    assert outcomes.get("skipped") == 6, outcomes
    assert result.ret == 0
