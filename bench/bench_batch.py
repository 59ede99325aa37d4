"""A payment batch (发放批次) over 50,000 students, beside git committing the same files.

    .venv/bin/python bench/bench_batch.py [--students 50000] [--work /tmp/bangfu-bench] [--text-index]

One county, one school, 50,000 pupils on the aid ledger (a 认定 event each), the nutrition
standard (5 元/天) and the term's calendar. Measured:
- make: every entitlement worked out (situation, standard, school days) and the batch record
  committed (target with the disbursement: ≤ 10 s);
- pay: the 50,000 payments checked by the rules and committed with the batch as ONE commit,
  beside `git add -A && git commit` of the same 50,001 files in a working tree cloned from the
  ledger as it stood before the payment, so that git writes every object as Bangfu does (target ≤ 3×);
- the same two as CPU seconds, Bangfu's own process and the git it ran (its blobs' fast-import)
  apart and together, against git's own CPU for git's work: on a machine shared with other runs
  the wall-clock ratio moves by a factor of three from one run to the next, the CPU ratio much
  less. The load average (1 min) before, after the payment and after git's run goes with the
  figures (table, then JSON, also in bench/results/batch.json).
With --text-index the payments' text index is made first, as the dashboard makes it once a
coordinator has typed in the payments list's filter (`Ledger.prepare_search("aid")`, what its
background builder calls): every later save of a payment keeps it up (the figures are written to
bench/results/batch-textindex.json).
Neither side leaves a background `git gc` behind (the ledger's housekeeping is off, git's commit
runs with gc.auto=0): a paid batch's gc would otherwise share the machine with git's run and with
the next run.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import time
from pathlib import Path

from common import Report, sh

from store import NEW, Change, Ledger
from store.aid import batches
from store.core import canonical, ids
from store.privacy.acts import init_keys

TERM, MEAL = "2026-2027-1", "营养改善计划"


def cpu() -> tuple[float, float]:
    """CPU seconds of this process (Bangfu) and of the processes it has waited for (the git it ran)."""
    mine, theirs = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime, theirs.ru_utime + theirs.ru_stime


def git_cpu() -> float:
    return cpu()[1]


def build(path: Path, students: int) -> tuple[Ledger, str]:
    shutil.rmtree(path, ignore_errors=True)
    (path.parent / f"{path.name}.keys").unlink(missing_ok=True)
    ledger = Ledger.init(path, site="bench")
    init_keys(ledger, path.parent / f"{path.name}.keys")

    def rec(rtype: str, **fields) -> dict:
        return {"id": ids.new_id(rtype), "type": rtype, "schema_version": 2, **fields}

    school = rec("school", name="某县第一中学", stage="初中", county="某县", area="乡村")
    meal = rec("standard", programme=MEAL, stage="初中", amount_fen=500, unit="天", region="某县",
               valid_from="2021-09-01")
    calendar = rec("calendar", term=TERM, first_day="2026-09-01", last_day="2027-01-15",
                   holidays=[{"start": "2026-10-01", "end": "2026-10-07", "name": "国庆节"}])
    ledger.commit([Change(r["id"], r, NEW) for r in (school, meal, calendar)], action="import", message="bench: setup")
    pupils = [rec("student", name=f"学生{n}", sex="女", school=school["id"], stage="初中", grade="八年级",
                  boarding=False, school_year="2026-2027", events=[{"date": "2026-09-01", "event": "认定"}])
              for n in range(students)]
    for start in range(0, students, 10_000):
        ledger.commit([Change(r["id"], r, NEW) for r in pupils[start:start + 10_000]], action="import",
                      message="bench: students", checked=False)
    ledger.git.pack()
    return ledger, school["id"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bangfu-bench"))
    ap.add_argument("--text-index", action="store_true", help="the payments' text index made before the batch")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rep = Report("batch-textindex" if args.text_index else "batch")
    ledger, school = build(args.work / "batch-ledger", args.students)
    ledger.git.housekeeping = False
    size = f"{args.students // 1000}k students" + (", payments' text index" if args.text_index else "")
    if args.text_index:
        ledger.prepare_search("aid")

    load_before = os.getloadavg()[0]
    start, used = time.perf_counter(), cpu()
    made = batches.make(ledger, TERM, MEAL, on=dt.date(2026, 10, 12), school=school).batch
    making, (making_cpu, making_git) = time.perf_counter() - start, [b - a for a, b in zip(used, cpu())]
    assert len(made["entries"]) == args.students
    batches.approve(ledger, made["id"], by="校长", on=dt.date(2026, 10, 15))
    before = ledger.tip
    start, used = time.perf_counter(), cpu()
    paid, payments = batches.pay(ledger, made["id"], on=dt.date(2026, 10, 20), method="银行卡", reference="BENCH-1",
                                 shares=[{"source": "中央", "percent": 80}, {"source": "省", "percent": 20}])
    paying, (paying_cpu, paying_git) = time.perf_counter() - start, [b - a for a, b in zip(used, cpu())]
    assert len(payments) == args.students and ledger.log(limit=1)[0]["parents"] == [before]
    load_after = os.getloadavg()[0]

    # git: the same files (the payments and the batch) added and committed in a working tree, a clone
    # of the ledger as it was before the payment. Not a local clone of the ledger now: that shares
    # its object store, payments and all, and git's `add` then found each of the 50,001 objects
    # stored already and wrote none (1.1-1.5 s of CPU where writing them takes 6-8 s).
    wt = args.work / "batch-worktree"
    shutil.rmtree(wt, ignore_errors=True)
    sh("git", "branch", "-f", "bench-before", before, cwd=ledger.path)
    sh("git", "clone", "-q", "--no-checkout", "--no-local", "--single-branch", "--branch", "bench-before",
       str(ledger.path), str(wt))
    sh("git", "checkout", "-q", before, cwd=wt)
    for doc in (*payments, paid):
        file = wt / ids.path_of(doc["id"], ledger.layout)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(canonical.dumps(doc))
    start, used = time.perf_counter(), git_cpu()
    subprocess.run("git add -A && git -c gc.auto=0 -c maintenance.auto=false commit -q -m 'batch: pay'", shell=True,
                   cwd=wt, check=True, capture_output=True)
    theirs, theirs_cpu = time.perf_counter() - start, git_cpu() - used
    written = sh("git", "count-objects", cwd=wt).split()[0]
    assert int(written) > args.students, f"git wrote {written} objects for {args.students} payments"

    git_what, git_cpu_what = "git add -A && git commit", "git add -A && git commit, CPU"
    rep.add("make: entitlements worked out, batch committed", size, making, None, "", "-")
    rep.add("pay: every payment + the batch, one commit", size, paying, theirs, git_what, "-")
    rep.add("make + pay", size, making + paying, theirs, git_what, "≤ 10 s, ≤ 3× git",
            ok=making + paying <= min(10, 3 * theirs))
    both_cpu = making_cpu + making_git + paying_cpu + paying_git
    rep.add("make + pay, CPU (Bangfu + the git it ran)", size, both_cpu, theirs_cpu, git_cpu_what, "≤ 3× git",
            ok=both_cpu <= 3 * theirs_cpu)
    rep.add("  of which Bangfu's own process", size, making_cpu + paying_cpu, theirs_cpu, git_cpu_what, "-")
    rep.add("  of which the git Bangfu ran (fast-import)", size, making_git + paying_git, theirs_cpu, git_cpu_what, "-")
    rep.add("pay, CPU (Bangfu + the git it ran)", size, paying_cpu + paying_git, theirs_cpu, git_cpu_what, "≤ 3× git",
            ok=paying_cpu + paying_git <= 3 * theirs_cpu)
    load_git = os.getloadavg()[0]
    rep.emit(students=args.students, load_1min={"before make": load_before, "after pay": load_after,
                                                "after git": load_git})
    print(f"load average (1 min): {load_before:.2f} before make, {load_after:.2f} after pay, "
          f"{load_git:.2f} after git's run")
    ledger.close()
    shutil.rmtree(wt, ignore_errors=True)


if __name__ == "__main__":
    main()
