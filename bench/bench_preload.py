"""Frames after the dashboard's first paint while `Ledger.preload()` readies a first save.

    nice .venv/bin/python bench/bench_preload.py [--sizes 1000,50000] [--work /tmp/bangfu-bench] [--runs 5]

The dashboard opens a ledger whose figures are not remembered (the index cache made, the remembered
figures dropped; with --cold the index cache too) as `bangfu` does (tui/app.py `run`: preload, then the app), headless at 120x40, each
run in a fresh process (what preload readies is what a process has not imported yet). From the first
frame showing the plan and aid figures until the app's start-up work and the preload are done, the
longest gap between ticks of a 10 ms timer on the app's event loop (target: no frame blocked more
than 100 ms after the first paint), beside the same app's longest gap left idle afterwards, and the
same start without the preload; and the processor time of the app's thread over the same span (its
own work, which the machine's load does not stretch) with the load average. Whether the preload was still at work at the first paint is noted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import ROOT, Report, compile_project, demo_ledger


async def child_run(path: Path, preload: bool) -> dict:
    from bench_tui import SIZE, TAIL, TICK, bench_app, max_gap

    from store import Ledger

    ledger = Ledger(path)
    readying = ledger.preload() if preload else None
    app = bench_app()(ledger, poll_interval=3600)
    ticks: list[float] = []
    async with app.run_test(size=SIZE):
        painted = await app.bench_dashboard.wait()
        cpu = time.thread_time()   # (the app's thread: what it did itself, whatever the machine's load)
        busy = readying is not None and readying.is_alive()
        app.set_interval(TICK, lambda: ticks.append(time.monotonic()))
        await app.workers.wait_for_complete()
        while readying is not None and readying.is_alive():
            await asyncio.sleep(TICK)
        await asyncio.sleep(TAIL)
        done = time.monotonic()
        cpu = time.thread_time() - cpu
        await asyncio.sleep(1.0)
        idle_end = time.monotonic()
    ticks.insert(0, painted)
    return {"after_paint": max_gap(ticks, painted, done), "idle": max_gap(ticks, done, idle_end),
            "preload_busy_at_paint": busy, "watched": done - painted, "app_thread_cpu": cpu, "load": os.getloadavg()[0]}


def _run(path: Path, preload: bool, cold: bool) -> dict:
    from store import Ledger

    cache = Ledger(path).cache_dir
    shutil.rmtree(cache / "memo", ignore_errors=True)   # (figures not remembered: preload runs)
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm") if cold else ():
        (cache / name).unlink(missing_ok=True)
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(path),
                          "--preload", str(int(preload))], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_size(report: Report, work: Path, n: int, runs: int, cold: bool) -> None:
    from store import Ledger

    master = demo_ledger(work / f"ledger-{n}", n)
    path = work / f"preload-scratch-{n}"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(master, path, symlinks=True)
    size = f"{n // 1000}k" + (", no cache" if cold else "")
    try:
        Ledger(path).count()   # (the index cache made: the figures, not the open, are what the start waits on)
        results: dict[bool, list[dict]] = {True: [], False: []}
        for _ in range(runs):
            for preload in (True, False):
                results[preload].append(_run(path, preload, cold))
                print(f"  preload={preload}: {results[preload][-1]}", flush=True)
        for preload, label in ((True, "with the preload"), (False, "without the preload")):
            rs = results[preload]
            busy = sum(r["preload_busy_at_paint"] for r in rs)
            gap = statistics.median(r["after_paint"] for r in rs)
            report.add(f"longest frame gap after the first paint, {label}"
                       + (f" (still at work at the paint in {busy} of {len(rs)})" if preload else ""), size, gap,
                       statistics.median(r["idle"] for r in rs), "same app idle (longest gap)", "≤ 100 ms",
                       ok=gap <= 0.1)
            report.add(f"  worst of {len(rs)} runs", size, max(r["after_paint"] for r in rs), None, "", "≤ 100 ms",
                       ok=max(r["after_paint"] for r in rs) <= 0.1)
            report.add(f"  the app's thread's CPU from the paint until the start-up work is done (load "
                       f"{min(r['load'] for r in rs):.1f}-{max(r['load'] for r in rs):.1f})", size,
                       statistics.median(r["app_thread_cpu"] for r in rs), None, "", "-")
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,50000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child")
    parser.add_argument("--preload", type=int, default=1)
    parser.add_argument("--cold", action="store_true", help="without the index cache either")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child_run(Path(args.child), bool(args.preload)))), flush=True)
        return
    compile_project()
    report = Report("preload")
    for n in [int(x) for x in args.sizes.split(",")]:
        print(f"ledger of {n} records", flush=True)
        bench_size(report, Path(args.work), n, args.runs, args.cold)
    report.emit()


if __name__ == "__main__":
    main()
