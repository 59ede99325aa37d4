"""The county's twinning report for a school year on a 50k-record generated ledger, beside git's
own figure for reading the same records.

    .venv/bin/python bench/bench_twinning.py [--records 50000] [--work /tmp/bangfu-bench]

The generated ledger's schools name a county and a township in text; a scratch copy first gets
the organisation units for them (one commit), as a county sets them up once. Then:
- county report: open the ledger (index cache), work out the figures of the county with the most
  schools for the school year of the generator's today (all its plans and schools) and write the
  HTML and xlsx reports (target ≤ 5 s);
- school-year view: the same figures on a ledger already open, what the dashboard's view waits
  for before its first paint, worked out and remembered from an earlier look (target ≤ 1.0 s);
- the dashboard started where its user left it, in the school-year view of that county (kept in the
  user's settings, tui/settings.py): from making the app to the view's figures painted, with the
  index cache, in a process with everything imported (target ≤ 1.0 s);
each beside `git ls-tree -r | git cat-file --batch` of the same records.
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from collections import Counter
from pathlib import Path

from common import Report, demo_ledger, timed
from bench_io import git_read

from store import NEW, Change, Ledger
from store.core import ids
from store.demo.generate import TODAY
from store.figures import period
from store.figures.dashboard import term_of
from store.io import period_report
from store.io.report import write_bytes
from store.rules.calendar import school_year_of


def with_units(master: Path, work: Path) -> tuple[Path, str]:
    """A copy of the ledger whose schools all name a unit; returns it and the biggest county's unit."""
    scratch = work / "twinning-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(master, scratch)
    ledger = Ledger(scratch)
    schools = ledger.scan("school")
    counties = {u["name"]: u["id"] for u in ledger.scan("unit") if u.get("level") == "县"}
    towns = {(u.get("parent"), u["name"]): u["id"] for u in ledger.scan("unit") if u.get("level") == "乡镇"}
    changes = []
    for name in sorted({s["county"] for s in schools} - set(counties)):
        counties[name] = ids.new_id("unit")
        changes.append(Change(counties[name], {"id": counties[name], "type": "unit", "schema_version": 2,
                                               "name": name, "level": "县"}, NEW))
    for s in schools:
        if s.get("unit"):
            continue
        county = counties[s["county"]]
        unit = county
        if s.get("township"):
            key = (county, s["township"])
            if key not in towns:
                towns[key] = ids.new_id("unit")
                changes.append(Change(towns[key], {"id": towns[key], "type": "unit", "schema_version": 2,
                                                   "name": s["township"], "level": "乡镇", "parent": county}, NEW))
            unit = towns[key]
        changes.append(Change(s["id"], {**s, "unit": unit}, ledger.version(s["id"])))
    if changes:
        ledger.commit(changes, action="import", message="bench: organisation units", checked=False)
    biggest = Counter(s["county"] for s in schools).most_common(1)[0][0]
    ledger.close()
    Ledger(scratch, read_only=True).close()   # the index cache, as after any earlier use
    return scratch, counties[biggest]


def year_view_start(path: Path, county: str, work: Path) -> float:
    """Seconds from making the app to the school-year view's figures on screen, the view kept open
    in the user's settings from last time."""
    return year_view_start_cpu(path, county, work)[0]


def year_view_start_cpu(path: Path, county: str, work: Path) -> tuple[float, float]:
    """(the same seconds, the process's processor time in them, every thread)."""
    from store.core import i18n
    from tui.app import BangfuApp
    from tui.settings import Settings, View
    from tui.widgets.figure_list import FigureList

    settings = Settings(path, path=work / "settings.json")
    settings.save(View(term_of(TODAY), True, county))
    loading = i18n.t("tui.section.loading")

    def painted(app) -> bool:
        if app.screen.id != "year":
            return False
        figures = app.screen.query_one("#year-figures", FigureList).figures
        return len(figures) > 1 and figures[0].prompt.plain != loading

    async def go() -> tuple[float, float]:
        start, cpu = time.monotonic(), time.process_time()
        app = BangfuApp(Ledger(path, read_only=True), today=TODAY, poll_interval=3600, settings=settings)
        async with app.run_test(size=(80, 24)) as pilot:
            while not painted(app):
                await pilot.pause(0.005)
            return time.monotonic() - start, time.process_time() - cpu

    return asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"ledger of {args.records} records (built once, reused) at {work}", flush=True)
    master = demo_ledger(work / f"ledger-{args.records}", args.records)
    scratch, county = with_units(master, work)
    year = period.period_of(year=school_year_of(TODAY))
    size = f"{args.records // 1000}k"
    rep = Report("twinning")
    git = git_read(scratch)
    shown: dict[str, period.PeriodFigures] = {}

    def report() -> None:
        ledger = Ledger(scratch, read_only=True)
        f = period.figures(ledger, year, "county", county, TODAY)
        for fmt in ("html", "xlsx"):
            write_bytes(work / f"twinning-report.{fmt}", period_report.render(f, fmt))
        shown["f"] = f
        ledger.close()

    def forget() -> None:        # the figures worked out, not recalled (store/ledger/memo.py)
        shutil.rmtree(Ledger(scratch, read_only=True).cache_dir / "memo", ignore_errors=True)

    ours = timed(report, repeat=3, setup=forget)
    f = shown["f"]
    rep.add(f"county report {year.name} ({len(f.scope.schools)} schools, {len(f.plans)} plans, {len(f.visits)} "
            "activities; open + figures + html + xlsx)", size, ours, git, "ls-tree | cat-file --batch", "≤ 5 s",
            ok=ours <= 5)
    ledger = Ledger(scratch, read_only=True)
    ledger.scan("school")
    ours = timed(lambda: period.figures(ledger, year, "county", county, TODAY), repeat=3, setup=forget)
    rep.add("school-year view figures worked out (ledger open)", size, ours, git, "ls-tree | cat-file --batch",
            "≤ 1.0 s", ok=ours <= 1.0)
    ours = timed(lambda: period.figures(ledger, year, "county", county, TODAY), repeat=3)
    ledger.close()
    rep.add("school-year view figures remembered (ledger open)", size, ours, git, "ls-tree | cat-file --batch",
            "≤ 1.0 s", ok=ours <= 1.0)
    year_view_start(scratch, county, work)        # imports and the index cache, as after any earlier use
    starts = [year_view_start_cpu(scratch, county, work) for _ in range(5)]
    print(f"    dashboard opened in the school-year view: {[round(s[0], 3) for s in starts]} s, processor time"
          f" {[round(s[1], 3) for s in starts]} s", flush=True)
    ours = statistics.median(s[0] for s in starts)
    rep.add("dashboard opened in the school-year view (app made → its figures painted, cached)", size, ours, git,
            "ls-tree | cat-file --batch", "≤ 1.0 s", ok=ours <= 1.0)
    rep.add("  processor time of the process in that span (every thread)", size,
            statistics.median(s[1] for s in starts), git, "ls-tree | cat-file --batch", "-")
    rep.emit()
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
