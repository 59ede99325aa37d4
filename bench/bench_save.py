"""Saving one record at 1k and at 1M records, beside git's own save of the same record (issue 18:
at most 0.05 of `git add && git commit`, and within 1.5× of the same save at 1k).

    nice .venv/bin/python bench/bench_save.py [--sizes 1000,1000000] [--work /tmp/bangfu-bench]
        [--saves 20] [--rounds 3] [--code LABEL=OTHER_CHECKOUT ...] [--json bench/save-DATE.json]

The ledgers are the generator's (`bangfu demo --records N`, cached under --work as bench_scale.py
makes them) and are never written: the saves go to a `git clone --bare --shared` of each with a
copy of its index cache. Each probe is a fresh process that opens the ledger with the cache and
readies what the dashboard readies (the preload), saves one record (the first save after opening)
and then --saves others (the later saves), each in a folder of its own, other records each probe.
Each save is timed by the process's CPU and by the wall clock (the wall is the machine's: on a
shared machine it is stretched by whatever else runs). Git's save is `git add && git commit` of
the same records in a clone whose index holds every file (as a checkout has it), its CPU git's own
(the children's). --code names other checkouts of the project (main, say) measured in turn with
this one, every size and code once per round, so that all are measured in the same minutes.

    nice .venv/bin/python bench/bench_save.py --steps [--sizes ...] [--code ...]

says where a later save's time goes instead: each step's CPU and wall per save (the rules' checks,
the blob, the trees above the record and, within them, reading from the pack and writing loose
objects, the commit, the compare-and-swap, the index), the methods timed from outside.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, demo_ledger, print_table, record_path, sh

STRIDE = 7919   # (a prime: the records a probe saves lie in different folders)


def probe(path: Path, saves: int, seed: int) -> None:
    """In a process of its own, run from the checkout measured: the first save, then the later ones."""
    sys.path.insert(0, os.getcwd())
    from store import Ledger

    ledger = Ledger(path)
    ledger.count()
    ledger.preload().join()   # (as the dashboard does once it has opened the ledger)
    visits = ledger.index.ids("visit")
    chosen = [visits[(seed + k * STRIDE) % len(visits)] for k in range(saves + 1)]
    times = []
    for rid in chosen:
        record = ledger.get(rid)
        record["notes"] = f"bench {time.time()}"
        base = ledger.version(rid)
        cpu, wall = time.process_time(), time.perf_counter()
        ledger.put(record, base=base)
        times.append((time.process_time() - cpu, time.perf_counter() - wall))
    rss = next(int(line.split()[1]) / 1024 for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    print(json.dumps({"first": times[0], "later": times[1:], "saved": chosen, "rss_mb": rss}), flush=True)


STEPS = [("Ledger", "_prepare", "the rules' checks, sealing, the record serialised"),
         ("GitStore", "write_blobs", "the record's blob"),
         ("GitStore", "write_tree", "the trees above the record"),
         ("GitStore", "read", "  within them: read from the pack (`git cat-file`)"),
         ("GitStore", "write", "  every loose object written (blob, trees, commit)"),
         ("GitStore", "make_commit", "the commit"),
         ("GitStore", "swap_ref", "the compare-and-swap of the branch"),
         ("Ledger", "_after_commit", "the index moved (SQLite)"),
         ("Ledger", "commit", "the whole save")]


def steps(path: Path, saves: int, seed: int) -> None:
    """In a process of its own: the later saves with each step's CPU and wall added up."""
    import functools

    sys.path.insert(0, os.getcwd())
    from store import Ledger
    from store.ledger.gitstore import GitStore

    spent: dict[str, list[float]] = {}
    inside: set[str] = set()

    def timed(cls, name: str, label: str) -> None:
        method = getattr(cls, name)

        @functools.wraps(method)
        def wrapper(*args, **kwargs):
            if label in inside:   # (write_tree calls itself: its outermost call counts)
                return method(*args, **kwargs)
            inside.add(label)
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                inside.discard(label)
                total = spent.setdefault(label, [0.0, 0.0])
                total[0] += time.process_time() - cpu
                total[1] += time.perf_counter() - wall
        setattr(cls, name, wrapper)

    for owner, name, label in STEPS:
        timed({"Ledger": Ledger, "GitStore": GitStore}[owner], name, label)
    ledger = Ledger(path)
    ledger.count()
    ledger.preload().join()
    visits = ledger.index.ids("visit")
    chosen = [visits[(seed + k * STRIDE) % len(visits)] for k in range(saves + 1)]
    for n, rid in enumerate(chosen):
        if n == 1:
            spent.clear()   # (the first save is not a later one)
        record = ledger.get(rid)
        record["notes"] = f"bench {time.time()}"
        ledger.put(record, base=ledger.version(rid))
    print(json.dumps({label: [cpu / saves, wall / saves] for label, (cpu, wall) in spent.items()}), flush=True)


def _run_probe(code: Path, path: Path, saves: int, seed: int, mode: str = "--probe") -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), mode, str(path), "--saves", str(saves),
                          "--seed", str(seed)], cwd=code, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"probe failed in {code}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _scratch(master: Path, work: Path, n: int) -> Path:
    """A clone sharing the ledger's objects, with a copy of its index cache: saves change neither."""
    from store import Ledger

    scratch = work / f"save-scratch-{n}"
    shutil.rmtree(scratch, ignore_errors=True)
    sh("git", "clone", "-q", "--bare", "--shared", str(master), str(scratch))
    cache = Ledger(master).cache_dir / "index.sqlite"
    target = Ledger(scratch).cache_dir
    target.mkdir(parents=True, exist_ok=True)
    if cache.exists():
        shutil.copyfile(cache, target / "index.sqlite")
    else:   # (made here once: opening without a cache is bench_scale.py's figure, not this one's)
        Ledger(scratch).count()
    return scratch


def _git_clone(master: Path, work: Path, n: int) -> Path:
    clone = work / f"save-git-{n}"
    shutil.rmtree(clone, ignore_errors=True)
    sh("git", "clone", "-q", "--shared", "--no-checkout", str(master), str(clone))
    sh("git", "read-tree", "HEAD", cwd=clone)   # (the index of every file a checkout would have)
    return clone


def _git_saves(clone: Path, rids: list[str]) -> list[tuple[float, float]]:
    """(git's CPU, wall) of `git add && git commit` of each record, edited as the probe edits it."""
    from store.core import canonical, ids

    times = []
    for rid in rids:
        rel = record_path(clone, rid)
        record = json.loads(sh("git", "show", f"HEAD:{rel}", cwd=clone))
        record["notes"] = f"git {time.time()}"
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        (clone / rel).write_bytes(canonical.dumps(record))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        sh("git", "add", rel, cwd=clone)
        sh("git", "commit", "-q", "--no-verify", "-m", f"visit: edit {rid}", cwd=clone)
        wall = time.perf_counter() - wall
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall))
    return times


def _steps(scratch: dict, sizes: list[int], codes: list[Path], names: dict, args) -> None:
    """Each step's CPU / wall per later save, per size and code, medians over the rounds."""
    found: dict[tuple[int, Path], list[dict]] = {}
    seed = 0
    for round_ in range(args.rounds):
        for n in sizes:
            for code in (codes if round_ % 2 == 0 else codes[::-1]):
                seed += 131
                found.setdefault((n, code), []).append(_run_probe(code, scratch[n], args.saves, seed, "--steps"))
    for n in sizes:
        shutil.rmtree(scratch[n], ignore_errors=True)
    columns = [(n, code) for code in codes for n in sizes]
    head = ["step (ms per later save, CPU / wall)", *(f"{names[c]} {n:,}" for n, c in columns)]
    lines = []
    for _owner, _name, label in STEPS:
        cells = []
        for column in columns:
            runs = [r[label] for r in found[column] if label in r]
            cells.append(f"{statistics.median(r[0] for r in runs) * 1000:.2f} / "
                         f"{statistics.median(r[1] for r in runs) * 1000:.2f}" if runs else "")
        lines.append([label, *cells])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
    for k, line in enumerate([head, *lines]):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths)))
        if k == 0:
            print("  ".join("-" * w for w in widths))
    print("\nJSON:", json.dumps({f"{names[c]} {n}": found[(n, c)] for n, c in columns}, ensure_ascii=False))


def _rounded(value):
    """Seconds to the microsecond (what the clocks tell on this machine), the rest as it is."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _median(pairs: list) -> tuple[float, float]:
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--git-saves", type=int, default=3, help="git's saves per size and round")
    parser.add_argument("--code", action="append", default=[],
                        help="another checkout to measure in turn, as LABEL=PATH (main=/tmp/main, say)")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "save.json"))
    parser.add_argument("--steps", nargs="?", const="", default=None,
                        help="where a later save's time goes, step by step (no git figure)")
    parser.add_argument("--probe")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.probe:
        probe(Path(args.probe), args.saves, args.seed)
        return
    if args.steps:   # (a probe of the steps, in its own process)
        steps(Path(args.steps), args.saves, args.seed)
        return
    work = Path(args.work)
    sizes = [int(x) for x in args.sizes.split(",")]
    others = [c.partition("=")[::2] if "=" in c else (c, c) for c in args.code]
    codes = [ROOT, *(Path(path).resolve() for _label, path in others)]
    names = {ROOT: "this checkout", **{Path(path).resolve(): label for label, path in others}}
    for code in codes:
        sh(sys.executable, "-c", "import compileall; [compileall.compile_dir(p, quiet=1) for p in ('store', 'bangfu')]",
           cwd=code)   # (a save measured in a fresh process would otherwise include compiling our modules)
    masters = {n: demo_ledger(work / f"ledger-{n}", n) for n in sizes}
    scratch = {n: _scratch(masters[n], work, n) for n in sizes}
    if args.steps is not None:
        _steps(scratch, sizes, codes, names, args)
        return
    clones = {n: _git_clone(masters[n], work, n) for n in sizes}
    runs: list[dict] = []
    git_runs: list[dict] = []
    seed = 0
    for round_ in range(args.rounds):
        for n in sizes:
            for code in (codes if round_ % 2 == 0 else codes[::-1]):
                seed += 131
                load = os.getloadavg()[0]
                out = _run_probe(code, scratch[n], args.saves, seed)
                runs.append({"round": round_, "records": n, "code": names[code], "load": round(load, 2),
                             "first": out["first"], "later": out["later"], "rss_mb": out["rss_mb"]})
                later = _median(out["later"])
                print(f"  {n:>9,} {names[code]:<16} load {load:4.1f}  first {out['first'][0] * 1000:6.1f} ms CPU"
                      f" {out['first'][1] * 1000:6.1f} ms wall   later {later[0] * 1000:5.2f} ms CPU"
                      f" {later[1] * 1000:5.2f} ms wall", flush=True)
                if code == ROOT:
                    load = os.getloadavg()[0]
                    saved = _git_saves(clones[n], out["saved"][:args.git_saves])
                    git_runs.append({"round": round_, "records": n, "load": round(load, 2), "saves": saved})
                    g = _median(saved)
                    print(f"  {n:>9,} {'git add+commit':<16} load {load:4.1f}  {g[0] * 1000:.0f} ms CPU"
                          f" {g[1] * 1000:.0f} ms wall", flush=True)
    for n in sizes:
        shutil.rmtree(scratch[n], ignore_errors=True)
        shutil.rmtree(clones[n], ignore_errors=True)
    rows = _summary(runs, git_runs, sizes, [names[c] for c in codes])
    payload = {"bench": "save", "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": os.uname().nodename,
               "cores": os.cpu_count(), "saves_per_probe": args.saves, "rows": rows, "runs": runs, "git": git_runs}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(_rounded(payload), ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"\nJSON: {args.json}")


def _summary(runs: list[dict], git_runs: list[dict], sizes: list[int], codes: list[str]) -> list[dict]:
    """One row per size and code: medians over every probe of it (the first save of each probe,
    the later saves of all), git's save in the same run, the ratios the issue sets."""
    rows = []
    for code in codes:
        for n in sizes:
            mine = [r for r in runs if r["records"] == n and r["code"] == code]
            gits = [s for r in git_runs if r["records"] == n for s in r["saves"]]
            first = _median([r["first"] for r in mine])
            later = _median([t for r in mine for t in r["later"]])
            git = _median(gits)
            rows.append({"records": n, "code": code, "first_cpu_ms": first[0] * 1000, "first_wall_ms": first[1] * 1000,
                         "later_cpu_ms": later[0] * 1000, "later_wall_ms": later[1] * 1000,
                         "git_cpu_ms": git[0] * 1000, "git_wall_ms": git[1] * 1000,
                         "load": [min(r["load"] for r in mine), max(r["load"] for r in mine)],
                         "rss_mb": max(r["rss_mb"] for r in mine)})
    for row in rows:
        small = next(r for r in rows if r["code"] == row["code"] and r["records"] == min(sizes))
        row["later_to_git_wall"] = row["later_wall_ms"] / row["git_wall_ms"]
        row["first_to_git_wall"] = row["first_wall_ms"] / row["git_wall_ms"]
        row["later_to_small_cpu"] = row["later_cpu_ms"] / small["later_cpu_ms"]
        row["later_to_small_wall"] = row["later_wall_ms"] / small["later_wall_ms"]
    head = ["records", "code", "load", "first CPU / wall ms", "later CPU / wall ms", "git CPU / wall ms",
            "first ÷ git", "later ÷ git", f"later ÷ {min(sizes) // 1000}k CPU / wall"]
    lines = [[f"{r['records']:,}", r["code"], f"{r['load'][0]:.1f}–{r['load'][1]:.1f}",
              f"{r['first_cpu_ms']:.1f} / {r['first_wall_ms']:.1f}", f"{r['later_cpu_ms']:.2f} / {r['later_wall_ms']:.2f}",
              f"{r['git_cpu_ms']:.0f} / {r['git_wall_ms']:.0f}", f"{r['first_to_git_wall']:.4f}",
              f"{r['later_to_git_wall']:.4f}", f"{r['later_to_small_cpu']:.2f}× / {r['later_to_small_wall']:.2f}×"]
             for r in rows]
    print_table(head, lines)
    return rows


if __name__ == "__main__":
    main()
