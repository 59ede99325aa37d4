"""Erasure speed: `bangfu erase` of one student in a generated ledger, beside git's own commit of
the same files.

    .venv/bin/python bench/bench_privacy.py [--sizes 50000] [--work /tmp/bangfu-bench]

An erasure strips the student's identifiers, moves the hash key on and hashes every live student
again, all in one commit (store/privacy/acts.py). Its figure is set beside `git add -A && git
commit` of exactly the record files that erasure changed, in a working-tree clone of the same
ledger at the same commit (target: at most 10 s at 50k records).
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from common import Report, demo_ledger, sh

from store import Ledger
from store.core import ids
from store.privacy.acts import attach_keys, erase, key_path

TARGET_S = 10.0


def bench_size(report: Report, work: Path, n: int) -> None:
    master = demo_ledger(work / f"ledger-{n}", n)
    path = work / f"erase-{n}"
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(master, path)
    size = f"{n // 1000}k"
    with Ledger(path) as ledger:
        # A copy of the key file for this run: the erasure destroys keys in it.
        keys = work / f"erase-keys-{n}.json"
        shutil.copy(key_path(ledger), keys)
        ledger.git.set_config("bangfu.keyfile", str(keys))
        attach_keys(ledger)
        ledger.count()
        before = ledger.tip
        student = next(s["id"] for s in ledger.records("student") if (s.get("identity") or {}).get("id_number"))
        start = time.perf_counter()
        erase(ledger, student, "bench: 家长申请删除")
        ours = time.perf_counter() - start
        after = ledger.tip
    changed = sh("git", "diff", "--name-only", before, after, cwd=path).split()
    print(f"  erase at {size}: {ours:.2f} s, {len(changed)} files changed", flush=True)

    # git's own commit of the same files: a worktree clone at `before` holding `after`'s files.
    tree = work / f"erase-git-{n}"
    shutil.rmtree(tree, ignore_errors=True)
    sh("git", "clone", "-q", "--no-checkout", str(path), str(tree))
    sh("git", "-c", "gc.auto=0", "checkout", "-q", after, cwd=tree)
    sh("git", "reset", "-q", before, cwd=tree)   # the index at `before`, the files as erasure left them
    start = time.perf_counter()
    sh("git", "add", "-A", cwd=tree)
    sh("git", "-c", "gc.auto=0", "commit", "-q", "-m", "same files", cwd=tree)
    git = time.perf_counter() - start
    students = sum(1 for name in changed if ids.id_from_path(name) and ids.type_of(ids.id_from_path(name)) == "student")
    report.add(f"erase one student ({students} students hashed again)", size, ours, git,
               "git add -A && git commit (same files)", f"≤ {TARGET_S:.0f} s", ours <= TARGET_S)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="50000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report = Report("bench_privacy")
    for n in (int(s) for s in args.sizes.split(",")):
        bench_size(report, work, n)
    report.emit()


if __name__ == "__main__":
    main()
