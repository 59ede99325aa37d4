"""Several coordinators saving to one ledger at once, and writers killed mid-save."""
from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import subprocess
import time


from conftest import git, school
from store.core.errors import Conflict
from store import Ledger

WRITERS = 8
SAVES_EACH = 40


def _writer(path: str, shared: list[str], seed: int, out: mp.Queue) -> None:
    rnd = random.Random(seed)
    ledger = Ledger(path)
    results = []
    for n in range(SAVES_EACH):
        try:
            if rnd.random() < 0.5:
                # An edit of one of a few shared schools, from the version this writer read.
                rid = rnd.choice(shared)
                base = ledger.version(rid)
                record = ledger.get(rid)
                record["notes"] = f"writer {seed} save {n}"
                saved = ledger.put(record, base=base)
                results.append(("edit", rid, saved.commit, record["notes"]))
            else:
                saved = ledger.put(school(f"第{seed}-{n}小学", f"{seed}-{n}"))
                results.append(("add", saved.id, saved.commit, None))
        except Conflict:
            results.append(("conflict", None, None, None))
    out.put(results)


def test_many_writers_lose_nothing_and_report_every_conflict(ledger):
    shared = [ledger.put(school(f"共享学校{i}", f"共享{i}")).id for i in range(3)]
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(ledger.path), shared, seed, out)) for seed in range(WRITERS)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=300)]
    for p in procs:
        p.join(timeout=60)
    assert len(results) == WRITERS * SAVES_EACH
    committed = [r for r in results if r[0] != "conflict" and r[2]]
    conflicts = [r for r in results if r[0] == "conflict"]
    assert len(committed) + len(conflicts) == len(results)
    assert len(committed) > WRITERS * SAVES_EACH / 2
    history = git(ledger.path, "rev-list", "--first-parent", "main").split()
    assert len(history) == len(set(history))
    for kind, rid, commit, _ in committed:
        assert history.count(commit) == 1
    assert len({c for _k, _r, c, _n in committed}) == len(committed)  # no two saves share a commit
    ledger.refresh()
    for kind, rid, commit, _ in committed:
        if kind == "add":
            assert ledger.get(rid)["type"] == "school"
    # Each shared school ends with the value of the last edit that reported success.
    order = {c: i for i, c in enumerate(reversed(history))}
    for rid in shared:
        edits = sorted((order[c], notes) for kind, r, c, notes in committed if kind == "edit" and r == rid)
        if edits:
            assert ledger.get(rid)["notes"] == edits[-1][1]
    subprocess.run(["git", "fsck", "--strict"], cwd=ledger.path, check=True, capture_output=True)


def _endless_writer(path: str, seed: int) -> None:
    ledger = Ledger(path)
    n = 0
    while True:
        try:
            ledger.put(school(f"第{seed}-{n}小学", f"{seed}-{n}"))
        except Conflict:
            pass
        n += 1


def test_killing_writers_at_any_moment_leaves_a_valid_ledger(ledger):
    ctx = mp.get_context("spawn")
    rnd = random.Random(7)
    for round_ in range(6):
        procs = [ctx.Process(target=_endless_writer, args=(str(ledger.path), round_ * 10 + i)) for i in range(3)]
        before = ledger.git.tip()
        for p in procs:
            p.start()
        deadline = time.time() + 60
        while ledger.git.tip() == before and time.time() < deadline:  # writers are saving
            time.sleep(0.05)
        time.sleep(rnd.random() * 0.5)
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
            time.sleep(rnd.random() * 0.05)
        for p in procs:
            p.join()
    subprocess.run(["git", "fsck", "--strict"], cwd=ledger.path, check=True, capture_output=True)
    reopened = Ledger(ledger.path)
    assert reopened.broken == {}
    assert reopened.count("school") > 0
    from store.history.verify import check_tip
    assert [f for f in check_tip(reopened) if f.level == "error"] == []
    # A lock left by a killed writer does not block saving for ever.
    lock = ledger.path / "refs" / "heads" / "main.lock"
    lock.write_text("")
    old = time.time() - 60
    os.utime(lock, (old, old))
    assert reopened.put(school("锁之后的学校", "锁后")).commit
