"""Sync speed: two sites that each changed 1,000 records of a 50k-record ledger, 100 of them the
same records (50 in the same field: conflicts; 50 in different fields: clean merges).

    .venv/bin/python bench/bench_sync.py [--records 50000] [--changes 1000] [--shared 100] [--work /tmp/bangfu-bench]

Rows, each beside `git merge` of the same two histories in a working-tree clone (git's text merge,
which cannot merge records: it stops on every record changed on both sides):
- B syncs first: fetch, nothing to merge, push 1,000 changed records through the hub's hook;
- A syncs: fetch B's 1,000, merge record by record against its own 1,000, validate the merged
  ledger, commit the merge with its conflict events, push through the hook (target: ≤ 5 s);
- the same sync as a command (`bangfu sync`: process start, opening the 50k ledger, printing).

The 50k ledger is the demo ledger shared with bench_store (built once by `store.demo.build_demo`).
A ledger built before conflict records existed in `schemas/event.json` is first brought up to date
with the schema upgrade step (`store.hub.schema_upgrade`), as a real hub would be.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Report, demo_ledger, timed

from store.sync import hub as hub_mod
from store.sync import remote as sync
from store.ledger.gitstore import GitStore
from store import Change, Ledger
from store.rules.schema import PROJECT_SCHEMAS

BATCH = 50


def _env(work: Path) -> None:
    gitconfig = work / "gitconfig"
    gitconfig.write_text("[user]\n\tname = 基准\n\temail = bench@example.cn\n", encoding="utf-8")
    os.environ.update({"GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1",
                       "BANGFU_KEYS": str(work / "keys"), "XDG_STATE_HOME": str(work / "state")})


def _copy_cache(source: Path, target: Path) -> None:
    # A hub or site that has been in use has its index cache; copying it stands for that.
    cache = Ledger(source)._cache_path()
    if cache.exists():
        copy = Ledger(target)._cache_path()
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache, copy)


def base_ledger(work: Path, n: int) -> Path:
    """The 50k demo ledger with today's schemas (upgraded once through the schema upgrade step)."""
    master = demo_ledger(work / f"ledger-{n}", n)
    base = work / f"sync-base-{n}"
    if (base / "bangfu" / "upgraded").exists():
        return base
    shutil.rmtree(base, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(master), str(base)], check=True)
    _copy_cache(master, base)
    ledger = Ledger(base)
    tree = ledger.git.commit_tree(ledger.tip)
    stored = ledger.git.read_blob(ledger.git.lookup(tree, "schemas/event.json"))
    if stored != (PROJECT_SCHEMAS / "event.json").read_bytes():
        print("  upgrading the ledger's schemas (schema upgrade step)…", flush=True)
        hub_mod.schema_upgrade(ledger, PROJECT_SCHEMAS, note="bench")
    ledger.close()
    (base / "bangfu" / "upgraded").write_text("")
    return base


def edit_batches(ledger: Ledger, plan: list[tuple[str, str, str]]) -> None:
    """(record id, field, value) edits committed BATCH at a time, as a day's work is."""
    for start in range(0, len(plan), BATCH):
        changes = []
        for rid, fld, value in plan[start:start + BATCH]:
            doc = ledger.get(rid)
            doc[fld] = value
            changes.append(Change(rid, doc, ledger.version(rid)))
        ledger.commit(changes, action="edit", message=f"visit: edit {len(changes)} records")


def run(report: Report, work: Path, n: int, changes: int, shared: int) -> None:
    base = base_ledger(work, n)
    run_dir = work / "sync-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    hub = run_dir / "hub"
    subprocess.run(["git", "clone", "-q", "--bare", "--no-tags", str(base), str(hub)], check=True)
    sync.configure(GitStore(hub), hub=True)
    _copy_cache(base, hub)
    a = sync.clone(str(hub), run_dir / "a", site="沙河二小")
    b = sync.clone(str(hub), run_dir / "b", site="石桥二小")
    for led in (a, b):
        _copy_cache(base, led.path)
    a.close(), b.close()
    a, b = Ledger(run_dir / "a"), Ledger(run_dir / "b")

    visits = sorted(rid for rid in a.index.docs if rid.startswith("visit-"))
    own = changes - shared
    mine_only, both, theirs_only = visits[:own], visits[own:own + shared], visits[own + shared:own + shared + own]
    half = shared // 2
    print(f"  editing {changes} records at each site ({shared} the same)…", flush=True)
    edit_batches(a, [(r, "notes", f"甲站修改 {r[-6:]}") for r in mine_only + both])
    edit_batches(b, [(r, "notes", f"乙站修改 {r[-6:]}") for r in theirs_only + both[:half]]
                 + [(r, "topic", f"乙站的主题 {r[-6:]}") for r in both[half:]])
    a_before = a.tip

    # git's own merge of the same two histories, in a working-tree clone (checkout not timed)
    wt = run_dir / "git-worktree"
    subprocess.run(["git", "clone", "-q", str(a.path), str(wt)], check=True)
    (wt / ".git" / "info").mkdir(exist_ok=True)
    (wt / ".git" / "info" / "attributes").write_text("* merge\n")  # git's built-in text merge
    subprocess.run(["git", "fetch", "-q", str(b.path), "main"], cwd=wt, check=True)
    git_merge = timed(lambda: subprocess.run(["git", "merge", "--no-edit", "-q", "FETCH_HEAD"], cwd=wt,
                                             capture_output=True), repeat=1)
    unmerged = subprocess.run(["git", "diff", "--name-only", "--diff-filter=U"], cwd=wt, capture_output=True,
                              text=True).stdout.split()
    print(f"  git merge stopped on {len(unmerged)} record files it cannot merge", flush=True)

    results = {}
    push_only = timed(lambda: results.setdefault("b", sync.sync(b)), repeat=1)
    rb = results["b"]
    report.add("sync, push only (hub checks 1k records)", f"{n // 1000}k", push_only, None, "-", "-",
               ok=rb.pushed and rb.outgoing.changed == changes)
    hub_after_b = GitStore(hub).tip()

    merged = timed(lambda: results.setdefault("a", sync.sync(a)), repeat=1)
    ra = results["a"]
    correct = (ra.merged and ra.pushed and len(ra.conflicts) == half
               and a.get(both[-1])["topic"].startswith("乙站") and a.get(both[-1])["notes"].startswith("甲站")
               and a.get(theirs_only[0])["notes"].startswith("乙站"))
    print(f"  merged: {ra.incoming.changed} records in, {len(ra.conflicts)} conflicts, "
          f"{ra.outgoing.changed} records out; result as expected: {correct}", flush=True)
    report.add("sync with merge (1k × 1k, 100 shared)", f"{n // 1000}k", merged, git_merge,
               f"git merge (stops on {len(unmerged)} records)", "≤ 5 s", ok=correct and merged <= 5.0)

    # the same sync as a person types it, from the same starting point
    GitStore(hub).swap_ref(hub_after_b, GitStore(hub).tip(), "bench: reset")
    a.git.swap_ref(a_before, a.tip, "bench: reset")
    command = timed(lambda: subprocess.run([sys.executable, "-m", "bangfu", "-L", str(a.path), "sync"],
                                           cwd=ROOT, capture_output=True, check=True), repeat=1)
    report.add("bangfu sync command (same merge)", f"{n // 1000}k", command, git_merge, "git merge", "-")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--shared", type=int, default=100)
    ap.add_argument("--work", type=Path, default=Path("/tmp/bangfu-bench"))
    opts = ap.parse_args()
    opts.work.mkdir(parents=True, exist_ok=True)
    _env(opts.work)
    report = Report("bench_sync")
    started = time.time()
    run(report, opts.work, opts.records, opts.changes, opts.shared)
    report.emit()
    print(f"\n(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
