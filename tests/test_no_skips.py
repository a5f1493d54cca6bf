"""`make test` fails when a test is skipped (REQUIRE_NO_SKIPS=1, tests/conftest.py)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_probe(require: str):
    env = {**os.environ, "REQUIRE_NO_SKIPS": require}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/skip_probe.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_skip_fails_the_run_under_make_test():
    result = run_probe("1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped under make test" in result.stdout
    assert "test_needs_a_missing_tool" in result.stdout


def test_outside_make_test_a_skip_is_only_reported():
    result = run_probe("0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout


def test_make_test_asks_for_no_skips():
    script = (ROOT / "scripts" / "run_tests.sh").read_text()
    assert "export REQUIRE_NO_SKIPS=1" in script
    assert "scripts/run_tests.sh" in (ROOT / "Makefile").read_text()
