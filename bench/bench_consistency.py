"""Two dashboards and a writer on one ledger stay consistent (issue 18, at a million records:
the test suite's check, tests/test_scale.py, is of store readers on a small ledger).

    .venv/bin/python bench/bench_consistency.py [--records 1000000] [--work /tmp/bangfu-bench]
        [--saves 10] [--every 2] [--json bench/consistency-1m-DATE.json]

On a `git clone --bare --shared` of the generated ledger (with a copy of its index cache: the
ledger itself is never written), two real dashboards (bench_tui.py's app, headless, each in a
process of its own) open on the home of the term of 2026-11-25. Once both show their figures, a
third process saves `--saves` new activities of one plan of that term, one every `--every`
seconds: each a copy of one of the plan's activities of the term (same plan, same date, a topic of
its own). What that does to the figures is known by hand: the plan's line 本学期已记录活动 K 条
grows by exactly one a save, and K itself is counted by git (every activity of the plan read
from the tree, those dated within the line's own dates counted), at the first tip and the last.

While the saves run, each dashboard samples its ledger's tip and the plan's line every 0.1 s. It
must hold that
- the tip only moves forward along the branch's history (the writer's commits in order, never
  back to an older one, never a commit the branch does not hold);
- the count shown never goes back, and never counts a save its ledger's tip does not hold yet.
Once the writer is done and each dashboard has settled (its tip the branch's, the poll's news
of it handled, no figures being worked out, and so for 3 s), it must hold that
- every line of the home's plans and aid panels (text, what Enter opens, and those records' ids)
  is the same as a fresh process working the figures out at the last tip makes them;
- the plan's line says git's count at the last tip, which is git's count at the first tip plus
  the saves, which is what each dashboard showed first plus the saves.
Any of these broken: the problems are printed and the command exits 1 (after the table).

At 100,000 records and more the home's figures are worked out in a process of their own and read
back (store/figures/overview.py `APART_FROM`): that is the path checked at a million.

Beside git: each dashboard's settling after the last save, beside git's read of the records the
saves changed (`diff-tree` of the first tip against the last, `cat-file` of their blobs); the
writer's saves, the first and the later ones; git's count of the plan's activities.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, Report, compile_project, demo_ledger
from bench_tui import SIZE, TODAY, _workings_out, bench_app, clean, settle

SAMPLE = 0.1        # seconds between a dashboard's samples
STEADY = 3.0        # seconds a dashboard stays settled before its lines are taken (3 polls)
BRANCH = "refs/heads/main"
LOGGED = re.compile(r"本学期已记录活动 (\d+) 条（(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d)）")


def git(path: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=path, check=True, capture_output=True, input=input).stdout


# -- what a home shows ------------------------------------------------------------------
def line_of(figure) -> dict:
    """A line of a panel as the user meets it: its text, the kind of record Enter opens, and those
    records (their number, and their ids as one digest: at a million records a line opens 100k)."""
    opened = [str(i) for i in (figure.ids or ())]
    return {"text": figure.prompt.plain, "opens": figure.record_type, "records": len(opened),
            "ids": hashlib.sha1("\n".join(opened).encode()).hexdigest()}


def logged_line(figures, plan: str) -> str | None:
    """The plan's 本学期已记录活动 line: the line after its title."""
    for n, figure in enumerate(figures[:-1]):
        if figure.record_type == "plan" and tuple(figure.ids or ()) == (plan,):
            return figures[n + 1].prompt.plain
    return None


def logged_count(text: str | None) -> int | None:
    found = LOGGED.search(text or "")
    return int(found.group(1)) if found else None


# -- children: a dashboard, the writer, a fresh working-out -----------------------------
def child_dashboard(path: str, plan: str, done_file: str, out: str) -> None:
    asyncio.run(_dashboard(Path(path), plan, Path(done_file), Path(out)))


async def _dashboard(path: Path, plan: str, done_file: Path, out: Path) -> None:
    from store import Ledger
    from tui.widgets.figure_list import FigureList

    clean()
    start = time.monotonic()
    app = bench_app()(Ledger(path), poll_interval=1.0)
    async with app.run_test(size=SIZE):
        await app.bench_dashboard.wait(timeout=1800)
        shown = time.monotonic() - start
        await app.workers.wait_for_complete()
        home = app.home
        plans = home.query_one("#plans", FigureList)
        aid = home.query_one("#aid", FigureList)
        first = logged_line(plans.figures, plan)
        print(json.dumps({"ready": True, "tip": app.ledger.tip, "line": first, "shown": shown}), flush=True)
        samples: list[tuple[float, str, int | None]] = []   # (seconds, tip, count shown): each change
        final: str | None = None
        steady_since = None
        deadline = time.monotonic() + 1800
        while True:
            tip, count = app.ledger.tip, logged_count(logged_line(plans.figures, plan))
            if not samples or samples[-1][1:] != (tip, count):
                samples.append((time.time(), tip, count))
            if final is None and done_file.exists():
                final = json.loads(done_file.read_text())["tip"]
            settled = (final is not None and tip == final and app._seen_tip == final and home._working is None
                       and not home._again and not _workings_out() and app.screen is home)
            if not settled:
                steady_since = None
            elif steady_since is None:
                steady_since = time.monotonic()
            elif time.monotonic() - steady_since >= STEADY:
                break
            if time.monotonic() > deadline:
                raise TimeoutError("the dashboard never settled at the branch's tip")
            await asyncio.sleep(SAMPLE)
        settled_at = time.time() - STEADY
        lines = {"plans": [line_of(f) for f in plans.figures], "aid": [line_of(f) for f in aid.figures]}
    settle()
    out.write_text(json.dumps({"first line": first, "samples": samples, "settled at": settled_at,
                               "lines": lines}, ensure_ascii=False))


def child_writer(path: str, template_id: str, saves: int, every: float, out: str) -> None:
    """Another coordinator with the ledger open saves `saves` new activities of the template's
    plan, on the template's date, one every `every` seconds."""
    from store import Ledger

    done = []
    with Ledger(Path(path)) as ledger:
        template = ledger.get(template_id)
        for n in range(saves):
            began = time.monotonic()
            record = {k: v for k, v in template.items() if k not in ("id", "notes")}
            record["topic"] = f"{template.get('topic', '')}（一致性检查 {n + 1}）"
            saved = ledger.put(record)
            done.append({"commit": saved.commit, "id": saved.id, "seconds": time.monotonic() - began, "at": time.time()})
            if n + 1 < saves:
                time.sleep(max(0.0, every - (time.monotonic() - began)))
    Path(out).write_text(json.dumps(done))


def child_fresh(path: str, term: str, out: str) -> None:
    """The home's lines as a fresh process works them out at the ledger's tip (nothing remembered
    read back), made as the home makes them (tui/screens/home.py `_figures`)."""
    from store import Ledger
    from store.figures import overview
    from tui.screens.home import aid_figures, plan_figures, unreadable_figures

    with Ledger(Path(path)) as ledger:
        tip = ledger.tip
        figures = overview.work_out(ledger, term, TODAY)
        plans = unreadable_figures(figures.unreadable) + plan_figures(figures.plans, term, figures.months)
        aid = aid_figures(figures.aid, figures.aid_months)
        Path(out).write_text(json.dumps({"tip": tip, "lines": {"plans": [line_of(f) for f in plans],
                                                               "aid": [line_of(f) for f in aid]}},
                                        ensure_ascii=False))


# -- by hand ------------------------------------------------------------------------------
def choose(path: Path) -> tuple[str, str, str]:
    """(term, plan, template activity): a plan of the term of TODAY with an activity in the term
    no later than TODAY, of a kind with no period of its own (a secondment counts school days)."""
    from store import Ledger
    from store.figures import dashboard

    term = dashboard.term_of(TODAY)
    start, end = dashboard.term_span(term)
    with Ledger(path) as ledger:
        with contextlib.closing(ledger.walk("plan")) as plans:
            active = dashboard.active_plans(plans, term, TODAY)
        for plan in active:
            period = plan.get("period") or {}
            first = max(start, dt.date.fromisoformat(period.get("start", start.isoformat())))
            last = min(end, TODAY, dt.date.fromisoformat(period.get("end", end.isoformat())))
            for visit in sorted(ledger.scan("visit", plan=plan["id"]), key=lambda v: v["id"]):
                if "secondment" not in visit and "donation" not in visit and \
                        first.isoformat() <= str(visit.get("date", "")) <= last.isoformat():
                    return term, plan["id"], visit["id"]
    raise SystemExit(f"no plan of {term} with an activity to copy in {path}")


def git_count(path: Path, commit: str, plan: str, first: str, last: str) -> int:
    """The plan's activities dated first..last at `commit`, read by git from the tree."""
    listed = subprocess.run(["git", "grep", "-l", "-F", f'"plan": "{plan}"', commit, "--", "records/visit"],
                            cwd=path, capture_output=True, check=False)
    if listed.returncode not in (0, 1):
        raise RuntimeError(listed.stderr.decode())
    names = listed.stdout.decode().split()
    if not names:
        return 0
    blobs = git(path, "cat-file", "--batch", input="\n".join(names).encode() + b"\n")
    count, at = 0, 0
    while at < len(blobs):
        head_end = blobs.index(b"\n", at)
        size = int(blobs[at:head_end].split()[2])
        record = json.loads(blobs[head_end + 1:head_end + 1 + size])
        at = head_end + 1 + size + 1
        if record.get("plan") == plan and first <= str(record.get("date", "")) <= last:
            count += 1
    return count


def git_read_changed(path: Path, old: str, new: str) -> int:
    """Git's read of the records changed between two commits: the changed paths, then their blobs."""
    changed = git(path, "diff-tree", "-r", "--no-renames", old, new, "--", "records").decode().splitlines()
    blobs = [line.split()[3] for line in changed if line.split()[3] != "0" * 40]
    git(path, "cat-file", "--batch", input="\n".join(blobs).encode() + b"\n")
    return len(blobs)


# -- the run ---------------------------------------------------------------------------------
def run(master: Path, saves: int, every: float) -> tuple[Report, dict, list[str]]:
    size = f"{master.name.rsplit('-', 1)[1]}"
    size = f"{int(size) // 1000}k" if int(size) < 1_000_000 else f"{int(size) // 1_000_000}M"
    here = Path(tempfile.mkdtemp(prefix=f"bangfu-consistency-{size}-"))   # (the master's folder is never written)
    clone = here / "ledger"
    subprocess.run(["git", "clone", "-q", "--bare", "--shared", str(master), str(clone)], check=True)
    if (master / "bangfu" / "index.sqlite").is_file():
        (clone / "bangfu").mkdir(exist_ok=True)
        shutil.copy2(master / "bangfu" / "index.sqlite", clone / "bangfu" / "index.sqlite")
    problems: list[str] = []
    report = Report("consistency")
    me = str(Path(__file__).resolve())
    env = {**os.environ, "BANGFU_LANG": "zh", "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="bangfu-bench-config-")}
    done_file = here / "writer-done.json"
    try:
        term, plan, template = choose(clone)
        first_tip = git(clone, "rev-parse", BRANCH).decode().strip()
        print(f"    term {term}, plan {plan}, the activity copied {template}, first tip {first_tip[:10]}", flush=True)
        started = time.monotonic()
        boards = [subprocess.Popen([sys.executable, me, "--child-dashboard", str(clone), plan, str(done_file),
                                    str(here / f"dashboard-{n}.json")], stdout=subprocess.PIPE, text=True, env=env)
                  for n in (1, 2)]
        ready = []
        for n, board in enumerate(boards, 1):
            line = board.stdout.readline()
            if not line:
                board.wait()
                raise SystemExit(f"dashboard {n} ended before it showed its figures (exit {board.returncode})")
            ready.append(json.loads(line))
        shown_first = [logged_count(r["line"]) for r in ready]
        dates = LOGGED.search(ready[0]["line"] or "")
        if dates is None:
            raise SystemExit(f"dashboard 1 shows no line of activities for {plan}: {ready[0]['line']!r}")
        window = dates.group(2), dates.group(3)
        print(f"    both dashboards show the figures ({time.monotonic() - started:.1f} s):"
              f" {[r['line'] for r in ready]}", flush=True)
        began = time.perf_counter()
        before = git_count(clone, first_tip, plan, *window)
        git_count_s = time.perf_counter() - began
        for n, r in enumerate(ready, 1):
            if r["tip"] != first_tip:
                problems.append(f"dashboard {n} opened at {r['tip']}, the branch was at {first_tip}")
            if shown_first[n - 1] != before:
                problems.append(f"dashboard {n} showed {r['line']!r} first; git counts {before} at {first_tip}")

        writer = subprocess.run([sys.executable, me, "--child-writer", str(clone), template, str(saves), str(every),
                                 str(here / "writer.json")], env=env, capture_output=True, text=True)
        if writer.returncode:
            raise SystemExit(f"the writer failed: {writer.stderr[-2000:]}")
        written = json.loads((here / "writer.json").read_text())
        last_tip = git(clone, "rev-parse", BRANCH).decode().strip()
        done_file.write_text(json.dumps({"tip": last_tip}))
        order = [first_tip, *(w["commit"] for w in written)]
        history = git(clone, "rev-list", "--reverse", f"{first_tip}..{last_tip}").decode().split()
        if history != order[1:] or last_tip != order[-1]:
            problems.append(f"the branch's history {history} is not the writer's commits {order[1:]}")
        last_save = written[-1]["at"]
        settled = {}
        for n, board in enumerate(boards, 1):
            try:
                code = board.wait(timeout=1800)
            except subprocess.TimeoutExpired:
                board.kill()
                raise SystemExit(f"dashboard {n} did not settle")
            if code:
                problems.append(f"dashboard {n} exited {code}")
            else:
                settled[n] = json.loads((here / f"dashboard-{n}.json").read_text())

        # Once both have settled: the fresh process and git's reads do not slow their settling.
        fresh_out = here / "fresh.json"
        subprocess.run([sys.executable, me, "--child-fresh", str(clone), term, str(fresh_out)], env=env, check=True)
        fresh = json.loads(fresh_out.read_text())
        if fresh["tip"] != last_tip:
            problems.append(f"the fresh process worked at {fresh['tip']}, not the last tip {last_tip}")
        began = time.perf_counter()
        after = git_count(clone, last_tip, plan, *window)
        git_count_s = min(git_count_s, time.perf_counter() - began)
        began = time.perf_counter()
        git_read_changed(clone, first_tip, last_tip)
        git_changed_s = time.perf_counter() - began
        if after != before + saves:
            problems.append(f"git counts {after} activities of {plan} at the last tip, {before} at the first:"
                            f" not {saves} more")
        fresh_line = logged_line_of(fresh["lines"]["plans"], plan)
        if logged_count(fresh_line) != after:
            problems.append(f"the fresh process shows {fresh_line!r}; git counts {after}")
        for n, got in settled.items():
            problems += check_dashboard(n, got, order, fresh["lines"], plan, shown_first[n - 1], after)
        boards_out = list(settled.values())
    finally:
        for board in locals().get("boards", []):
            if board.poll() is None:
                board.kill()
                board.wait()
        shutil.rmtree(env["XDG_CONFIG_HOME"], ignore_errors=True)
        shutil.rmtree(clone, ignore_errors=True)   # (what the children wrote stays beside it until all is well)

    save_times = [w["seconds"] for w in written]
    report.add("writer: first save of a new activity (its process opened the ledger)", size, save_times[0], None, "", "-")
    report.add(f"writer: later saves of a new activity (median of {len(save_times) - 1})", size,
               statistics.median(save_times[1:] or save_times), None, "", "-")
    for n, r in enumerate(ready, 1):
        report.add(f"dashboard {n}: ledger opened → the home's figures shown (both open together)", size,
                   r["shown"], None, "", "-")
    for n, got in settled.items():
        ok = not any(p.startswith(f"dashboard {n}") for p in problems)
        report.add(f"dashboard {n}: figures settled after the last save (lines = a fresh process's: "
                   f"{'yes' if ok else 'NO'})", size, got["settled at"] - last_save, git_changed_s,
                   "git reads the records the saves changed", "consistent", ok=ok)
    report.add("git: the plan's activities of the term counted by hand (grep + cat-file)", size, git_count_s, None,
               "", "-")
    facts = {"records": size, "saves": saves, "every_s": every, "term": term, "plan": plan, "template": template,
             "first_tip": first_tip, "last_tip": last_tip, "git_count_first": before, "git_count_last": after,
             "shown_first": shown_first, "shown_last": [logged_count(logged_line_of(b["lines"]["plans"], plan))
                                                        for b in boards_out],
             "tips_seen": [len({s[1] for s in b["samples"]}) for b in boards_out],
             "counts_seen": [sorted({s[2] for s in b["samples"] if s[2] is not None}) for b in boards_out],
             # when each dashboard's count changed, in seconds from the first save: the workings-out it showed
             "counts_shown_at": [[[round(at - written[0]["at"], 1), count] for k, (at, _tip, count) in
                                  enumerate(b["samples"]) if k == 0 or count != b["samples"][k - 1][2]]
                                 for b in boards_out],
             "saves_at": [round(w["at"] - written[0]["at"], 1) for w in written],
             "lines_compared": [len(b["lines"]["plans"]) + len(b["lines"]["aid"]) for b in boards_out]}
    if problems:
        print(f"    what the dashboards, the writer and the fresh process wrote: {here}", flush=True)
    else:
        shutil.rmtree(here, ignore_errors=True)
    return report, facts, problems


def logged_line_of(lines: list[dict], plan: str) -> str | None:
    """logged_line over lines taken as JSON (the plan's title line opens the plan alone)."""
    plan_digest = hashlib.sha1(plan.encode()).hexdigest()
    for n, line in enumerate(lines[:-1]):
        if line["opens"] == "plan" and line["records"] == 1 and line["ids"] == plan_digest:
            return lines[n + 1]["text"]
    return None


def check_dashboard(n: int, got: dict, order: list[str], fresh: dict, plan: str, first: int | None,
                    expected: int) -> list[str]:
    """What dashboard n showed against the writer's commits (`order`: the first tip, then each save's),
    the fresh process's lines and the count by hand."""
    problems = []
    where = {commit: k for k, commit in enumerate(order)}
    reached, shown = 0, None
    for at, tip, count in got["samples"]:
        when = time.strftime("%H:%M:%S", time.localtime(at)) + f".{int(at % 1 * 1000):03d}"
        if tip not in where:
            problems.append(f"dashboard {n} at {when}: its tip {tip} is none of the branch's commits {order}")
            continue
        if where[tip] < reached:
            problems.append(f"dashboard {n} at {when}: its tip went back from {order[reached]} (save {reached})"
                            f" to {tip} (save {where[tip]})")
        reached = max(reached, where[tip])
        if count is None:
            problems.append(f"dashboard {n} at {when}: no line of activities for {plan}")
            continue
        if shown is not None and count < shown:
            problems.append(f"dashboard {n} at {when}: the count shown went back from {shown} to {count}")
        if first is not None and count > first + where[tip]:
            problems.append(f"dashboard {n} at {when}: shows {count} activities at save {where[tip]} of its tip"
                            f" (at most {first + where[tip]})")
        shown = count if shown is None else max(shown, count)
    last = logged_count(logged_line_of(got["lines"]["plans"], plan))
    if last != expected:
        problems.append(f"dashboard {n} settled showing {last} activities of {plan}; by hand {expected}")
    for panel in ("plans", "aid"):
        mine, theirs = got["lines"][panel], fresh[panel]
        if mine != theirs:
            differ = [(k, a, b) for k, (a, b) in enumerate(zip(mine, theirs)) if a != b][:3]
            problems.append(f"dashboard {n}'s {panel} panel ({len(mine)} lines) differs from the fresh process's"
                            f" ({len(theirs)} lines), first at: {differ}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--work", default="/tmp/bangfu-bench")
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--every", type=float, default=2.0)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--child-dashboard", nargs=4)
    parser.add_argument("--child-writer", nargs=5)
    parser.add_argument("--child-fresh", nargs=3)
    args = parser.parse_args()
    if args.child_dashboard:
        return child_dashboard(*args.child_dashboard)
    if args.child_writer:
        path, template, saves, every, out = args.child_writer
        return child_writer(path, template, int(saves), float(every), out)
    if args.child_fresh:
        return child_fresh(*args.child_fresh)

    compile_project()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    master = demo_ledger(work / f"ledger-{args.records}", args.records)
    load_before = [round(x, 2) for x in os.getloadavg()]
    report, facts, problems = run(master, args.saves, args.every)
    report.emit(load_average_before=load_before, load_average_after=[round(x, 2) for x in os.getloadavg()],
                consistent=not problems, problems=problems, **facts)
    if args.json:
        shutil.copy(RESULTS / "consistency.json", args.json)
    if problems:
        print("\nINCONSISTENT:", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"\nconsistent: both dashboards settled on {facts['last_tip'][:10]} showing {facts['shown_last']}"
          f" activities of the plan (git: {facts['git_count_first']} + {args.saves} saves)")


if __name__ == "__main__":
    main()
