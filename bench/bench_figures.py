"""The dashboard's figures of a term with nothing remembered, at 200k records (and more), beside git.

    nice .venv/bin/python bench/bench_figures.py [--sizes 200000] [--work /tmp/bangfu-bench] [--runs 3]

Each run is a fresh process on a generated ledger (`bangfu demo --records N`, cached under --work)
whose index cache is already made (opening is bench_scale.py's figure): it works out the current
term's figures (store/figures/overview.work_out: plans against their targets, the students'
statuses, 应助尽助 by programme, aid per month) and says the seconds, the CPU seconds and the
resident memory before and after (and at the peak), beside git reading every record of the same
ledger in the same run (`git ls-tree -r | git cat-file --batch`: what the figures would cost read
from git). The parts are timed too: plan progress, and the aid summary with 应助尽助.
The machine is shared: `uptime`'s load is printed with each run, and the median run is reported.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Report, demo_ledger


def probe(path: Path) -> dict:
    """In a process of its own: the figures of the current term, worked out afresh."""
    from store import Ledger
    from store.figures import dashboard, overview
    from store.privacy.acts import attach_keys

    ledger = Ledger(path)
    ledger.count()
    attach_keys(ledger)
    today = dt.date.today()
    term = dashboard.term_of(today)
    out = {"rss_open_mb": _rss_mb()}
    start, cpu = time.perf_counter(), time.process_time()
    figures = overview.work_out(ledger, term, today)
    out["figures"], out["figures_cpu"] = time.perf_counter() - start, time.process_time() - cpu
    out["rss_mb"], out["peak_mb"] = _rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["plans"], out["payments"] = len(figures.plans), len(figures.aid.payments)
    out["students"] = sum(len(v) for v in figures.aid.by_status.values())
    start = time.perf_counter()
    dashboard.plan_progress(ledger, term, today=today)
    out["plan_progress"] = time.perf_counter() - start
    start = time.perf_counter()
    dashboard.aid_summary(ledger, term, today=today)
    out["aid_summary"] = time.perf_counter() - start
    print(json.dumps(out), flush=True)
    return out


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _load() -> float:
    return os.getloadavg()[0]


def _git_read(path: Path) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", "git ls-tree -r main records | awk '{print $3}' | git cat-file --batch > /dev/null"],
                   cwd=path, check=True)
    return time.perf_counter() - start


def bench_size(report: Report, work: Path, n: int, runs: int) -> None:
    from store import Ledger

    path = demo_ledger(work / f"ledger-{n}", n)
    Ledger(path).count()   # (the index cache made once: opening is not this figure)
    size = f"{n // 1000}k"
    results, gits = [], []
    for _ in range(runs):
        load = _load()
        gits.append(_git_read(path))
        line = subprocess.run([sys.executable, str(Path(__file__)), "--probe", str(path)], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results.append({**json.loads(line), "load": load})
        print(f"  run: {results[-1]}, git read {gits[-1]:.2f} s", flush=True)
    median = sorted(results, key=lambda r: r["figures"])[len(results) // 2]
    git_s = statistics.median(gits)
    what = f"({median['plans']} plans, {median['students']} students, {median['payments']} payments; load {median['load']:.1f})"
    report.add(f"term figures, none remembered {what}", size, median["figures"], git_s, "ls-tree | cat-file --batch",
               "-")
    report.add("  of which CPU", size, median["figures_cpu"], git_s, "ls-tree | cat-file --batch", "-")
    report.add("  plan progress", size, median["plan_progress"], git_s, "ls-tree | cat-file --batch", "-")
    report.add("  aid summary with 应助尽助", size, median["aid_summary"], git_s, "ls-tree | cat-file --batch", "-")
    report.add("RSS MB/1000 after the figures (opened: "
               f"{median['rss_open_mb']:.0f} MB, peak {median['peak_mb']:.0f} MB)", size, median["rss_mb"] / 1000,
               None, "-", "≤ 300 MB at 1M")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe")
    parser.add_argument("--name", default="figures")
    args = parser.parse_args()
    if args.probe:
        probe(Path(args.probe))
        return
    report = Report(args.name)
    for n in [int(x) for x in args.sizes.split(",")]:
        print(f"ledger of {n} records", flush=True)
        bench_size(report, Path(args.work), n, args.runs)
    report.emit()


if __name__ == "__main__":
    main()
