"""Store speed on generated ledgers of 1k, 10k and 50k records, each figure beside git's own.

    .venv/bin/python bench/bench_store.py [--sizes 1000,10000,50000] [--work /tmp/bangfu-bench]

- save: validate + commit + index refresh of one edited record, against `git add FILE && git commit`
  of the same change in a working-tree clone of the same ledger (target: at most 1/10 of git's at 50k,
  and flat from 1k to 50k);
- open: ready to answer queries, with and without the index cache (targets 0.5 s and 1.5 s at 50k),
  beside git reading every record file (`git ls-tree -r` piped to `git cat-file --batch`);
- query: a filtered query (targets 50 ms at 50k), beside `git grep` answering the same question.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from pathlib import Path

from common import Report, demo_ledger, record_path, sh, timed

from store.core import canonical, ids
from store import Ledger
from store.privacy.acts import attach_keys

SAVES = 15


def bench_size(report: Report, work: Path, n: int) -> dict:
    master = demo_ledger(work / f"ledger-{n}", n)
    path = work / f"scratch-{n}"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(master, path)
    size = f"{n // 1000}k"

    # -- open -------------------------------------------------------------
    cache = Ledger(path)._cache_path()

    def open_ready() -> None:
        ledger = Ledger(path)
        ledger.count()  # the index loads on first use: ready to answer queries
        ledger.close()

    def no_cache() -> None:
        for f in (cache, cache.with_name(cache.name + "-wal"), cache.with_name(cache.name + "-shm")):
            f.unlink(missing_ok=True)

    open_ready()  # makes sure the cache exists
    no_cache()
    open_ready()
    with_cache = timed(open_ready, repeat=5)
    without = timed(open_ready, repeat=3, setup=no_cache)
    git_read = timed(lambda: subprocess.run(
        "git ls-tree -r main records | awk '{print $3}' | git cat-file --batch > /dev/null",
        shell=True, cwd=path, check=True), repeat=3)
    report.add("open (cache)", size, with_cache, git_read, "ls-tree | cat-file --batch", "≤ 500 ms at 50k",
               ok=with_cache <= 0.5 if n >= 50000 else None)
    report.add("open (no cache)", size, without, git_read, "ls-tree | cat-file --batch", "≤ 1500 ms at 50k",
               ok=without <= 1.5 if n >= 50000 else None)

    # -- query -------------------------------------------------------------
    ledger = Ledger(path)
    attach_keys(ledger)
    hits = []
    query = timed(lambda: hits.append(len(ledger.query("visit", kind="送教下乡", date__gte="2026-09-01"))),
                  repeat=7)
    git_grep = timed(lambda: sh("git", "grep", "-c", "-e", '"kind": "送教下乡"', "main", "--", "records/visit",
                                cwd=path), repeat=3)
    report.add("filtered query", size, query, git_grep, "git grep", "≤ 50 ms at 50k",
               ok=query <= 0.05 if n >= 50000 else None)

    # -- save --------------------------------------------------------------
    visits = sorted(ledger.index.docs)[:SAVES * 2]
    visits = [v for v in visits if v.startswith("visit-")][:SAVES] or \
        [r["id"] for r in ledger.query("visit")][:SAVES]
    ours = []
    for i, rid in enumerate(visits):
        record = ledger.get(rid)
        record["notes"] = f"bench {time.time()} {i}"
        base = ledger.version(rid)
        start = time.perf_counter()
        ledger.put(record, base=base)
        ours.append(time.perf_counter() - start)
    ledger.close()
    wt = work / f"worktree-{n}"
    shutil.rmtree(wt, ignore_errors=True)
    sh("git", "clone", "-q", str(path), str(wt))
    theirs = []
    for i, rid in enumerate(visits):
        rel = record_path(wt, rid)
        file = wt / rel
        record = json.loads(file.read_text(encoding="utf-8"))
        record["notes"] = f"git {time.time()} {i}"
        file.write_bytes(canonical.dumps(record))
        start = time.perf_counter()
        sh("git", "add", rel, cwd=wt)
        sh("git", "commit", "-q", "-m", f"visit: edit {rid}", cwd=wt)
        theirs.append(time.perf_counter() - start)
    ours_med, git_med = sorted(ours)[len(ours) // 2], sorted(theirs)[len(theirs) // 2]
    report.add("save one record", size, ours_med, git_med, "git add && git commit (worktree)",
               "≤ 1/10 of git at 50k", ok=(ours_med <= git_med / 10) if n >= 50000 else None)
    shutil.rmtree(wt, ignore_errors=True)
    shutil.rmtree(path, ignore_errors=True)
    return {"save": ours_med}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report = Report("store")
    saves = {}
    for n in [int(x) for x in args.sizes.split(",")]:
        print(f"ledger of {n} records", flush=True)
        saves[n] = bench_size(report, work, n)["save"]
    if len(saves) > 1:
        small, large = saves[min(saves)], saves[max(saves)]
        report.add(f"save flatness {min(saves) // 1000}k→{max(saves) // 1000}k", "ratio", large, small,
                   "the same save on the smallest ledger", "≤ 2× (flat)", ok=large <= 2 * small)
    report.emit()


if __name__ == "__main__":
    main()
