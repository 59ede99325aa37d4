"""Ledgers in and out on a 50k-record generated ledger, each figure beside git's own for the same data.

    .venv/bin/python bench/bench_io.py [--records 50000] [--work /tmp/bangfu-bench]

- import: a 10,000-row aid spreadsheet (the usual columns, no ids: every row is matched and
  checked) read, checked and committed as ONE commit (target ≤ 10 s), beside
  `git add -A && git commit` of the same 10,000 record files in a working tree;
- export: every record of the ledger (50k) to xlsx files, one per type (target ≤ 15 s),
  beside git reading the same records (`git ls-tree -r` piped to `git cat-file --batch`);
- term report: open the ledger (index cache), compute the term's figures and write the xlsx
  report (target ≤ 5 s), beside the same git read.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import Report, demo_ledger, record_path, sh, timed

from store.core import canonical, ids
from store.io import export, importer, report
from store.figures.dashboard import term_of
from store.demo.generate import TODAY
from store import Change, Ledger

ROWS = 10_000


def git_read(path: Path) -> float:
    return timed(lambda: subprocess.run(
        "git ls-tree -r main records | awk '{print $3}' | git cat-file --batch > /dev/null",
        shell=True, cwd=path, check=True), repeat=3)


def bench_import(rep: Report, master: Path, work: Path) -> None:
    scratch = work / "io-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(master, scratch)
    ledger = Ledger(scratch)
    paid = sorted(ledger.query("aid"), key=lambda r: r["id"])[:ROWS]
    # The spreadsheet a coordinator would bring: the export's columns without the id column.
    lay = export.layout(ledger.schemas(), "aid")
    cols = [c for c in lay.main.columns if c.kind != export.ID]
    sheet = work / "aid-10k.xlsx"
    cells = export.Cells(ledger, native=True)
    wb = export.xlsx_workbook()
    export.xlsx_sheet(wb, "资助发放", [c.header for c in cols], [c.kind for c in cols],
                      ([cells.value(c, r, r) for c in cols] for r in paid))
    export.xlsx_save(wb, sheet)
    ledger.commit([Change(r["id"], None, ledger.version(r["id"])) for r in paid], action="delete",
                  message="bench: remove the payments the spreadsheet brings back")
    before = ledger.tip
    start = time.perf_counter()
    pv, result = importer.run(ledger, "aid", sheet)
    ours = time.perf_counter() - start
    assert result.commit and result.added == ROWS and not pv.bad, (result, pv.all_problems()[:3])
    assert ledger.log(limit=1)[0]["parents"] == [before]  # one commit
    ledger.close()

    # git: the same 10,000 files added and committed in a working tree of the same ledger state
    wt = work / "io-worktree"
    shutil.rmtree(wt, ignore_errors=True)
    sh("git", "clone", "-q", "--no-checkout", str(scratch), str(wt))
    sh("git", "checkout", "-q", before, cwd=wt)
    for r in paid:
        file = wt / record_path(wt, r["id"])
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(canonical.dumps(r))
    start = time.perf_counter()
    subprocess.run("git add -A && git commit -q -m 'aid: import'", shell=True, cwd=wt, check=True,
                   capture_output=True)
    theirs = time.perf_counter() - start
    rep.add("import 10k aid rows, one commit", "50k", ours, theirs, "git add -A && git commit (10k files)",
            "≤ 10 s", ok=ours <= 10)
    shutil.rmtree(wt, ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    sheet.unlink()


def bench_export(rep: Report, master: Path, work: Path, n: int) -> None:
    ledger = Ledger(master, read_only=True)
    out = Path(tempfile.mkdtemp(dir=work, prefix="io-export-"))
    counts = {}

    def run() -> None:
        for rtype in ids.RECORD_TYPES:
            if ledger.count(rtype):
                counts[rtype] = export.export(ledger, rtype, out / f"{rtype}.xlsx")

    ours = timed(run, repeat=3)
    ledger.close()
    assert sum(counts.values()) >= n * 0.99, counts
    rep.add(f"export {sum(counts.values())} records to xlsx", f"{n // 1000}k", ours, git_read(master),
            "ls-tree | cat-file --batch", "≤ 15 s", ok=ours <= 15)
    shutil.rmtree(out, ignore_errors=True)


def bench_report(rep: Report, master: Path, work: Path, n: int) -> None:
    term = term_of(TODAY)
    out = work / "io-report.xlsx"
    Ledger(master, read_only=True).close()  # the index cache exists, as after any earlier use

    def run() -> None:
        ledger = Ledger(master, read_only=True)
        report.write(report.build(ledger, term, today=TODAY), out, "xlsx")
        ledger.close()

    ours = timed(run, repeat=3)
    rep.add(f"term report {term} (open + figures + xlsx)", f"{n // 1000}k", ours, git_read(master),
            "ls-tree | cat-file --batch", "≤ 5 s", ok=ours <= 5)
    out.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    print(f"ledger of {args.records} records (built once, reused) at {work}", flush=True)
    master = demo_ledger(work / f"ledger-{args.records}", args.records)
    rep = Report("io")
    bench_export(rep, master, work, args.records)
    bench_report(rep, master, work, args.records)
    bench_import(rep, master, work)
    rep.emit()


if __name__ == "__main__":
    main()
