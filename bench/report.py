"""The one table of `make bench`, the machine it ran on, and bench/RESULTS.md.

Other work on the machine moves timings, so the load is watched: the 1-minute
load average is sampled through the run (``LoadWatch``) and recorded, and a
timing row measured while it was above the core count is measured once more
(``when_calm``) before it is judged; the row says so.
"""

import os
import platform
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

RESULTS = Path(__file__).with_name("RESULTS.md")
COLUMNS = ("path", "figure", "baseline", "ratio", "target", "result")


@dataclass
class Row:
    """One measured figure. ``ok`` is None for figures reported without a target."""

    path: str
    figure: str
    target: str = "—"
    ok: bool | None = None
    baseline: str = "—"
    ratio: str = "—"

    @property
    def result(self) -> str:
        return {True: "pass", False: "FAIL", None: "—"}[self.ok]

    def cells(self) -> tuple[str, ...]:
        return (self.path, self.figure, self.baseline, self.ratio, self.target, self.result)

    def to_dict(self) -> dict:
        return asdict(self)


def table(rows: list[Row]) -> str:
    """A Markdown table, padded so that it reads as well in a terminal."""
    lines = [COLUMNS, *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS))]

    def fmt(cells):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [fmt(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(fmt(row.cells()) for row in rows)
    return "\n".join(out)


def all_pass(rows: list[Row]) -> bool:
    return all(row.ok is not False for row in rows)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _ram() -> str:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            kib = int(line.split()[1])
            return f"{kib / 1024 / 1024:.1f} GiB"
    return "unknown"


def _os() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            name = line.split("=", 1)[1].strip('"')
            return f"{name}, {platform.system()} {platform.release()}"
    return platform.platform()


def _sqlite() -> str:
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_average() -> str:
    """The 1-minute load average: how busy the machine was besides the benches."""
    load = load_now()
    return "unknown" if load is None else f"{load:.1f}"


def load_now() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def cores() -> int:
    return os.cpu_count() or 1


START_LOAD = load_average()
# Rows measured again because the machine was busy, for bench/RESULTS.md.
RERUNS: list[str] = []
CALM_WAIT_SECONDS = 90


class LoadWatch(threading.Thread):
    """Samples the 1-minute load average every few seconds while the benches run."""

    def __init__(self, every: float = 5.0):
        super().__init__(daemon=True)
        self.every = every
        self.samples: list[float] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            load = load_now()
            if load is not None:
                self.samples.append(load)
            self._done.wait(self.every)

    def stop(self) -> None:
        self._done.set()

    def summary(self) -> str:
        if not self.samples:
            return "not sampled"
        return (
            f"{min(self.samples):.1f}–{max(self.samples):.1f} during the run "
            f"(median {statistics.median(self.samples):.1f}, {len(self.samples)} samples "
            f"every {self.every:.0f} s)"
        )


WATCH = LoadWatch()


def busy(load: float | None) -> bool:
    """Whether other work had more than the machine: the load above the core count."""
    return load is not None and load > cores()


def wait_for_calm(limit: float = CALM_WAIT_SECONDS) -> float | None:
    """Wait (at most ``limit`` seconds) for the 1-minute load to fall to the core count."""
    deadline = time.monotonic() + limit
    while busy(load_now()) and time.monotonic() < deadline:
        time.sleep(5)
    return load_now()


def when_calm[T](
    what: str, measure: Callable[[], T], *, load_before: bool = False
) -> tuple[T, str]:
    """``measure()``, run once more (after waiting for a calmer machine) when the
    1-minute load average was above the core count; returns the figures kept
    (the rerun's) and a note for the row ("" when not rerun).

    The load is read after the measurement, when the bench itself is at most
    one busy process. With ``load_before`` it is read just before instead,
    after waiting for the load of the previous bench to settle, for a
    measurement that keeps several cores busy by design (the load test, the
    sweep on PostgreSQL).
    """
    if load_before:
        wait_for_calm()
    before = load_now()
    result = measure()
    load = before if load_before else load_now()
    if not busy(load):
        return result, ""
    wait_for_calm()
    before = load_now()
    result = measure()
    again = before if load_before else load_now()
    note = (
        f"rerun: load {load:.2f} > {cores()} cores"
        f"{'' if again is None else f', {again:.2f} in the rerun'}"
    )
    RERUNS.append(f"{what}: {note}")
    return result, note


def noted(figure: str, note: str) -> str:
    """A figure with the note of its rerun, if any."""
    return f"{figure} ({note})" if note else figure


def machine(databases: list[str]) -> list[tuple[str, str]]:
    import django

    count = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = count
    return [
        ("CPU", f"{_cpu_model()}, {count} logical cores ({usable} usable)"),
        ("RAM", _ram()),
        ("OS", _os()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Django", django.get_version()),
        ("Database", "; ".join([f"{_sqlite()} (in-process benches)", *databases])),
        (
            "Load average",
            f"{START_LOAD} at the start, {load_average()} at the end, {WATCH.summary()} "
            f"(1 minute; {count} would be every core busy)",
        ),
        (
            "Reruns",
            "; ".join(RERUNS) or f"none (no timing row was measured with the load above {count})",
        ),
        ("Commit", _git_commit()),
    ]


def write_results(rows: list[Row], databases: list[str], notes: str = "") -> Path:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    info = "\n".join(f"- **{name}**: {value}" for name, value in machine(databases))
    verdict = "every figure within its target" if all_pass(rows) else "OVER A TARGET"
    text = (
        "# Benchmark results\n\n"
        "Written by `python -m bench --write-results` (`make bench "
        "BENCH_ARGS=--write-results`); do not edit by hand.\n\n"
        f"Run on {now:%Y-%m-%d %H:%M} (Asia/Shanghai): {verdict}.\n\n"
        f"{info}\n\n"
        f"{table(rows)}\n"
    )
    if notes:
        text += f"\n{notes.strip()}\n"
    RESULTS.write_text(text)
    return RESULTS
