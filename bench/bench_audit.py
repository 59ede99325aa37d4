"""Audit trail speed: `bangfu audit` (full and incremental) and `bangfu log ID` on a
50k-record ledger with 10,000 single-record commits, each beside plain `git log`.

    .venv/bin/python bench/bench_audit.py            # builds /tmp/bangfu-bench-audit once, then measures
    .venv/bin/python bench/bench_audit.py --rebuild  # start from scratch

Targets (issue 6): full audit <= 30 s, incremental audit in proportion to what changed,
`bangfu log ID` <= 0.3 s.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Report, record_path, sh, timed

CACHE = Path(os.environ.get("BANGFU_BENCH_AUDIT", "/tmp/bangfu-bench-audit"))
RECORDS = 50_000
COMMITS = 10_000
INCREMENT = 100
AUTHORS = (("王老师", "wang@shahe.example.cn"), ("李老师", "li@shiqiao.example.cn"),
           ("张主任", "zhang@county.example.cn"), ("赵会计", "zhao@county.example.cn"))


def _env() -> dict:
    return {**os.environ, "BANGFU_KEYS": str(CACHE / "keys"), "XDG_STATE_HOME": str(CACHE / "state"),
            "GIT_CONFIG_GLOBAL": str(CACHE / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}


def _edit(record: dict, rng: random.Random, n: int) -> None:
    """A change a coordinator makes: a note, a voucher, hours taught, a headcount."""
    kind = record["type"]
    if kind == "aid" and rng.random() < 0.5:
        record["voucher"] = f"PZ-{n:06d}"
    elif kind == "visit" and isinstance(record.get("hours"), int) and rng.random() < 0.5:
        record["hours"] = max(1, record["hours"] + rng.choice((-1, 1)))
    else:
        record["notes"] = f"核对第 {n} 次：已与原始凭证一致"


def build(path: Path) -> Path:
    """The 50k-record ledger plus COMMITS single-record commits, built once and cached."""
    done = CACHE / "built"
    if done.exists():
        return path
    if CACHE.exists():
        shutil.rmtree(CACHE)
    (CACHE / "keys").mkdir(parents=True)
    (CACHE / "gitconfig").write_text("[user]\n\tname = 基准\n\temail = bench@example.cn\n", encoding="utf-8")
    os.environ.update(_env())
    from store.demo.build import build_demo
    from store.ledger.gitstore import Person

    start = time.time()
    ledger = build_demo(path, records=RECORDS,
                        progress=lambda d, n: print(f"  records {d}/{n}", file=sys.stderr, flush=True))
    print(f"  built {RECORDS} records in {time.time() - start:.0f} s", file=sys.stderr, flush=True)
    rng = random.Random(6)
    editable = sorted(rid for rid in ledger.index.docs if rid.split("-")[0] in ("aid", "visit", "school", "plan"))
    people = [Person(*a) for a in AUTHORS]
    for n in range(COMMITS):
        rid = rng.choice(editable)
        record = ledger.get(rid)
        _edit(record, rng, n)
        ledger.put(record, base=ledger.version(rid), author=rng.choice(people))
        if n % 1000 == 999:
            print(f"  commits {n + 1}/{COMMITS} ({time.time() - start:.0f} s)", file=sys.stderr, flush=True)
    ledger.close()
    sh("git", "gc", "--quiet", cwd=path, env=_env())
    sh("git", "commit-graph", "write", "--reachable", "--changed-paths", cwd=path, env=_env())
    done.touch()
    return path


def bangfu(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bangfu", *args], cwd=ROOT, capture_output=True, text=True,
                          env=_env())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true")
    opts = parser.parse_args()
    if opts.rebuild and CACHE.exists():
        shutil.rmtree(CACHE)
    path = build(CACHE / "ledger")
    os.environ.update(_env())
    report = Report("audit")
    size = f"{RECORDS // 1000}k records, {COMMITS} commits"
    tip = sh("git", "rev-parse", "main", cwd=path).strip()
    rid = _some_edited_record(path)

    # A record's history: `bangfu log ID` against `git log -- path` (both start a process).
    log_s = timed(lambda: _ok(bangfu("-L", str(path), "log", rid)), repeat=5)
    git_log_s = timed(lambda: sh("git", "log", "--format=%H %an %aI %s", "main", "--", record_path(path, rid, "main"), cwd=path),
                      repeat=5)
    report.add("bangfu log ID", size, log_s, git_log_s, "git log -- <record path>", "<= 0.3 s", log_s <= 0.3)
    for what, cmd in (("bangfu diff ID", ("diff", rid)), ("bangfu blame ID", ("blame", rid))):
        s = timed(lambda: _ok(bangfu("-L", str(path), *cmd)), repeat=3)
        report.add(what, size, s, git_log_s, "git log -- <record path>", "<= 1 s", s <= 1.0)

    # The full audit against one `git log --raw` over the same commits.
    base = f"{tip}~{INCREMENT}"
    full_s = timed(lambda: _audited(bangfu("-L", str(path), "audit")), repeat=1)
    git_raw_s = timed(lambda: sh("git", "log", "--raw", "--no-abbrev", "-z", "--format=%H %P%n%B", "main", cwd=path),
                      repeat=3)
    report.add("bangfu audit (full)", size, full_s, git_raw_s, "git log --raw (all commits)", "<= 30 s",
               full_s <= 30)

    # Incremental: the last INCREMENT commits after an audit of everything before them.
    inc_s = timed(lambda: _audited(bangfu("-L", str(path), "audit", "--since", base)), repeat=3)
    git_inc_s = timed(lambda: sh("git", "log", "--raw", "--no-abbrev", "-z", "--format=%H %P%n%B",
                                 f"{base}..main", cwd=path), repeat=3)
    report.add(f"bangfu audit --since (last {INCREMENT})", size, inc_s, git_inc_s,
               f"git log --raw {INCREMENT} commits", "in proportion (<= 3 s)", inc_s <= 3.0)

    ch_s = timed(lambda: _ok(bangfu("-L", str(path), "changes", "--since", base, "--type", "aid")), repeat=3)
    report.add(f"bangfu changes --since REV --type aid (last {INCREMENT})", size, ch_s, git_inc_s,
               f"git log --raw {INCREMENT} commits", "<= 3 s", ch_s <= 3.0)
    report.emit()


def _some_edited_record(path: Path) -> str:
    """A record changed by several of the benchmark's commits (a long history)."""
    out = sh("git", "log", "-n", "400", "--format=", "--name-only", "main", cwd=path)
    counts: dict[str, int] = {}
    for line in out.splitlines():
        if line.startswith("records/"):
            counts[line] = counts.get(line, 0) + 1
    best = max(counts, key=counts.get)
    return Path(best).stem


def _ok(proc: subprocess.CompletedProcess) -> None:
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {proc.stderr[-2000:]}")


def _audited(proc: subprocess.CompletedProcess) -> None:
    # 0 clean, 1 findings (the synthetic ledger carries some warnings on purpose); anything else failed.
    if proc.returncode not in (0, 1):
        raise SystemExit(f"audit failed ({proc.returncode}): {proc.stderr[-2000:]}")


if __name__ == "__main__":
    main()
