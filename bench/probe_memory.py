"""Where the dashboard's memory goes while it works a term's figures out, a step at a time.

    .venv/bin/python bench/probe_memory.py LEDGER [--trace] [--app]

LEDGER is a clone of its own (`git clone --bare --shared`: its index cache is made by the first
run and kept). Without `--app`: the store's part in one process, as the home's worker does it: the
ledger opened, the term's figures worked out, the panels' lines made from them, then the figures
worked out again while those lines are held (a change another coordinator saved). A thread samples
the resident memory every 20 ms and names the step it was at when it was highest. `--trace` takes
tracemalloc snapshots at each step (slower, and it adds its own memory: compare the Python sizes,
not the resident ones) and names the ten largest holders by line. With `--app` the real dashboard
(headless, 120x40) opens the ledger, shows the figures and works them out again twice, sampled the
same way, and the plans panel's lines are measured on their own. (At APART_FROM records and more
the dashboard has them worked out in a process of their own, store/figures/apart.py: the steps
then name the wait for it, `worked out apart`, and the reading back, `recalling`.)
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import shutil
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TODAY = dt.date(2026, 11, 25)


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Sampler:
    """The highest resident memory of each step, sampled every 20 ms in a thread."""

    def __init__(self) -> None:
        self.step = "start"
        self.highest: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            rss = resident_mb()
            if rss > self.highest.get(self.step, 0):
                self.highest[self.step] = rss

    def at(self, step: str, trace: bool = False) -> None:
        rss = resident_mb()
        self.highest[self.step] = max(self.highest.get(self.step, 0), rss)
        line = f"{time.strftime('%H:%M:%S')} {self.step:<40} highest {self.highest[self.step]:7.1f} MB, now {rss:7.1f} MB"
        if trace and tracemalloc.is_tracing():
            now, peak = tracemalloc.get_traced_memory()
            line += f"; Python {now / 2**20:6.1f} MB (peak {peak / 2**20:6.1f})"
            tracemalloc.reset_peak()
        print(line, flush=True)
        self.step = step

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def top(label: str, limit: int = 12) -> None:
    if not tracemalloc.is_tracing():
        return
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snap.statistics("lineno")
    print(f"  -- {label}: {sum(s.size for s in stats) / 2**20:.1f} MB traced; largest:")
    for s in stats[:limit]:
        frame = s.traceback[0]
        print(f"     {s.size / 2**20:7.1f} MB {s.count:9,d}  {frame.filename.split('/work/')[-1]}:{frame.lineno}")


def store_probe(path: Path, trace: bool) -> None:
    from store import Ledger
    from store.aid import duty as aid_duty
    from store.figures import overview
    from store.rules.calendar import term_of
    from tui.screens import home

    term = term_of(TODAY)
    s = Sampler()
    s.at("open")
    ledger = Ledger(path)
    ledger.count()
    ledger.schemas().warm()
    s.at("first working-out", trace)
    if trace:
        tracemalloc.start(1)
        # a snapshot where the roll is complete (the working-out's heaviest moment)
        read = aid_duty.Roll.read.__func__

        def snapped(cls, *args, **kwargs):
            roll = read(cls, *args, **kwargs)
            top("roll read (inside the working-out)")
            return roll
        aid_duty.Roll.read = classmethod(snapped)
    figures = overview.work_out(ledger, term, TODAY)
    gc.collect()
    s.at("figures held, making the lines", trace)
    top("figures held")
    plans = home.plan_figures(figures.plans, term, figures.months)
    aid = home.aid_figures(figures.aid, figures.aid_months)
    print(f"  {len(plans):,} plan lines, {len(aid):,} aid lines")
    del figures
    gc.collect()
    s.at("lines held, working out again", trace)
    top("lines held")
    again = overview.work_out(ledger, term, TODAY)
    s.at("done", trace)
    del again
    s.stop()
    print("highest by step:", {k: round(v, 1) for k, v in s.highest.items()})


async def app_probe(path: Path, trace: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_tui import bench_app, clean

    from store import Ledger
    from store.core import memory
    from tui.widgets.figure_list import FigureList

    clean()
    memory.for_hours()   # (as the dashboard's start sets it: tui/app.py `run`)
    s = Sampler()
    phases(s)
    s.at("app: first figures")
    app = bench_app()(Ledger(path), poll_interval=3600)
    async with app.run_test(size=(120, 40)):
        await app.bench_dashboard.wait(timeout=1800)
        await app.workers.wait_for_complete()
        await asyncio.sleep(2)
        s.at("app: figures shown (idle)")
        await asyncio.sleep(1)
        if trace:
            tracemalloc.start(1)
        for n in range(2):
            s.at(f"app: working out again ({n + 1})", trace)
            shutil.rmtree(app.ledger.cache_dir / "memo", ignore_errors=True)   # (as after another's save)
            app.home.reload(set())
            await asyncio.sleep(0.5)
            await app.workers.wait_for_complete()
            await asyncio.sleep(2)
        s.at("app: settled", trace)
        top("app settled: what was allocated since the figures were first shown")
        panel = app.home.query_one("#plans", FigureList)
        print(f"  plans panel: {len(panel.figures):,} lines, {panel.option_count:,} options")
    s.stop()
    print("highest by step:", {k: round(v, 1) for k, v in s.highest.items()})


def phases(s: Sampler) -> None:
    """Name the sampler's step after the part of the home's figures being worked on (the
    working-out, remembering it, the panel's lines, laying them out)."""
    import functools

    from store.figures import overview
    from store.ledger import memo
    from tui.screens import home
    from tui.widgets.figure_list import FigureList

    def named(owner, name, label):
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def call(*args, **kwargs):
            was = s.step
            s.at(f"{was.split(' / ')[0]} / {label}")
            try:
                return inner(*args, **kwargs)
            finally:
                s.at(was)
        setattr(owner, name, call)
    named(overview, "work_out", "working out")
    from store.ledger import ledger as ledger_module
    named(ledger_module, "_worked_apart", "worked out apart")
    named(ledger_module.Ledger, "count", "counting")
    named(memo, "keep", "remembering")
    named(memo, "recall", "recalling")
    named(home, "plan_figures", "plan lines")
    named(home, "aid_figures", "aid lines")
    named(FigureList, "set_figures", "set_figures")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--app", action="store_true")
    args = parser.parse_args()
    path = Path(args.ledger)
    if args.app:
        asyncio.run(app_probe(path, args.trace))
    else:
        store_probe(path, args.trace)


if __name__ == "__main__":
    main()
