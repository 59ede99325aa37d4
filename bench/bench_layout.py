"""Record folder layouts: git's own cost of a sync, of reading every record and of moving to a
deeper layout, for the same ledger's records laid out in folders of one or two levels.

    nice .venv/bin/python bench/bench_layout.py [--records 1000000] [--layouts XX,XX/Y,XX/YY,XX/Y/Z]
                 [--repeat 2] [--changes 1000 --shared 100] [--work /tmp/bangfu-layout] [--bench /tmp/bangfu-bench]
    nice .venv/bin/python bench/bench_layout.py --records 1000 --changes 150 --shared 20 --repeat 3
    (the 1k ledger has 377 visits: 1,000 changes at each site do not fit)

Measurement for a design decision (issue 18): the store's layout is `records/<type>/XX/<id>.json`
(`store.core.ids.path_of`), XX the first two hex digits of sha1(id). At 1M records each XX folder of
visits holds about 1,560 entries, and every commit of 50 records rewrites about 48 of them: what a
push carries and `pack-objects` delta-compresses. A layout here is the digits of the same sha1(id)
taken level by level: `XX` (today), `XX/Y` (2 hex, then 1), `XX/YY` (2, then 2).

For each layout, with git's own commands only (git's floor: what Bangfu's sync cannot beat):
- the migration: the generated ledger's tip (`--bench`/ledger-N, a bare repository, never written)
  with every record moved to the layout, as one commit on top of its history, built with plumbing
  (`ls-tree -r` then a `fast-import` stream: no checkout), in a repository of its own sharing the
  ledger's objects; its time, the objects (trees) it adds and their bytes, and a `git push` of it
  into a hub still on the old layout (a shared clone of the ledger): the one-off price of the move;
- two sites' divergent histories as bench_sync.py makes them (1,000 visits changed at each site in
  commits of 50, 100 of them the same records: 50 in the same field, 50 in different ones), written
  as loose objects as Bangfu's saves write them (`fast-import`, then `unpack-objects`), untimed;
  the tree bytes each commit of 50 writes;
- timed, wall and processor (the git processes' own rusage): `git push` of the first site's 20
  commits into a bare hub and the bytes it sends, then the second site's sync: `git fetch`,
  `git merge-tree --write-tree` of the two tips (git's text merge: it stops on the 50 records changed
  in the same field), `commit-tree`, `git push` back;
- reading every record as opening without a cache does: `git ls-tree -r` of the tip alone, and piped
  into `git cat-file --batch`.

Every repository is a `git clone --bare --shared` or a new object folder under --work (removed at the
end); automatic gc is off in them so that it does not land inside a timed step, and an alternate
offers no refs (see `main`). Table on stdout,
JSON in bench/results/bench_layout-<records>.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from common import RESULTS, print_table

from store.core import canonical

LAYOUTS = {"XX": (2,), "XX/Y": (2, 1), "XX/YY": (2, 2), "XX/Y/Z": (2, 1, 1)}
BATCH = 50
WHEN = 1_765_000_000  # commit dates: fixed, so that the same run makes the same objects


def git(*args: str, cwd: Path, input: bytes | None = None) -> bytes:
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    if proc.returncode:
        raise RuntimeError(f"git {' '.join(args[:3])}… in {cwd}: {proc.stderr.decode(errors='replace')[-800:]}")
    return proc.stdout


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def measured(fn) -> tuple[float, float, object]:
    """(wall seconds, processor seconds of the processes fn waited for, fn's value)."""
    cpu0, wall0 = children_cpu(), time.perf_counter()
    value = fn()
    return time.perf_counter() - wall0, children_cpu() - cpu0, value


def shared_clone(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", "--shared", "--no-tags", str(source), str(target)], check=True)
    return target


def record_path(rid: str, digits: tuple[int, ...]) -> str:
    sha, at, folders = hashlib.sha1(rid.encode()).hexdigest(), 0, []
    for n in digits:
        folders.append(sha[at:at + n])
        at += n
    return f"records/{rid.split('-', 1)[0]}/{'/'.join(folders)}/{rid}.json"


def records_at(repo: Path, commit: str) -> list[tuple[str, str, str]]:
    """(mode, blob, record id) of every record at commit."""
    out = []
    for line in git("ls-tree", "-r", "-z", commit, "records", cwd=repo).split(b"\0"):
        if line:
            meta, path = line.split(b"\t", 1)
            mode, _, blob = meta.decode().split()
            out.append((mode, blob, path.decode().rsplit("/", 1)[1][:-len(".json")]))
    return out


def tree_sizes(repo: Path, shas: list[str]) -> list[int]:
    if not shas:
        return []
    out = git("cat-file", "--batch-check=%(objectsize)", cwd=repo, input="".join(s + "\n" for s in shas).encode())
    return [int(x) for x in out.split()]


def new_trees(repo: Path, new: str, old: str) -> list[str]:
    """The trees reachable from new and not from old: what a commit (or a run of them) adds."""
    out = git("rev-list", "--objects", "--no-object-names", new, f"^{old}", cwd=repo,).decode().split()
    kinds = git("cat-file", "--batch-check=%(objecttype)", cwd=repo, input="".join(s + "\n" for s in out).encode())
    return [s for s, k in zip(out, kinds.decode().split()) if k == "tree"]


def fast_import(repo: Path, stream: bytes, loose: bool) -> None:
    """Run a fast-import stream in repo; with loose, its pack is then unpacked into loose objects (as
    Bangfu's saves write them: a push must then delta-compress them, as it does after real saves)."""
    packs = repo / "objects" / "pack"
    before = set(packs.glob("*.pack"))
    git("fast-import", "--quiet", "--done", cwd=repo, input=stream)
    if loose:
        aside = repo.parent / f"{repo.name}-fast-import"
        shutil.rmtree(aside, ignore_errors=True)
        aside.mkdir()
        for pack in set(packs.glob("*.pack")) - before:
            for part in packs.glob(pack.stem + ".*"):
                part.rename(aside / part.name)
            with open(aside / pack.name, "rb") as f:
                subprocess.run(["git", "unpack-objects", "-q"], cwd=repo, stdin=f, check=True)
        shutil.rmtree(aside)


def _data(text: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(text), text)


def _commit(n: int, message: str, parent: str | None) -> bytes:
    return (b"commit refs/heads/main\ncommitter bench <bench@example.cn> %d +0000\n" % (WHEN + n)
            + _data(message.encode()) + (f"from {parent}\n".encode() if parent else b""))


def migrate(repo: Path, tip: str, digits: tuple[int, ...], name: str) -> dict:
    """The tip's records moved to the layout as one commit on top of tip, in repo (fast-import writes
    it as one pack, as a migration run once would be written and packed)."""
    def build() -> None:
        records = records_at(repo, tip)
        lines = [f"M {mode} {blob} {record_path(rid, digits)}\n" for mode, blob, rid in records]
        fast_import(repo, _commit(0, f"layout: records in {name} folders", tip) + b"D records\n"
                    + "".join(lines).encode() + b"\ndone\n", loose=False)
    wall0, self0 = time.perf_counter(), time.process_time()
    wall, cpu, _ = measured(build)
    commit = git("rev-parse", "main", cwd=repo).decode().strip()
    trees = new_trees(repo, commit, tip)
    return {"commit": commit, "build_wall_s": time.perf_counter() - wall0,
            "build_cpu_s": cpu + time.process_time() - self0, "fast_import_wall_s": wall,
            "objects_added": len(trees) + 1, "trees_added": len(trees), "tree_bytes_added": sum(tree_sizes(repo, trees))}


def site_history(repo: Path, base: str, plan: list[tuple[str, str, str]], digits: tuple[int, ...], first: int) -> list[str]:
    """(record id, field, value) edits committed BATCH at a time on top of base, as loose objects;
    the commits, oldest first."""
    paths = [record_path(rid, digits) for rid, _, _ in plan]
    docs = read_records(repo, base, paths)
    stream = []
    for start in range(0, len(plan), BATCH):
        stream.append(_commit(first + start, f"visit: edit {min(BATCH, len(plan) - start)} records",
                              base if start == 0 else None))
        for (rid, field, value), path in zip(plan[start:start + BATCH], paths[start:start + BATCH]):
            doc = docs[path]
            doc[field] = value
            stream.append(f"M 100644 inline {path}\n".encode() + _data(canonical.dumps(doc)))
        stream.append(b"\n")
    fast_import(repo, b"".join(stream) + b"done\n", loose=True)
    return git("rev-list", "--reverse", "main", f"^{base}", cwd=repo).decode().split()


def read_records(repo: Path, commit: str, paths: list[str]) -> dict[str, dict]:
    out = git("cat-file", "--batch", cwd=repo, input="".join(f"{commit}:{p}\n" for p in paths).encode())
    docs, at = {}, 0
    for path in paths:
        head_end = out.index(b"\n", at)
        size = int(out[at:head_end].split()[2])
        docs[path] = json.loads(out[head_end + 1:head_end + 1 + size])
        at = head_end + 1 + size + 1
    return docs


def commit_trees(repo: Path, commits: list[str]) -> list[tuple[int, int]]:
    """(trees written, their bytes) by each commit."""
    out = []
    for commit in commits:
        lines = git("diff-tree", "-r", "-t", "--no-commit-id", commit + "^", commit, cwd=repo).decode().splitlines()
        trees = [line.split()[3] for line in lines if line.split()[1] == "040000"]
        out.append((len(trees), sum(tree_sizes(repo, trees))))
    return out


def pushed_bytes(stderr: str) -> int | None:
    """The bytes a push wrote, from its progress ("Writing objects: 100% (n/n), 1.23 MiB | …")."""
    import re

    found = re.findall(r"Writing objects: 100% \(\d+/\d+\), ([\d.]+) (bytes|KiB|MiB|GiB)", stderr)
    if not found:
        return None
    value, unit = found[-1]
    return round(float(value) * {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit])


def push(repo: Path, to: Path, ref: str = "main") -> tuple[float, float, int | None]:
    def run() -> str:
        proc = subprocess.run(["git", "push", "--progress", str(to), ref], cwd=repo, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(proc.stderr[-800:])
        return proc.stderr
    wall, cpu, stderr = measured(run)
    return wall, cpu, pushed_bytes(stderr)


def read_every_record(repo: Path, commit: str) -> dict:
    ls = measured(lambda: subprocess.run(["git", "ls-tree", "-r", "--object-only", commit, "records"], cwd=repo,
                                         stdout=subprocess.DEVNULL, check=True))
    both = measured(lambda: subprocess.run(
        f"git ls-tree -r --object-only {commit} records | git cat-file --batch > /dev/null", shell=True, cwd=repo,
        check=True))
    return {"ls_tree_wall_s": ls[0], "ls_tree_cpu_s": ls[1], "read_all_wall_s": both[0], "read_all_cpu_s": both[1]}


def folder_sizes(repo: Path, commit: str, digits: tuple[int, ...], visits: list[str]) -> dict:
    """The visits' folders, level by level: how many, their mean entries and bytes (what a commit
    rewrites for each record it changes)."""
    sizes = {}
    for level in range(len(digits) + 1):
        children: dict[str, set] = {}
        for rid in visits:
            parts = record_path(rid, digits).split("/")  # records, visit, folders…, file
            children.setdefault("/".join(parts[:2 + level]), set()).add(parts[2 + level])
        folders = sorted(children)
        sample = folders[::max(1, len(folders) // 1024)]
        nbytes = [int(x) for x in git("cat-file", "--batch-check=%(objectsize)", cwd=repo, input="".join(
            f"{commit}:{f}\n" for f in sample).encode()).split()]
        sizes[f"level {level}"] = {"folders": len(folders),
                                   "mean_entries": round(statistics.mean(len(c) for c in children.values()), 1),
                                   "mean_bytes": round(statistics.mean(nbytes))}
    return sizes


def sync_once(run_dir: Path, origin: Path, a0: Path, b0: Path) -> dict:
    """git's own sync of the two sites' histories through a fresh hub: B pushes, A fetches, merges
    with merge-tree, commits and pushes back."""
    hub = shared_clone(origin, run_dir / "hub")
    a, b = run_dir / "a", run_dir / "b"
    for site, copy in ((a0, a), (b0, b)):
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(site, copy, symlinks=True)
    out: dict = {}
    out["push_wall_s"], out["push_cpu_s"], out["push_bytes"] = push(b, hub)
    (a / "info").mkdir(exist_ok=True)
    (a / "info" / "attributes").write_text("* merge\n")  # git's built-in text merge
    fetched = measured(lambda: git("fetch", "-q", str(hub), "main:refs/heads/theirs", cwd=a))
    merged = measured(lambda: subprocess.run(["git", "merge-tree", "--write-tree", "--name-only", "main", "theirs"],
                                             cwd=a, capture_output=True, text=True).stdout)
    tree, *unmerged = [line for line in merged[2].split("\n\n")[0].splitlines() if line]
    commit = measured(lambda: git("update-ref", "refs/heads/main", git(
        "commit-tree", tree, "-p", "main", "-p", "theirs", "-m", "merge", cwd=a).decode().strip(), cwd=a))
    back = push(a, hub)
    out.update({"fetch_wall_s": fetched[0], "fetch_cpu_s": fetched[1], "merge_tree_wall_s": merged[0],
                "merge_tree_cpu_s": merged[1], "unmerged": len(unmerged), "commit_wall_s": commit[0],
                "commit_cpu_s": commit[1], "push_back_wall_s": back[0], "push_back_cpu_s": back[1],
                "push_back_bytes": back[2]})
    out["sync_wall_s"] = sum(out[f"{k}_wall_s"] for k in ("fetch", "merge_tree", "commit", "push_back"))
    out["sync_cpu_s"] = sum(out[f"{k}_cpu_s"] for k in ("fetch", "merge_tree", "commit", "push_back"))
    for repo in (hub, a, b):
        shutil.rmtree(repo)
    return out


def run_layout(name: str, ledger: Path, tip: str, work: Path, changes: int, shared: int, repeat: int) -> dict:
    digits = LAYOUTS[name]
    folder = work / name.replace("/", "-")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    load = os.getloadavg()
    print(f"\n{name}: migration commit…", flush=True)
    origin = shared_clone(ledger, folder / "origin")
    migration = migrate(origin, tip, digits, name)
    m = migration["commit"]
    old_hub = shared_clone(ledger, folder / "old-hub")
    migration["push_to_old_hub_wall_s"], migration["push_to_old_hub_cpu_s"], migration["push_to_old_hub_bytes"] = \
        push(origin, old_hub)
    shutil.rmtree(old_hub)
    print(f"  {migration}", flush=True)

    visits = sorted(rid for _, _, rid in records_at(origin, m) if rid.startswith("visit-"))
    own = changes - shared
    mine_only, both, theirs_only = visits[:own], visits[own:own + shared], visits[own + shared:own + shared + own]
    half = shared // 2
    a0, b0 = shared_clone(origin, folder / "a0"), shared_clone(origin, folder / "b0")
    a_commits = site_history(a0, m, [(r, "notes", f"甲站修改 {r[-6:]}") for r in mine_only + both], digits, 1)
    b_commits = site_history(b0, m, [(r, "notes", f"乙站修改 {r[-6:]}") for r in theirs_only + both[:half]]
                             + [(r, "topic", f"乙站的主题 {r[-6:]}") for r in both[half:]], digits, 10_000)
    written = commit_trees(b0, b_commits)
    print(f"  sites: {len(a_commits)} and {len(b_commits)} commits; trees per commit "
          f"{statistics.mean(t for t, _ in written):.0f}, {statistics.mean(b for _, b in written) / 1024:.0f} KiB",
          flush=True)

    runs = []
    for n in range(repeat):
        runs.append(sync_once(folder, origin, a0, b0))
        print(f"  sync {n + 1}: {runs[-1]}", flush=True)
    sync = {k: (statistics.median(r[k] for r in runs) if not isinstance(runs[0][k], (type(None),)) else None)
            for k in runs[0]}
    reads = [read_every_record(origin, m) for _ in range(repeat)]
    read = {k: statistics.median(r[k] for r in reads) for k in reads[0]}
    print(f"  read: {read}", flush=True)
    out = {"layout": name, "digits": list(digits), "load_before": [round(x, 2) for x in load],
           "folders": folder_sizes(origin, m, digits, visits), "migration": migration,
           "per_commit": {"commits": len(written), "trees_mean": statistics.mean(t for t, _ in written),
                          "tree_bytes_mean": statistics.mean(b for _, b in written)},
           "sync": sync, "sync_runs": runs, "read": read, "load_after": [round(x, 2) for x in os.getloadavg()]}
    shutil.rmtree(folder)
    return out


def leaf_entries(result: dict) -> float:
    return result["folders"][f"level {len(result['digits'])}"]["mean_entries"]


def _s(wall: float, cpu: float) -> str:
    if wall < 1:
        return f"{wall * 1000:.0f} ms ({cpu * 1000:.0f})"
    return f"{wall:.2f} s ({cpu:.2f})"


def _mib(n: int | None) -> str:
    if n is None:
        return "?"
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def emit(results: list[dict], about: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"bench": "bench_layout", "when": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": os.uname().nodename,
               "cores": os.cpu_count(), "git": git("version", cwd=Path("/")).decode().strip(), **about,
               "layouts": results}
    tables(payload)
    path = RESULTS / f"bench_layout-{about['records']}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
    print(f"\nJSON: {path}")


def tables(payload: dict) -> None:
    results = payload["layouts"]
    print(f"\n{payload['records']:,} records; git's own commands; wall (CPU of the git processes)")
    print_table(["layout", "visit leaf folder entries", "trees / KiB per commit of 50",
                 "B pushes", "its pack", "fetch", "merge-tree", "commit", "push back",
                 "A's sync (fetch+merge+commit+push)", "unmerged"],
                [[r["layout"], f'{leaf_entries(r):.0f}',
                  f'{r["per_commit"]["trees_mean"]:.0f} / {r["per_commit"]["tree_bytes_mean"] / 1024:.0f}',
                  _s(s["push_wall_s"], s["push_cpu_s"]), _mib(s["push_bytes"]),
                  _s(s["fetch_wall_s"], s["fetch_cpu_s"]), _s(s["merge_tree_wall_s"], s["merge_tree_cpu_s"]),
                  _s(s["commit_wall_s"], s["commit_cpu_s"]), _s(s["push_back_wall_s"], s["push_back_cpu_s"]),
                  _s(s["sync_wall_s"], s["sync_cpu_s"]), int(s["unmerged"])]
                 for r in results for s in [r["sync"]]])
    print("\nreading every record, and the migration commit (once per ledger)")
    print_table(["layout", "ls-tree -r", "ls-tree -r | cat-file --batch", "migration: build",
                 "trees added", "their bytes", "its push to an old-layout hub", "its pack"],
                [[r["layout"], _s(r["read"]["ls_tree_wall_s"], r["read"]["ls_tree_cpu_s"]),
                  _s(r["read"]["read_all_wall_s"], r["read"]["read_all_cpu_s"]),
                  _s(m["build_wall_s"], m["build_cpu_s"]), m["trees_added"], _mib(m["tree_bytes_added"]),
                  _s(m["push_to_old_hub_wall_s"], m["push_to_old_hub_cpu_s"]), _mib(m["push_to_old_hub_bytes"])]
                 for r in results for m in [r["migration"]]])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument("--shared", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--bench", type=Path, default=Path("/tmp/bangfu-bench"), help="where the generated ledgers are")
    ap.add_argument("--work", type=Path, default=Path("/tmp/bangfu-layout"))
    ap.add_argument("--table", type=Path, help="print the tables of a JSON this bench wrote, and stop")
    opts = ap.parse_args()
    if opts.table:
        tables(json.loads(opts.table.read_text()))
        return
    ledger = opts.bench / f"ledger-{opts.records}"
    if not (ledger / "HEAD").exists():
        raise SystemExit(f"no ledger at {ledger}: make it with bench_sync.py or bench_scale.py --records {opts.records}")
    work = opts.work / str(opts.records)
    work.mkdir(parents=True, exist_ok=True)
    gitconfig = opts.work / "gitconfig"
    # The copies share the ledger's objects through alternates, and git takes an alternate's refs
    # for history the repository has: every push, fetch and connectivity check would then walk the
    # ledger's tip (the old layout, every record at another path) against the new layout's trees,
    # seconds no hub or site pays. alternateRefsCommand = true: an alternate offers no refs.
    gitconfig.write_text("[user]\n\tname = bench\n\temail = bench@example.cn\n[gc]\n\tauto = 0\n"
                         "[receive]\n\tautogc = false\n[maintenance]\n\tauto = false\n"
                         "[core]\n\talternateRefsCommand = true\n")
    os.environ.update({"GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1"})
    tip = git("rev-parse", "main", cwd=ledger).decode().strip()
    visits = len(git("ls-tree", "-r", "--name-only", tip, "records/visit", cwd=ledger).splitlines())
    if visits < 2 * opts.changes - opts.shared:
        raise SystemExit(f"{visits} visits: too few for {opts.changes} changes at each site, {opts.shared} shared")
    started, load = time.time(), os.getloadavg()
    results = [run_layout(name, ledger, tip, work, opts.changes, opts.shared, opts.repeat)
               for name in opts.layouts.split(",")]
    emit(results, {"records": opts.records, "ledger": str(ledger), "tip": tip, "changes": opts.changes,
                   "shared": opts.shared, "repeat": opts.repeat, "load_before": [round(x, 2) for x in load],
                   "load_after": [round(x, 2) for x in os.getloadavg()], "seconds": round(time.time() - started)})
    print(f"(total {time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
