"""The index's build from every record (a first opening without the cache): most resident memory,
processor time and wall time, beside git reading every record in the same run.

    .venv/bin/python bench/bench_build.py LEDGER [--code DIR ...] [--runs N] [--trace] [--out FILE]

LEDGER is a bare ledger that is never written to: each run opens a fresh `git clone --bare --shared`
of it (no index cache) in its own process and counts its records (`Ledger.count()`, what makes the
index). Each `--code` is a checkout of the project whose store is measured (this one unless said):
several are alternated run by run, so that before and after share the same minutes and load. A
thread samples the process's resident memory every 20 ms and names the phase of the build it was
highest in (`Ledger.reading`: listing, reading, after the reading); VmHWM is the kernel's own peak.
Processor time is the process's and its children's (git's `ls-tree` and `cat-file`), from
getrusage. git's figure: `git ls-tree -r | git cat-file --batch > /dev/null` of the same tip, its
processor time and resident memory. `--trace` adds tracemalloc's ten largest holders at the peak
of the Python heap (slower: compare its sizes with each other, not with the resident ones).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, threading, time, tracemalloc
from pathlib import Path
sys.path.insert(0, sys.argv[1])
trace = sys.argv[3] == "1"
if trace:
    tracemalloc.start(8)
from store.ledger.ledger import Ledger

def status():
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out

highest = {}
snap = [0, None]
stop = threading.Event()
ledger = Ledger.open(sys.argv[2])

def phase():
    r = ledger.reading
    if r is None:
        return "opening" if not ledger.index_loaded else "after"
    if r == (0, 0):
        return "listing"
    return "reading" if r[0] < r[1] else "after the reading"

def sample():
    while not stop.wait(0.02):
        rss = status()["VmRSS"]
        p = phase()
        if rss > highest.get(p, 0):
            highest[p] = rss
        if trace:
            size = tracemalloc.get_traced_memory()[0]
            if size > snap[0] * 1.05:
                snap[0], snap[1] = size, tracemalloc.take_snapshot()

threading.Thread(target=sample, daemon=True).start()
start, t0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
count = ledger.count()
wall = time.perf_counter() - start
stop.set()
own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
out = {"records": count, "wall_s": round(wall, 2),
       "cpu_s": round(own.ru_utime + own.ru_stime - t0.ru_utime - t0.ru_stime, 2),
       "git_cpu_s": round(kids.ru_utime + kids.ru_stime, 2),
       "hwm_mb": round(status()["VmHWM"], 1),
       "highest_mb": {k: round(v, 1) for k, v in highest.items()}}
if trace and snap[1] is not None:
    out["python_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    out["holders"] = [f"{s.size / 2**20:.1f} MB {s.traceback[0].filename.rsplit('/', 1)[-1]}:{s.traceback[0].lineno}"
                      for s in snap[1].statistics("lineno")[:10]]
print(json.dumps(out))
"""


def git_read(path: Path) -> dict:
    """git reading every record of the tip: wall, processor time and resident memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(["bash", "-c", "git ls-tree -r -z --full-tree HEAD:records | tr '\\0' '\\n' | "
                          "awk '{print $3}' | /usr/bin/time -f '%M' git cat-file --batch > /dev/null"],
                         cwd=path, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": round(wall, 2),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
            "rss_mb": round(int(out.stderr.strip().splitlines()[-1]) / 1024, 1)}


def build(source: Path, code: Path, work: Path, trace: bool) -> dict:
    clone = work / "clone"
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", "--shared", str(source), str(clone)], check=True)
    try:
        python = ROOT / ".venv" / "bin" / "python"
        out = subprocess.run([str(python), "-c", CHILD, str(code), str(clone), "1" if trace else "0"],
                             cwd=code, check=True, capture_output=True, text=True,
                             env={**os.environ, "XDG_CACHE_HOME": str(work / "cache")})
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(clone, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--code", type=Path, action="append")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    codes = args.code or [ROOT]
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        for n in range(args.runs):
            for code in codes:
                rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=code, capture_output=True,
                                     text=True).stdout.strip()
                load = Path("/proc/loadavg").read_text().split()[0]
                row = {"run": n, "code": str(code), "commit": rev, "when": time.strftime("%H:%M:%S"),
                       "load": load, **build(args.ledger, code, Path(tmp), args.trace)}
                row["git"] = git_read(args.ledger)
                row["load_after"] = Path("/proc/loadavg").read_text().split()[0]
                runs.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps({"bench": "bench_build", "ledger": str(args.ledger),
                                        "date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count(),
                                        "runs": runs}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
