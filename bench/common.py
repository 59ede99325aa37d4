"""Shared by the benchmarks: timing, ledgers to measure on, and the report.

Every figure is printed beside git's own figure for the same work, measured in the
same run: these machines are noisy, so ratios hold where absolute times do not.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


def timed(fn: Callable[[], object], repeat: int = 5, setup: Callable[[], object] | None = None) -> float:
    """Median seconds of fn over `repeat` runs (setup, if given, runs untimed before each)."""
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sh(*args: str, cwd: Path | None = None, env: dict | None = None) -> str:
    return subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}).stdout


def cpu_used() -> float:
    """Seconds of processor time used so far by this process and the processes it has waited for."""
    import resource

    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def cpu(fn: Callable[[], object]) -> float:
    """Seconds of processor time fn takes, in this process and the processes it waits for."""
    start = cpu_used()
    fn()
    return cpu_used() - start


def wall_and_cpu(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, processor seconds) of one run of fn: on a shared machine the clock also
    counts the waits for a core, the processor time does not."""
    box = []
    processor = cpu(lambda: box.append(timed(fn, repeat=1)))
    return box[0], processor


@dataclass
class Row:
    what: str
    size: str
    ours_s: float
    git_s: float | None
    git_what: str
    target: str
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        return None if not self.git_s else self.ours_s / self.git_s


def print_table(head: list[str], lines: list[list]) -> None:
    """Rows under a heading, each column as wide as its widest cell."""
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    print()
    for n, line in enumerate([head, *lines]):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)))
        if n == 0:
            print("  ".join("-" * w for w in widths))


@dataclass
class Report:
    name: str
    rows: list[Row] = field(default_factory=list)

    def add(self, what: str, size: str, ours_s: float, git_s: float | None, git_what: str, target: str,
            ok: bool | None = None) -> None:
        self.rows.append(Row(what, size, ours_s, git_s, git_what, target, ok))
        r = self.rows[-1]
        print(f"  {what} [{size}]: {ours_s * 1000:.1f} ms"
              + (f" vs git {git_s * 1000:.1f} ms ({git_what}), ratio {r.ratio:.3f}" if git_s else "")
              + f"; target {target}: {'ok' if ok else 'MISSED' if ok is False else '-'}", flush=True)

    def emit(self, **about: object) -> None:
        """The table, then the same as JSON (with `about`: what else the run should say, its load)."""
        head = ["what", "size", "ours (ms)", "git (ms)", "ratio", "git's work", "target", "met"]
        lines = [[r.what, r.size, f"{r.ours_s * 1000:.1f}", "" if r.git_s is None else f"{r.git_s * 1000:.1f}",
                  "" if r.ratio is None else f"{r.ratio:.3f}", r.git_what, r.target,
                  {True: "yes", False: "NO", None: "-"}[r.ok]] for r in self.rows]
        print_table(head, lines)
        RESULTS.mkdir(parents=True, exist_ok=True)
        payload = {"bench": self.name, "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": os.uname().nodename,
                   "cores": os.cpu_count(),
                   **about, "rows": [{**asdict(r), "ratio": r.ratio} for r in self.rows]}
        (RESULTS / f"{self.name}.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2))
        print("\nJSON:", json.dumps(payload, ensure_ascii=False))


def compile_project() -> None:
    """Byte-compile the project as an installed package is: a start-up time measured where
    PYTHONDONTWRITEBYTECODE is set (as on these machines) would otherwise include compiling
    every module of ours from source, which a user's `bangfu` does once."""
    import compileall

    for package in ("store", "tui", "bangfu"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def demo_ledger(path: Path, records: int) -> Path:
    """A generated ledger of `records` records (built once per size and reused)."""
    import shutil

    from store.demo.build import build_demo

    if not (path / "HEAD").exists():
        # Built beside and renamed when whole: a build cut short is never taken for a ledger.
        partial = path.with_name(path.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        start = time.perf_counter()
        build_demo(partial, records=records).close()
        partial.rename(path)
        (path / "bangfu-bench-built.json").write_text(json.dumps(
            {"records": records, "seconds": round(time.perf_counter() - start, 1)}))
    return path


def record_path(ledger: Path, rid: str, rev: str = "HEAD") -> str:
    """Where a record lives in a ledger (git's path, for git's side of a comparison): in the layout
    its bangfu.json names (store/core/ids.py)."""
    from store.core import ids

    config = json.loads(subprocess.run(["git", "show", f"{rev}:bangfu.json"], cwd=ledger, capture_output=True,
                                       check=True).stdout)
    return ids.path_of(rid, ids.layout_of(config))
