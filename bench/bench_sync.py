"""Sync speed: two sites that each changed 1,000 records of a generated ledger (50k records unless
--records says otherwise; at 1M the issue's target is 10 s), 100 of them the same records (50 in
the same field: conflicts; 50 in different fields: clean merges).

    .venv/bin/python bench/bench_sync.py [--records 50000] [--changes 1000] [--shared 100] [--layout 2]
                                         [--work /tmp/bangfu-bench]

Rows, each in wall-clock and processor time beside git's own figure for the same commits:
- B syncs first: fetch, nothing to merge, push 1,000 changed records through the hub's hook;
  beside `git push` of the same commits into a copy of the hub without the hook;
- A syncs: fetch B's 1,000, merge record by record against its own 1,000, validate the merged
  ledger, commit the merge with its conflict events, push through the hook; beside git's own
  sync of the same two histories (fetch, `git merge-tree --write-tree`: git's text merge without
  a working tree, which cannot merge records and stops on every record changed on both sides,
  commit, push), and beside that merge alone;
  and, each apart, Bangfu's own part of it: the merge (from the sync's "merging" report to its
  "pushing", beside git's merge-tree) and the counts of what came in and went out;
- the same sync as a command (`bangfu sync`: process start, opening the ledger, printing);
- the hub's check of A's push alone: its pre-receive hook run again on the same update, with the
  hub and its index cache set back (beside git's commit and push of its own merge, no hook).

With --layout, the base is first moved to that layout of record folders by the layout step
(`bangfu upgrade-layout`), measured once beside git's own move of the same records (fast-import),
and kept beside the base.

The ledger is the generator's, built once per size under --work (`common.demo_ledger`, shared with
bench_store and bench_scale) and never written: the base, the hub and the sites are clones sharing
its objects (`git clone --shared`), each with a copy of its index cache (as a ledger in use has).
A ledger whose schemas lack the conflict records of `schemas/event.json` is first brought up to
date with the schema upgrade step (`store.hub.schema_upgrade`), as a real hub would be. The run's
folder (its copies of the index cache: 2 GB each at 1M) is removed at the end; the base is kept.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Report, cpu_used, demo_ledger, wall_and_cpu

from store.core import ids
from store.sync import hub as hub_mod
from store.sync import remote as sync
from store.ledger.gitstore import BRANCH, GitStore
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
        shutil.copyfile(cache, copy)


def shared_clone(source: Path, target: Path, cache: bool = True) -> Path:
    """A bare clone of source sharing its objects (nothing is written to source), with a copy of
    its index cache."""
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", "--shared", "--no-tags", str(source), str(target)], check=True)
    if cache:
        _copy_cache(source, target)
    return target


def base_ledger(work: Path, n: int) -> Path:
    """The generated ledger of n records, with conflict records in its schemas (upgraded once
    through the schema upgrade step if not)."""
    master = demo_ledger(work / f"ledger-{n}", n)
    base = work / f"sync-base-{n}"
    if (base / "bangfu" / "upgraded").exists():
        return base
    shared_clone(master, base)
    ledger = Ledger(base)
    tree = ledger.git.commit_tree(ledger.tip)
    stored = ledger.git.read_blob(ledger.git.lookup(tree, "schemas/event.json"))
    # (the upgrade checks every record against the new schemas: a minute and gigabytes at 1M,
    # where the generator's schemas already hold conflict records)
    if b'"conflict"' not in stored:
        print("  upgrading the ledger's schemas (schema upgrade step)…", flush=True)
        hub_mod.schema_upgrade(ledger, PROJECT_SCHEMAS, note="bench")
    ledger.close()
    (base / "bangfu" / "upgraded").write_text("")
    return base


def moved_ledger(report: Report, work: Path, base: Path, n: int, layout: int) -> Path:
    """The base ledger moved to `layout` by the layout step (`store.hub.upgrade_layout`, one commit
    on top of it), kept beside it; the move is measured once, beside git's own move of the same
    records (`ls-tree -r` into `fast-import`, as bench_layout.py makes it), and the base's index
    cache follows it across (no record read: their blobs are the same)."""
    moved = work / f"sync-base-{n}-layout{layout}"
    if (moved / "bangfu" / "moved").exists():
        return moved
    shared_clone(base, moved)
    ledger = Ledger(moved)
    if ledger.layout >= layout:
        ledger.close()
        return moved
    ledger.index   # (the index at the base, as a ledger in use has it open)
    print(f"  moving the ledger to layout {layout} (upgrade-layout)…", flush=True)
    tip = ledger.tip
    step = wall_and_cpu(lambda: hub_mod.upgrade_layout(ledger))
    ledger.close()
    git_copy = shared_clone(moved, work / "layout-git-move", cache=False)
    lines = []
    for entry in _git("ls-tree", "-r", "-z", tip, "records", cwd=git_copy).split("\0"):
        if entry:
            meta, path = entry.split("\t", 1)
            rid = path.rsplit("/", 1)[1][:-len(".json")]
            lines.append(f"M {meta.split()[0]} {meta.split()[2]} {ids.path_of(rid, layout)}\n")
    stream = (f"commit refs/heads/moved\ncommitter bench <bench@example.cn> 0 +0000\ndata 0\nfrom {tip}\n"
              f"D records\n{''.join(lines)}\ndone\n").encode()
    git_move = wall_and_cpu(lambda: subprocess.run(["git", "fast-import", "--quiet", "--done"], cwd=git_copy,
                                                   input=stream, check=True))
    shutil.rmtree(git_copy)
    report.add(f"upgrade-layout (every record to layout {layout}, one commit)", f"{n // 1000}k", step[0], git_move[0],
               "git fast-import of the same moves (stream made beforehand)", "-")
    report.add("  the same, processor time", f"{n // 1000}k", step[1], git_move[1],
               "git fast-import of the same moves, processor time", "-")
    (moved / "bangfu" / "moved").write_text("")
    return moved


def _git(*args: str, cwd: Path, check: bool = True) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=check, capture_output=True, text=True).stdout


def edit_batches(ledger: Ledger, plan: list[tuple[str, str, str]]) -> None:
    """(record id, field, value) edits committed BATCH at a time, as a day's work is."""
    for start in range(0, len(plan), BATCH):
        changes = []
        for rid, fld, value in plan[start:start + BATCH]:
            doc = ledger.get(rid)
            doc[fld] = value
            changes.append(Change(rid, doc, ledger.version(rid)))
        ledger.commit(changes, action="edit", message=f"visit: edit {len(changes)} records")


def _profiled(fn, where: Path | None, name: str):
    """fn, or fn under cProfile with its statistics written to where/name.pstats and the top
    printed (--profile: what the time goes to, for the slow rows)."""
    if where is None:
        return fn

    def run():
        import cProfile
        import pstats

        profile = cProfile.Profile()
        try:
            return profile.runcall(fn)
        finally:
            where.mkdir(parents=True, exist_ok=True)
            profile.dump_stats(where / f"{name}.pstats")
            print(f"  profile of {name}:", flush=True)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    return run


def run(report: Report, work: Path, n: int, changes: int, shared: int, profile: Path | None = None,
        layout: int | None = None) -> None:
    size = f"{n // 1000}k"
    base = base_ledger(work, n)
    if layout is not None:
        base = moved_ledger(report, work, base, n, layout)
        size += f" layout {layout}"
    run_dir = work / "sync-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    try:
        _run(report, base, run_dir, size, changes, shared, profile)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _run(report: Report, base: Path, run_dir: Path, size: str, changes: int, shared: int,
         profile: Path | None) -> None:
    hub = shared_clone(base, run_dir / "hub")
    sync.configure(GitStore(hub), hub=True)
    a = sync.clone(str(hub), run_dir / "a", site="沙河二小")
    b = sync.clone(str(hub), run_dir / "b", site="石桥二小")
    for led in (a, b):
        _copy_cache(base, led.path)
    a.close(), b.close()
    a, b = Ledger(run_dir / "a"), Ledger(run_dir / "b")

    visits = sorted(a.index.ids("visit"))
    own = changes - shared
    mine_only, both, theirs_only = visits[:own], visits[own:own + shared], visits[own + shared:own + shared + own]
    half = shared // 2
    print(f"  editing {changes} records at each site ({shared} the same)…", flush=True)
    edit_batches(a, [(r, "notes", f"甲站修改 {r[-6:]}") for r in mine_only + both])
    edit_batches(b, [(r, "notes", f"乙站修改 {r[-6:]}") for r in theirs_only + both[:half]]
                 + [(r, "topic", f"乙站的主题 {r[-6:]}") for r in both[half:]])
    a_before = a.tip

    # git's own push of B's commits into a copy of the hub without the hook: the transport
    # (packing the changed record folders, indexing them, git's connectivity check) alone
    plain = shared_clone(base, run_dir / "plain", cache=False)
    git_push = wall_and_cpu(lambda: _git("push", "-q", str(plain), "main", cwd=b.path))

    # git's own sync of A with that copy, in a clone sharing A's objects: fetch, merge-tree (git
    # merge without a working tree: a checkout of a million files would be most of its time),
    # commit, push. Git's text merge cannot merge records: it stops on every record changed on both
    # sides (committed here as git wrote them, markers and all).
    gitrepo = shared_clone(a.path, run_dir / "git-merge", cache=False)
    (gitrepo / "info").mkdir(exist_ok=True)
    (gitrepo / "info" / "attributes").write_text("* merge\n")  # git's built-in text merge
    fetched = wall_and_cpu(lambda: _git("fetch", "-q", str(plain), "main:refs/heads/theirs", cwd=gitrepo))
    out = []
    git_merge = wall_and_cpu(lambda: out.append(_git("merge-tree", "--write-tree", "--name-only", "main", "theirs",
                                                     cwd=gitrepo, check=False)))
    tree, *unmerged = [line for line in out[0].split("\n\n")[0].splitlines() if line]
    print(f"  git merge-tree stopped on {len(unmerged)} record files it cannot merge", flush=True)
    git_what = f"git merge-tree (stops on {len(unmerged)} records)"

    def commit_and_push() -> None:
        merge = _git("commit-tree", tree, "-p", "main", "-p", "theirs", "-m", "merge", cwd=gitrepo).strip()
        _git("update-ref", "refs/heads/main", merge, cwd=gitrepo)
        _git("push", "-q", str(plain), "main", cwd=gitrepo)
    pushed = wall_and_cpu(commit_and_push)
    git_sync = tuple(f + m + p for f, m, p in zip(fetched, git_merge, pushed))
    git_sync_what = "git fetch + merge-tree + commit + push"

    results = {}
    push_only = wall_and_cpu(_profiled(lambda: results.setdefault("b", sync.sync(b)), profile, "sync-push"))
    rb = results["b"]
    report.add(f"sync, push only (hub checks {changes} records)", size, push_only[0], git_push[0],
               "git push of the same commits, no hook", "-", ok=rb.pushed and rb.outgoing.changed == changes)
    report.add("  the same, processor time", size, push_only[1], git_push[1],
               "git push of the same commits, no hook, processor time", "-")
    hub_after_b = GitStore(hub).tip()
    # (the hub's index cache as A's push finds it, kept for the hub's check measured again below:
    # at the base, with the SQL indexes B's check made, which a hub in use has)
    hub_cache = Ledger(hub)._cache_path()
    shutil.copyfile(hub_cache, run_dir / "hub-index-after-b.sqlite")

    marks: dict[str, float] = {}   # processor time used (here and by the git it waited for) at each step's report
    merged = wall_and_cpu(_profiled(lambda: results.setdefault("a", sync.sync(
        a, progress=lambda key, _params: marks.setdefault(key, cpu_used()))), profile, "sync-merge"))
    ra = results["a"]
    correct = (ra.merged and ra.pushed and len(ra.conflicts) == half
               and a.get(both[-1])["topic"].startswith("乙站") and a.get(both[-1])["notes"].startswith("甲站")
               and a.get(theirs_only[0])["notes"].startswith("乙站"))
    print(f"  merged: {ra.incoming.changed} records in, {len(ra.conflicts)} conflicts, "
          f"{ra.outgoing.changed} records out; result as expected: {correct}", flush=True)
    target = 10.0 if size.startswith("1000k") else 5.0
    report.add(f"sync with merge ({changes} × {changes}, {shared} shared)", size, merged[0], git_sync[0],
               git_sync_what, f"≤ {target:.0f} s", ok=correct and merged[0] <= target)
    report.add("  the same, processor time (ours and the git it waited for)", size, merged[1], git_sync[1],
               git_sync_what + ", processor time", f"≤ {target:.0f} s", ok=correct and merged[1] <= target)
    report.add("  beside git's merge alone", size, merged[0], git_merge[0], git_what, "-")
    report.add("  beside git's merge alone, processor time", size, merged[1], git_merge[1],
               git_what + ", processor time", "-")
    # Bangfu's own part of it, each apart: the merge (from the sync's "merging" report to its
    # "pushing": reading both sides, joining records, the checks, the merge commit, the index),
    # the counts of what came in and went out (who changed how many, worked out again from the
    # same commits, as the sync does after one merge), and the hub's check (below, after the command).
    report.add("  of which the merge, processor time", size, marks["sync.pushing"] - marks["sync.merging"],
               git_merge[1], git_what + ", processor time", "-")
    # (what differs the sync takes from its one merge: git is asked who changed how many)
    counted = wall_and_cpu(lambda: (sync.changes(a, a_before, ra.after, sync.Counts()),
                                    sync.changes(a, hub_after_b, ra.after, sync.Counts())))
    report.add("  of which the counts in and out, processor time", size, counted[1], None, "-", "-")

    # the same sync as a person types it, from the same starting point
    GitStore(hub).swap_ref(hub_after_b, GitStore(hub).tip(), "bench: reset")
    a.git.swap_ref(a_before, a.tip, "bench: reset")
    a.close()
    command = wall_and_cpu(lambda: subprocess.run([sys.executable, "-m", "bangfu", "-L", str(a.path), "sync"],
                                                  cwd=ROOT, capture_output=True, check=True))
    report.add("bangfu sync command (same merge)", size, command[0], git_sync[0], git_sync_what, "-")
    report.add("  the same, processor time", size, command[1], git_sync[1], git_sync_what + ", processor time", "-")

    # The hub's check of A's push alone: its hook run again on the same update, the hub and its
    # index cache set back to where they were (the index at the base: it follows B's push first)
    pushed_tip = GitStore(hub).tip()
    GitStore(hub).swap_ref(hub_after_b, pushed_tip, "bench: reset")
    for suffix in ("-wal", "-shm"):
        hub_cache.with_name(hub_cache.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(run_dir / "hub-index-after-b.sqlite", hub_cache)
    hook = wall_and_cpu(lambda: subprocess.run(
        [sys.executable, "-m", "bangfu", "hook", "pre-receive"], input=f"{hub_after_b} {pushed_tip} {BRANCH}\n",
        cwd=hub, env={**os.environ, "GIT_DIR": str(hub)}, capture_output=True, text=True, check=True))
    report.add("the hub's check of the merge's push (its hook alone), processor time", size, hook[1], pushed[1],
               "git commit-tree + push of git's merge, no hook, processor time", "-")
    b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--shared", type=int, default=100)
    ap.add_argument("--profile", type=Path, help="a folder for cProfile statistics of the two syncs "
                    "(their times then include the profiler's)")
    ap.add_argument("--layout", type=int, choices=ids.LAYOUTS,
                    help="the ledger moved to this layout of record folders first (store/core/ids.py)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bangfu-bench"))
    opts = ap.parse_args()
    opts.work.mkdir(parents=True, exist_ok=True)
    _env(opts.work)
    report = Report("bench_sync")
    started = time.time()
    load = os.getloadavg()
    run(report, opts.work, opts.records, opts.changes, opts.shared, opts.profile, opts.layout)
    report.emit(records=opts.records, load_before=[round(x, 2) for x in load],
                load_after=[round(x, 2) for x in os.getloadavg()])
    print(f"\n(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
