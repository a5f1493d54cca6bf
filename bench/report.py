"""The one table of `make bench`, the machine it ran on, and bench/RESULTS.md."""

import os
import platform
import subprocess
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
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


START_LOAD = load_average()


def machine(load_database: str | None) -> list[tuple[str, str]]:
    import django

    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    databases = f"{_sqlite()} (in-process benches)"
    if load_database:
        databases += f"; {load_database} (load test)"
    return [
        ("CPU", f"{_cpu_model()}, {cores} logical cores ({usable} usable)"),
        ("RAM", _ram()),
        ("OS", _os()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("Django", django.get_version()),
        ("Database", databases),
        (
            "Load average",
            f"{START_LOAD} at the start, {load_average()} at the end "
            f"(1 minute; {cores} would be every core busy)",
        ),
        ("Commit", _git_commit()),
    ]


def write_results(rows: list[Row], load_database: str | None, notes: str = "") -> Path:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    info = "\n".join(f"- **{name}**: {value}" for name, value in machine(load_database))
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
