"""A county's decade: open, query, save and memory at 200k, 500k and 1M records, beside git.

    nice .venv/bin/python bench/bench_scale.py [--sizes 1000,200000,500000,1000000] [--work /tmp/bangfu-bench]

Each figure is taken in a fresh process (so its resident memory is its own) on a generated ledger
(`bangfu demo --records N`, cached under --work), beside git's own figure for the same work in the
same run (the first process, "cold", opens without the cache, searches before the text index is
made, as the list does, then makes it; the "holder" opens with the cache, queries, saves and works out the figures; the "second"
opens beside it and shows the figures the holder remembered):
- open, ready to answer queries, without and with the index cache (targets 3 s and 0.5 s at 1M),
  beside git reading every record (`git ls-tree -r | git cat-file --batch`, the floor);
- a filtered query (one activity kind since a date), beside `git grep` answering the same question;
- the activities list as the dashboard opens it (tui/listing.py: the school year of the term, in the
  list's order) and its text filter, first and later keystrokes (target 100 ms), wall and processor
  time, beside `git grep` finding the year's activities and the typed text; on a fresh cache, the
  list's first opening (which makes the index of the activities' dates), the first keystroke
  (answered from what the text index holds, saying how many it did not see) and the making of
  the whole text index;
- the first save after opening and later saves (target: at most 0.05 of git and within 1.5× of the
  same save at 1k), beside `git add && git commit` of the same change in a clone of the ledger
  (its index read from the tree: a checkout of a million files is not part of git's figure);
  bench_save.py measures the save alone, by CPU and wall, at 1k and 1M in the same run;
- the dashboard's figures of the current term worked out afresh, and its term picker, beside git
  reading every record (what the figures would cost read from git);
- resident memory of a process holding the ledger open after those queries, the list and two
  keystrokes of its filter (and again after the figures too, target 300 MB), and of a second dashboard beside it showing the figures the first remembered: its
  private memory (not shared with any other process) is what it adds to the server (target 150 MB
  more); beside git's own resident memory reading every record.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, Report, demo_ledger, record_path, sh

SAVES = 10
KIND, SINCE, TEXT = "送教下乡", "2026-09-01", "石桥"


def _clocked(out: dict, name: str, work):
    """work(), its wall time in out[name] and its processor time (this process's) in out[name_cpu]."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    out[name], out[f"{name}_cpu"] = time.perf_counter() - wall, time.process_time() - cpu
    return result


def _activities(ledger, today: dt.date):
    """The activities list as the dashboard's section reads it: the school year of the term, in its
    default order (tui/listing.py)."""
    from store.figures import dashboard
    from tui.columns import DEFAULT_SORT, Names
    from tui.listing import Listing

    column, reverse = DEFAULT_SORT["visit"]
    listing = Listing(ledger, "visit", Names(ledger, today))
    year = dashboard.term_of(today).rsplit("-", 1)[0]
    return lambda text="": listing.rows(column, reverse, year=year, text=text)


def probe(path: Path, saves: int, role: str) -> dict:
    """Run in a process of its own: open the ledger (role "cold": only that); query, save and work
    out the term's figures, remembering them ("holder"); or open the ledger and show the figures the
    holder remembered, as a second dashboard on the same server does ("second"). Times and memory."""
    from store import Ledger
    from store.figures import dashboard, overview
    from store.privacy.acts import attach_keys

    out: dict = {}
    start = time.perf_counter()
    ledger = Ledger(path)
    ledger.count()
    out["open"] = time.perf_counter() - start
    today = dt.date.today()
    if role == "cold":   # (and the list and its first search, before the text index of the activities is made)
        activities = _activities(ledger, today)
        _clocked(out, "list_first", activities)    # (makes the index of the activities' dates)
        found = _clocked(out, "keystroke_first", lambda: activities(TEXT[:1]))
        out["unsearched"] = found.unsearched
        start = time.perf_counter()
        ledger.prepare_search("visit")   # (what the list does in the background once it is shown)
        out["texts_made"] = time.perf_counter() - start
        print(json.dumps(out), flush=True)
        return out
    readying = ledger.preload()   # (as the dashboard does once it has opened the ledger)
    attach_keys(ledger)
    if role == "second":
        readying.join()
        start = time.perf_counter()
        out["remembered"] = overview.remembered(ledger, dashboard.term_of(today), today)
        overview.term_figures(ledger, dashboard.term_of(today), today)
        out["figures"] = time.perf_counter() - start
        out["rss_mb"], out["private_mb"] = _rss_mb(), _private_mb()
        print(json.dumps(out), flush=True)
        return out
    times = []
    for _ in range(5):
        start = time.perf_counter()
        hits = ledger.query("visit", kind=KIND, date__gte=SINCE)
        times.append(time.perf_counter() - start)
    out["query"], out["query_hits"] = statistics.median(times), len(hits)
    activities = _activities(ledger, today)
    listed = _clocked(out, "list", activities)
    out["listed"], out["visits"] = len(listed.ids), listed.total
    found = _clocked(out, "keystroke_first", lambda: activities(TEXT[:1]))
    later = [_clocked(out, "keystroke_later", lambda: activities(TEXT[:n])) for n in range(2, len(TEXT) + 1)]
    out["text_hits_first"], out["text_hits"] = len(found.ids), len(later[-1].ids)
    start = time.perf_counter()
    readying.join()
    out["ready_wait"] = time.perf_counter() - start
    out["saves"] = []
    out["saved"] = []
    for rid in listed.ids[:saves]:
        record = ledger.get(rid)
        record["notes"] = f"bench {time.time()}"
        base = ledger.version(rid)
        start = time.perf_counter()
        ledger.put(record, base=base)
        out["saves"].append(time.perf_counter() - start)
        out["saved"].append(rid)
    out["rss_mb"] = _rss_mb()
    # The dashboard's figures of this term worked out (nothing remembered) and remembered, and its
    # term picker.
    start = time.perf_counter()
    figures = overview.term_figures(ledger, dashboard.term_of(today), today)
    out["figures"], out["figures_plans"] = time.perf_counter() - start, len(figures.plans)
    start = time.perf_counter()
    out["terms_n"] = len(dashboard.known_terms(ledger, today))
    out["terms"] = time.perf_counter() - start
    out["rss_figures_mb"], out["private_figures_mb"] = _rss_mb(), _private_mb()
    print(json.dumps(out), flush=True)
    if os.environ.get("BENCH_HOLD"):   # kept open while a second process measures itself
        sys.stdin.read()
    return out


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _private_mb() -> float:
    """What the process holds that no other process shares (its own pages): what a second
    dashboard adds to the server's memory, where the interpreter's and libraries' pages are shared."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:])
    return sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty")) / 1024


def _run_probe(path: Path, saves: int, role: str, hold: bool = False) -> tuple[dict, subprocess.Popen | None]:
    args = [sys.executable, str(Path(__file__)), "--probe", str(path), "--saves", str(saves), "--role", role]
    env = {**os.environ, **({"BENCH_HOLD": "1"} if hold else {})}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise RuntimeError(f"probe failed on {path}")
    if not hold:
        proc.wait()
        return json.loads(line), None
    return json.loads(line), proc


def _git_read(path: Path) -> tuple[float, float]:
    """Seconds and resident MB of git reading every record of the tip."""
    start = time.perf_counter()
    out = subprocess.run(["bash", "-c", "git ls-tree -r main records | awk '{print $3}' | "
                          "/usr/bin/time -f '%M' git cat-file --batch > /dev/null"],
                         cwd=path, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, int(out.stderr.strip().splitlines()[-1]) / 1024


def _git_saves(path: Path, work: Path, rids: list[str]) -> list[float]:
    from store.core import canonical, ids

    clone = work / "git-clone"
    shutil.rmtree(clone, ignore_errors=True)
    sh("git", "clone", "-q", "--no-checkout", str(path), str(clone))
    sh("git", "read-tree", "HEAD", cwd=clone)
    times = []
    for n, rid in enumerate(rids):
        rel = record_path(clone, rid)
        record = json.loads(sh("git", "show", f"HEAD:{rel}", cwd=clone))
        record["notes"] = f"git {n}"
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        (clone / rel).write_bytes(canonical.dumps(record))
        start = time.perf_counter()
        sh("git", "add", rel, cwd=clone)
        sh("git", "commit", "-q", "--no-verify", "-m", f"visit: edit {rid}", cwd=clone)
        times.append(time.perf_counter() - start)
    shutil.rmtree(clone, ignore_errors=True)
    return times


def bench_size(report: Report, work: Path, n: int, saves: int = SAVES) -> dict:
    master = demo_ledger(work / f"ledger-{n}", n)
    path = work / f"scale-scratch-{n}"
    shutil.rmtree(path, ignore_errors=True)
    # (Its own refs and new objects, the generated ones read from the master: the saves change the
    # clone only, and a million files are not copied.)
    sh("git", "clone", "-q", "--bare", "--shared", str(master), str(path))
    size = f"{n // 1000}k"
    big = n >= 1_000_000
    from store import Ledger

    cache_dir = Ledger(path).cache_dir
    shutil.rmtree(cache_dir, ignore_errors=True)
    git_s, git_mb = _git_read(path)
    load = os.getloadavg()[0]
    cold, _ = _run_probe(path, 0, "cold")
    warm, holder = _run_probe(path, saves, "holder", hold=True)
    second, _ = _run_probe(path, 0, "second")
    holder.stdin.close()
    holder.wait()
    print(f"  (load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; the second dashboard "
          f"found the figures remembered: {second['remembered']}, showed them in {second['figures']:.2f} s)", flush=True)
    cache_mb = sum(f.stat().st_size for f in cache_dir.rglob("*") if f.is_file()) / 2**20
    report.add("open (no cache)", size, cold["open"], git_s, "ls-tree | cat-file --batch", "≤ 3 s at 1M",
               ok=cold["open"] <= 3 if big else None)
    report.add("open (cache)", size, warm["open"], git_s, "ls-tree | cat-file --batch", "≤ 0.5 s at 1M",
               ok=warm["open"] <= 0.5 if big else None)
    grep = statistics.median(
        _timed_sh(["git", "grep", "-c", "-e", f'"kind": "{KIND}"', "main", "--", "records/visit"], path) for _ in range(3))
    report.add(f"query visit kind+date ({warm['query_hits']} hits)", size, warm["query"], grep, "git grep kind",
               "≤ 100 ms at 1M", ok=warm["query"] <= 0.1 if big else None)
    year = dashboard_year()
    first, last = int(year[:4]), int(year[5:])
    year_grep = _timed_sh(["git", "grep", "-c", "-E", "-e", f'"date": "({first}-(09|1[0-2])|{last}-0[1-8])-',
                           "main", "--", "records/visit"], path)
    text_grep = _timed_sh(["git", "grep", "-c", "-e", TEXT, "main", "--", "records/visit"], path)
    listed = f"school year {year}: {warm['listed']} of {warm['visits']} activities"
    report.add(f"activities list opened, fresh cache (makes the index of their dates; {listed})", size,
               cold["list_first"], year_grep, "git grep the year's dates", "-")
    report.add(f"activities list opened ({listed}), wall", size, warm["list"], year_grep, "git grep the year's dates",
               "-")
    report.add("activities list opened, processor time", size, warm["list_cpu"], year_grep,
               "git grep the year's dates", "-")
    report.add(f"text filter, first keystroke on a fresh cache (answered before the text index is made: "
               f"{cold['unsearched']} activities not searched, said so)", size, cold["keystroke_first"],
               text_grep, "git grep text", "≤ 100 ms at 1M", ok=cold["keystroke_first"] <= 0.1 if big else None)
    report.add("text index of every activity made (in the background, the list usable)", size, cold["texts_made"],
               text_grep, "git grep text", "-")
    for key, when in (("keystroke_first", "first"), ("keystroke_later", "later")):
        hits = warm["text_hits_first" if when == "first" else "text_hits"]
        report.add(f"text filter of the list, {when} keystroke ({hits} hits), wall", size, warm[key], text_grep,
                   "git grep text", "≤ 100 ms at 1M", ok=warm[key] <= 0.1 if big else None)
        report.add(f"text filter of the list, {when} keystroke, processor time", size, warm[f"{key}_cpu"], text_grep,
                   "git grep text", "≤ 100 ms at 1M", ok=warm[f"{key}_cpu"] <= 0.1 if big else None)
    report.add(f"dashboard figures of the term ({warm['figures_plans']} plans), none remembered", size,
               warm["figures"], git_s, "ls-tree | cat-file --batch", "(in the first paint: ≤ 3 s without caches)")
    report.add(f"term picker ({warm['terms_n']} terms)", size, warm["terms"], git_s, "ls-tree | cat-file --batch", "-")
    git_saves = _git_saves(path, work, warm["saved"])
    git_save = statistics.median(git_saves)
    first, later = warm["saves"][0], statistics.median(warm["saves"][1:])
    report.add("save, first after opening", size, first, git_save, "git add && git commit", "≤ 0.05 of git",
               ok=first <= 0.05 * git_save if big else None)
    report.add("save, later", size, later, git_save, "git add && git commit", "≤ 0.05 of git",
               ok=later <= 0.05 * git_save if big else None)
    # Memory rows: MB written in the seconds column's place would mislead; they go in as MB / 1000.
    report.add("RSS MB/1000, process holding it open", size, warm["rss_mb"] / 1000, git_mb / 1000,
               "git cat-file --batch RSS", "≤ 300 MB at 1M", ok=warm["rss_mb"] <= 300 if big else None)
    report.add("RSS MB/1000, the holding process after working out the figures (with the list and its filter)", size, warm["rss_figures_mb"] / 1000,
               git_mb / 1000, "git cat-file --batch RSS", "≤ 300 MB at 1M",
               ok=warm["rss_figures_mb"] <= 300 if big else None)
    report.add("private MB/1000 (not shared with other processes), the holding process after the figures", size,
               warm["private_figures_mb"] / 1000, git_mb / 1000, "git cat-file --batch RSS", "-")
    report.add("RSS MB/1000, a second dashboard beside it (figures remembered)", size, second["rss_mb"] / 1000,
               git_mb / 1000, "git cat-file --batch RSS", "-")
    report.add("private MB/1000, a second dashboard beside it: what it adds", size, second["private_mb"] / 1000,
               git_mb / 1000, "git cat-file --batch RSS", "≤ 150 MB more at 1M",
               ok=second["private_mb"] <= 150 if big else None)
    report.add("index cache on disk MB/1000", size, cache_mb / 1000, _repo_mb(path) / 1000, "repository size",
               "-")
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(cache_dir, ignore_errors=True)
    return {"later_save": later}


def dashboard_year() -> str:
    """The school year of today's term: the one the dashboard's lists open on."""
    from store.figures import dashboard

    return dashboard.term_of(dt.date.today()).rsplit("-", 1)[0]


def _timed_sh(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, capture_output=True)
    return time.perf_counter() - start


def _repo_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,200000,500000,1000000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    parser.add_argument("--probe")
    parser.add_argument("--saves", type=int, default=SAVES)
    parser.add_argument("--role", default="holder")
    parser.add_argument("--name", default="scale")
    args = parser.parse_args()
    if args.probe:
        probe(Path(args.probe), args.saves, args.role)
        return
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report = Report(args.name)
    saves = {}
    for n in [int(x) for x in args.sizes.split(",")]:
        print(f"ledger of {n} records", flush=True)
        saves[n] = bench_size(report, work, n, args.saves)["later_save"]
    if len(saves) > 1:
        small, large = min(saves), max(saves)
        report.add(f"save flatness {small // 1000}k→{large // 1000}k", "ratio", saves[large], saves[small],
                   "the same save on the smallest ledger", "≤ 1.5×", ok=saves[large] <= 1.5 * saves[small])
    report.emit()


if __name__ == "__main__":
    main()
