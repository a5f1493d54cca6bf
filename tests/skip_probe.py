"""Run only by tests/test_no_skips.py: one test that passes and one that skips."""

import pytest


def test_runs():
    assert True


def test_needs_a_missing_tool():
    pytest.skip("the probe's tool is missing")
