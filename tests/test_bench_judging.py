"""How `make bench` judges its figures: the sweep's queries per batch, the
capacity against the floor, the login phase, and the rerun of a row measured
while the machine was busy. Pure functions of recorded figures: no server."""

import json

import pytest

from bench import load, report
from bench.__main__ import per_batch


def test_queries_on_one_line_are_constant_per_batch():
    points = [
        {"installments": 5000, "batch_size": 1000, "batches": 6, "queries": 40},
        {"installments": 5000, "batch_size": 250, "batches": 21, "queries": 100},
        {"installments": 100000, "batch_size": 1000, "batches": 101, "queries": 420},
    ]
    judged = per_batch(points)
    assert judged["ok"]
    assert judged["figure"].startswith("16 + 4 per batch")


def test_queries_growing_with_rows_are_not_constant_per_batch():
    # The two small runs fit a line; the large one makes more queries than it predicts.
    points = [
        {"installments": 5000, "batch_size": 1000, "batches": 6, "queries": 40},
        {"installments": 5000, "batch_size": 250, "batches": 21, "queries": 100},
        {"installments": 100000, "batch_size": 1000, "batches": 101, "queries": 520},
    ]
    assert not per_batch(points)["ok"]


def test_one_batch_whatever_the_size_must_be_the_same_queries():
    same = {"batch_size": 1000, "batches": 1, "queries": 12}
    points = [{"installments": 5000, **same}, {"installments": 5000, **same}]
    assert per_batch([*points, {"installments": 100000, **same}])["ok"]
    assert not per_batch([*points, {**same, "installments": 100000, "queries": 13}])["ok"]


def _samples(tmp_path, samples, blocks):
    path = tmp_path / "samples.json"
    path.write_text(json.dumps({"samples": samples, "blocks": blocks}))
    return load.read_results(path, tmp_path / "locust")


def test_capacity_compares_browsing_with_the_floor_block_by_block(tmp_path):
    blocks = [["browse", 100, 110], ["floor", 110, 120], ["floor", 120, 130], ["browse", 130, 140]]
    samples = [
        ["POST", load.LOGIN_NAME, 250.0, True, 95.0],
        ["POST", load.LOGIN_NAME, 150.0, True, 96.0],
        # 20 browsing requests in each browsing block, 50 floor requests in each floor block.
        *(["GET", "overview", 100.0, True, 100 + i / 2] for i in range(20)),
        *(["GET", load.FLOOR_NAME, 20.0, True, 110 + i / 5] for i in range(50)),
        *(["GET", load.FLOOR_NAME, 20.0, True, 120 + i / 5] for i in range(50)),
        *(["GET", "timeline", 300.0, True, 130 + i / 2] for i in range(20)),
        # A browsing request answered after the switch to the floor counts in neither.
        ["GET", "timeline", 900.0, True, 110.5],
    ]
    figures = _samples(tmp_path, samples, blocks)
    assert figures["rps"] == pytest.approx(2.0)
    assert figures["floor"]["rps"] == pytest.approx(5.0)
    assert figures["ratio"] == pytest.approx(0.4)
    assert figures["ratio_spread"] == pytest.approx((0.4, 0.4))
    assert figures["requests"] == 40  # the straddling request is left out
    assert figures["p99"] == 300.0
    assert figures["login"]["requests"] == 2
    assert figures["login"]["p50"] == 150.0
    assert figures["all_requests"] == len(samples)


def test_each_block_keeps_its_own_figures_in_order(tmp_path):
    blocks = [["browse", 100, 110], ["floor", 110, 120]]
    samples = [
        *(["GET", "overview", 100.0 + i, True, 100 + i / 2] for i in range(20)),
        *(["GET", load.FLOOR_NAME, 20.0, True, 110 + i / 5] for i in range(50)),
    ]
    browse, floor = _samples(tmp_path, samples, blocks)["blocks"]
    assert (browse["mode"], browse["requests"], browse["rps"]) == ("browse", 20, 2.0)
    assert browse["p99"] == 119.0
    assert (floor["mode"], floor["requests"], floor["rps"]) == ("floor", 50, 5.0)
    assert (floor["start"], floor["end"]) == (110, 120)


def test_a_blocks_split_of_connections_is_the_one_seen_most_after_it_settles():
    blocks = [("browse", 100, 110), ("floor", 110, 120), ("browse", 120, 130)]
    snapshots = [
        (100.5, [20, 0]),  # the users still connecting: left out
        *((101 + i, [5, 15]) for i in range(6)),
        *((107 + i, [10, 10]) for i in range(3)),
        (111.5, [9, 11]),
        (112, [9, 11]),
        (113, []),  # no worker read that second
    ]
    assert load.block_splits(snapshots, blocks) == ["5/15", "9/11", "—"]


def test_a_window_that_never_opened_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="never opened"):
        _samples(tmp_path, [["POST", load.LOGIN_NAME, 250.0, False, 95.0]], [])


def test_a_row_measured_on_a_busy_machine_is_measured_again(monkeypatch):
    loads = iter([1.0, 3.5, 1.0, 1.5])  # before, after (busy), before and after the rerun
    monkeypatch.setattr(report, "load_now", lambda: next(loads))
    monkeypatch.setattr(report, "cores", lambda: 2)
    monkeypatch.setattr(report, "wait_for_calm", lambda limit=0: None)
    monkeypatch.setattr(report, "RERUNS", [])
    runs = iter(["first", "second"])

    result, note = report.when_calm("row", lambda: next(runs))

    assert result == "second"
    assert note == "rerun: load 3.50 > 2 cores, 1.50 in the rerun"
    assert report.RERUNS == ["row: rerun: load 3.50 > 2 cores, 1.50 in the rerun"]


def test_a_row_measured_on_a_calm_machine_is_kept(monkeypatch):
    monkeypatch.setattr(report, "load_now", lambda: 1.2)
    monkeypatch.setattr(report, "cores", lambda: 2)
    monkeypatch.setattr(report, "RERUNS", [])
    calls = []

    result, note = report.when_calm("row", lambda: calls.append(1) or "only")

    assert (result, note, len(calls), report.RERUNS) == ("only", "", 1, [])


def test_an_exception_in_a_users_task_is_an_error(tmp_path):
    """A task that raised left no sample; locust lists it in its exceptions file,
    and the run counts it as an error beside the failed requests."""
    (tmp_path / "locust_failures.csv").write_text(
        "Method,Name,Error,Occurrences\nGET,overview,status 500,2\n"
    )
    (tmp_path / "locust_exceptions.csv").write_text(
        "Count,Message,Traceback,Nodes\n"
        "317,'ResponseContextManager' object has no attribute '_history',\"  File x\",local\n"
    )
    blocks = [["browse", 100, 110], ["floor", 110, 120]]
    samples = [
        *(["GET", "overview", 100.0, True, 100 + i / 2] for i in range(20)),
        *(["GET", load.FLOOR_NAME, 20.0, True, 110 + i / 5] for i in range(50)),
    ]
    figures = _samples(tmp_path, samples, blocks)
    assert figures["all_failures"] == 0
    assert figures["task_exceptions"] == 317
    assert figures["failure_list"] == [
        "GET overview: status 500 (2×)",
        "exception in a user's task: 'ResponseContextManager' object has no attribute "
        "'_history' (317×)",
    ]

    # Judged: the errors row fails on the exceptions alone.
    run = {
        **figures,
        "workers": 2,
        "threads": 4,
        "users": 20,
        "database_short": "PostgreSQL",
        "postgres": True,
        "server_errors": 0,
        "hasher": "argon2",
        "hash_ms": 120.0,
        "hash_spread": (110.0, 130.0),
    }
    errors = next(row for row in load.rows_from(run) if row.path.endswith(": errors"))
    assert errors.ok is False
    assert "317 exceptions in the users' tasks" in errors.figure
