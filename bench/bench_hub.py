"""The hub's check of a push of 1,000 commits on a generated ledger (50k records unless --records
says otherwise; at 1M the issue's target is 10 s), beside git's fsck of the same objects; and what
the clear-identifier scan adds to that check and to a save.

    nice .venv/bin/python bench/bench_hub.py [--records 50000] [--commits 1000] [--repeat 3] [--work /tmp/bangfu-bench]

A site makes 1,000 commits on the generated ledger (each a day's edit of one activity's notes), as
sync pushes them. The ledger is bench_sync's base (built once per size, never written): the hubs
and the site share its objects, each with a copy of its index cache; the run's folder is removed
at the end. Rows, each measured in the same run (the fastest of --repeat runs):
- the hub's check (store/sync/hub.py `pre_receive`, what its pre-receive hook runs) of that push:
  every commit's record files against the schemas, the clear-identifier scan of every record,
  commit message and file name, the access list's scopes (the pusher named with all the schools
  one by one, so every record is placed), the final rules; beside `git index-pack --strict` of a
  pack holding exactly the pushed objects, git's own fsck of every one of them (what
  receive.fsckObjects runs on a push). Target: at most 3 times git's figure; the same two in
  processor time too (a loaded machine's clock also counts the waits for a core);
- the same push through `git push` into the hub with its hook, beside `git push` of the same
  commits into a copy of the hub without the hook;
- the clear-identifier scan's share of the hub's check, timed inside the same runs (target ≤ 10 %);
- a save (an activity's notes), and the scan's share of it (target ≤ 10 %).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import time
from pathlib import Path

from bench_sync import _copy_cache, _env, base_ledger, shared_clone
from common import Report, cpu, sh, timed, wall_and_cpu

from store import Change, Ledger
from store.ledger import policy as hub_policy
from store.ledger.gitstore import GitStore
from store.rules import cleartext, identifiers
from store.sync import hub as hub_mod
from store.sync import remote as sync

CHECK_TARGET = 3.0
LIMIT_1M = 10.0
SCAN_TARGET = 0.10


def _hub(base: Path, path: Path, hook: bool) -> Path:
    shared_clone(base, path, cache=hook)   # (only the hook reads the index)
    if hook:
        sync.configure(GitStore(path), hub=True)
    return path


def _policy(hub: Path, schools: list[str]) -> None:
    """The pusher may change the records of every school, named one by one: every record is placed."""
    me = hub_policy.account()
    listed = ", ".join(f'"{s}"' for s in schools)
    (hub / hub_policy.POLICY_FILE).write_text(
        f'refs = []\nadmins = ["{me}"]\n\n[access]\n"{me}" = [{listed}]\n', encoding="utf-8")


def _commits(site: Ledger, count: int) -> None:
    visits = sorted(site.index.ids("visit"))[:count]
    for n, rid in enumerate(visits):
        doc = site.get(rid)
        doc["notes"] = f"第 {n + 1} 天补记：活动照片已归档"
        site.commit([Change(rid, doc, site.version(rid))], action="edit")


def _with_scan_timed(fn, repeat: int) -> tuple[float, float]:
    """(seconds of the fastest run of fn, seconds of that run spent in the clear-identifier scan):
    the scan's functions are timed where they are called, in the same run as the rest, so the
    machine's load weighs on both alike (two separate runs, with and without, differ by more
    than the scan on a shared machine)."""
    spent, depth = [0.0], [0]

    def timed_fn(original):
        def wrapper(*args, **kwargs):
            depth[0] += 1
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:   # (the scan's functions call each other: counted once)
                    spent[0] += time.perf_counter() - start
        return wrapper
    saved = identifiers.misplaced, hub_mod._clear_in, cleartext.may_hold
    identifiers.misplaced, hub_mod._clear_in, cleartext.may_hold = (timed_fn(f) for f in saved)
    try:
        runs = []
        for _ in range(repeat):
            spent[0] = 0.0
            start = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - start, spent[0]))
        return min(runs)
    finally:
        identifiers.misplaced, hub_mod._clear_in, cleartext.may_hold = saved


def run(report: Report, work: Path, n: int, count: int, repeat: int) -> None:
    base = base_ledger(work, n)
    run_dir = work / "hub-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    try:
        _run(report, base, run_dir, f"{n // 1000}k", count, repeat)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _run(report: Report, base: Path, run_dir: Path, size: str, count: int, repeat: int) -> None:
    hub = _hub(base, run_dir / "hub", hook=True)
    plain = _hub(base, run_dir / "plain", hook=False)
    site = sync.clone(str(hub), run_dir / "site", site="沙河二小")
    site.close()
    _copy_cache(base, run_dir / "site")
    site = Ledger(run_dir / "site")
    _policy(hub, sorted(site.index.ids("school")))
    old = site.tip
    print(f"  making {count} commits at the site…", flush=True)
    _commits(site, count)
    new = site.tip

    # The pushed objects in the hub, under a ref of their own (the check reads them as the hook
    # reads them from git's quarantine), and as a pack for git's fsck.
    sh("git", "fetch", "-q", str(site.path), "main:refs/bench/incoming", cwd=hub)
    pack = run_dir / "push.pack"
    pack.write_bytes(subprocess.run(["git", "pack-objects", "--revs", "--stdout", "-q"], cwd=site.path,
                                    input=f"{new}\n^{old}\n".encode(), capture_output=True, check=True).stdout)
    objects = int(sh("git", "rev-list", "--objects", "--count", new, "--not", old, cwd=site.path))
    update = [(old, new, "refs/heads/main")]

    refused = hub_mod.pre_receive(hub, update)   # (also loads what every later check reuses)
    assert not refused, [r.text() for r in refused[:3]]
    ours, scan = _with_scan_timed(lambda: hub_mod.pre_receive(hub, update), repeat=repeat)
    idx = run_dir / "push.idx"
    git = min(timed(lambda: sh("git", "index-pack", "--strict", "-o", str(idx), str(pack), cwd=hub), repeat=1)
              for _ in range(repeat))
    # (the figure at 1M is absolute: at most 10 s)
    limit = (f"≤ {CHECK_TARGET:.0f}×" + (f", ≤ {LIMIT_1M:.0f} s" if size == "1000k" else ""),
             lambda ours, git: ours <= CHECK_TARGET * git and (size != "1000k" or ours <= LIMIT_1M))
    report.add(f"hub check of a {count}-commit push ({objects} objects)", size, ours, git,
               "git index-pack --strict (fsck of the same objects)", limit[0], limit[1](ours, git))
    share = scan / (ours - scan)
    report.add(f"  of which the clear-identifier scan: +{share * 100:.1f} % on the rest", size, scan, None, "-",
               f"≤ {SCAN_TARGET * 100:.0f} %", share <= SCAN_TARGET)
    # The same two as processor time (the check's own and its git processes'; index-pack's): on a
    # shared machine the clock counts the waits for a core as well, which a chain of processes
    # handing data to each other meets more often than one process does.
    ours_cpu = min(cpu(lambda: hub_mod.pre_receive(hub, update)) for _ in range(repeat))
    git_cpu = min(cpu(lambda: sh("git", "index-pack", "--strict", "-o", str(idx), str(pack), cwd=hub))
                  for _ in range(repeat))
    report.add("  the same, processor time (the check and its git processes)", size, ours_cpu, git_cpu,
               "git index-pack --strict, processor time", limit[0], limit[1](ours_cpu, git_cpu))

    # The whole push as a site makes it: transport, git's own checks, the hook's process start.
    def push(to: Path) -> None:
        sh("git", "push", "-q", str(to), "main", cwd=site.path)

    def reset(to: Path) -> None:
        GitStore(to).swap_ref(old, GitStore(to).tip(), "bench: reset")
    # (without the ref the check read them under, the hub asks for every pushed object, as the
    # plain hub does: the two pushes then carry the same pack)
    sh("git", "update-ref", "-d", "refs/bench/incoming", cwd=hub)
    reset(hub), reset(plain)
    hooked = wall_and_cpu(lambda: push(hub))
    unhooked = wall_and_cpu(lambda: push(plain))
    report.add(f"git push of the {count} commits into the hub (its hook)", size, hooked[0], unhooked[0],
               "git push into the same hub without the hook", "-")
    report.add("  the same, processor time", size, hooked[1], unhooked[1],
               "git push without the hook, processor time", "-")

    # A save: one activity's notes, with and without the scan.
    visit = sorted(site.index.ids("visit"))[-1]
    turn = iter(range(10_000))

    def save() -> None:
        doc = site.get(visit)
        doc["notes"] = f"补记 {next(turn)}"
        site.put(doc, base=site.version(visit))
    save()   # (the first save loads what every later one reuses)
    with_scan, scan = _with_scan_timed(save, repeat=25)
    share = scan / (with_scan - scan)
    report.add(f"save of an activity (clear-identifier scan: +{share * 100:.1f} % on the rest)", size, with_scan,
               None, "-", f"≤ {SCAN_TARGET * 100:.0f} %", share <= SCAN_TARGET)
    site.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of the check (the fastest is reported)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bangfu-bench"))
    opts = ap.parse_args()
    opts.work.mkdir(parents=True, exist_ok=True)
    _env(opts.work)
    report = Report("bench_hub")
    started = time.time()
    load = os.getloadavg()
    run(report, opts.work, opts.records, opts.commits, opts.repeat)
    report.emit(records=opts.records, load_before=[round(x, 2) for x in load],
                load_after=[round(x, 2) for x in os.getloadavg()])
    print(f"\n(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
