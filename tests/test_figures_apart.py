"""The term's figures of a large ledger worked out in a process of their own (store/figures/apart.py)
and read back by the dashboard, and the lists of ids the figures hold compactly (store/core/ids.py
`IdTable`). The figures are those of tests/test_dashboard.py's small ledger (today 2026-11-25, term
2026-2027-1), whose numbers were worked out by hand there."""
from __future__ import annotations

import datetime as dt
import os
import pickle
from pathlib import Path

import pytest

from store import Ledger
from store.core import ids
from store.figures import overview
from store.ledger.ledger import Superseded
from tests.test_dashboard import TERM, TODAY, small  # noqa: F401  (the small ledger, a fixture)


def _children() -> list[str]:
    """The processes working figures out apart that this one started and that are still running."""
    out = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                if b"store.figures.apart" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    out.append(pid)
            except OSError:
                pass
    return out


def _waiting_on(lock: Path) -> bool:
    """Whether a process waits for the lock on this file (a blocked lock, `->` in /proc/locks)."""
    inode = f":{lock.stat().st_ino} "
    return any(line.split(":", 1)[1].lstrip().startswith("->") and inode in line
               for line in Path("/proc/locks").read_text().splitlines())


def _hand_counted(figures: overview.TermFigures, small: dict) -> None:
    """The small ledger's figures, as counted by hand in tests/test_dashboard.py."""
    aid = figures.aid
    assert aid.by_status == {"在册": (small["st1"],), "脱贫保留": (small["st2"],), "已脱贫": (),
                             "已退出": (small["st3"],), "未认定": tuple(sorted((small["st4"], small["st5"])))}
    assert aid.by_group == {"建档立卡": (small["st1"],), "低保": (small["st2"],), "留守": (small["st1"],)}
    assert (aid.paid_fen, aid.expected_fen) == (102500, 94500)
    assert aid.payments == (small["a1"], small["a2"], small["a3"])
    [plan, _draft] = figures.plans
    assert plan.plan == small["P"] and len(plan.visits) == 6


def test_figures_worked_out_apart_are_read_back_without_this_process_reading_a_record(ledger, small):
    opened = Ledger(ledger.path)
    apart = overview.term_figures(opened, TERM, TODAY, apart=True)
    _hand_counted(apart, small)
    assert not opened.index_loaded          # (another process read the records)
    assert not _children()
    # The same figures as worked out here.
    here = Ledger(ledger.path)
    assert overview.term_figures(here, TERM, dt.date(2026, 11, 26), apart=False) is not None and here.index_loaded
    assert overview.work_out(Ledger(ledger.path), TERM, TODAY) == apart


def test_a_small_ledger_works_its_figures_out_in_its_own_process(ledger, small):
    """Below APART_FROM records starting another process costs more than the working-out."""
    assert ledger.count() < overview.APART_FROM
    opened = Ledger(ledger.path)
    _hand_counted(overview.term_figures(opened, TERM, TODAY), small)
    assert opened.index_loaded


def test_a_ledger_past_the_bound_works_them_out_apart(ledger, small, monkeypatch):
    assert ledger.count() == 24      # 2 schools, 3 plans, 8 activities, 5 students, 2 standards, 4 payments
    worked_here = []
    work_out = overview.work_out
    monkeypatch.setattr(overview, "work_out", lambda *args: worked_here.append(1) or work_out(*args))
    monkeypatch.setattr(overview, "APART_FROM", 25)
    _hand_counted(overview.term_figures(Ledger(ledger.path), TERM, TODAY), small)
    assert worked_here == [1]
    monkeypatch.setattr(overview, "APART_FROM", 24)
    _hand_counted(overview.term_figures(Ledger(ledger.path), TERM, dt.date(2026, 11, 26)), small)
    assert worked_here == [1]          # (the second, in a process of its own)
    assert overview.remembered(Ledger(ledger.path), TERM, dt.date(2026, 11, 26))


def test_figures_that_cannot_be_kept_are_worked_out_here(ledger, small):
    """Where the process apart cannot keep what it worked out (no folder for the remembered figures:
    here a file stands where it would be), the figures are worked out in this process: the same figures."""
    (ledger.cache_dir / "memo").write_bytes(b"")
    opened = Ledger(ledger.path)
    _hand_counted(overview.term_figures(opened, TERM, TODAY, apart=True), small)
    assert opened.index_loaded


def test_figures_no_longer_wanted_end_their_process(ledger, small):
    """The home asked for another term (or the ledger moved on) while the figures were being worked
    out apart: that process is ended, nothing is kept, and the asking stops. (The process is held
    waiting on its lock by the test, so that it is still at work when the figures stop being wanted.)"""
    import fcntl

    asked = []

    def stop() -> bool:
        asked.append(_children())
        return True
    opened = Ledger(ledger.path)
    lock = opened.cache_dir / "memo" / f".apart-{TERM}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(Superseded):
            overview.term_figures(opened, TERM, TODAY, apart=True, stop=stop)
    assert asked and asked[0]         # (the process was running when the figures stopped being wanted)
    assert not _children()
    assert not overview.remembered(Ledger(ledger.path), TERM, TODAY)


def test_lists_of_ids_are_held_as_numbers_into_one_table():
    table = ids.IdTable()
    a, b, c = "student-01JB0000000000000000000001", "student-01JB0000000000000000000002", "aid-01JB0000000000000000000003"
    first, second = table.list([a, b, a]), table.list([c, b])
    table.done()
    assert len(table) == 3 and (table[0], table[1], table[2]) == (a, b, c)
    assert first == (a, b, a) and (a, b, a) == first and first != (a, b) and first[2] == a and first[-1] == a
    assert first[1:] == (b, a) and list(second) == [c, b] and b in second and a not in second
    assert ids.joined([first, second]) == (a, b, a, c, b)
    assert ids.joined([first, (c,)]) == (a, b, a, c)          # (one of them a tuple: a tuple)
    assert hash(first) == hash((a, b, a))
    # Kept on disk and read back: one table for both lists, equal to what was kept.
    back_first, back_second = pickle.loads(pickle.dumps((first, second), protocol=5))
    assert back_first == (a, b, a) and back_second == (c, b) and back_first.table is back_second.table
    # Ids of any text (a student field edited by hand) read back as written.
    odd = ids.IdTable().list(["", "学生-甲", "x"])
    assert tuple(odd) == ("", "学生-甲", "x")


def test_the_figures_kept_hold_their_ids_in_one_table(ledger, small):
    figures = overview.term_figures(Ledger(ledger.path), TERM, TODAY)
    lists = [*figures.aid.by_status.values(), *figures.aid.by_group.values(),
             *(p.payments for p in figures.aid.programmes), *(p.payments for p in figures.aid.duty.programmes),
             *(p.visits for p in figures.plans)]
    assert all(isinstance(x, ids.IdList) for x in lists)
    assert len({id(x.table) for x in lists}) == 1
    assert os.listdir(ledger.cache_dir / "memo")


def test_a_second_working_out_of_the_same_term_waits_for_the_first(ledger, small):
    """Two askings at once (a list opened from a figure follows it while the home works it out
    again) walk the students once: the second process waits for the first's lock, then reads back
    what it kept. Here the lock is held by the test: the process apart works nothing out until it
    is let go."""
    import fcntl

    opened = Ledger(ledger.path)
    lock = opened.cache_dir / "memo" / f".apart-{TERM}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    polls = []
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(Superseded):
            overview.term_figures(opened, TERM, TODAY, apart=True, stop=lambda: polls.append(1) or len(polls) > 10)
        assert not overview.remembered(Ledger(ledger.path), TERM, TODAY)     # (it waited: nothing worked out)
    _hand_counted(overview.term_figures(Ledger(ledger.path), TERM, TODAY, apart=True), small)
    assert overview.remembered(Ledger(ledger.path), TERM, TODAY)


def test_a_working_out_that_waited_for_another_works_at_the_ledger_as_it_then_stands(ledger, small, monkeypatch):
    """The process apart waited for another's working-out of the term (here the test holds the
    lock) while a coordinator saved: once the lock is its own it works the figures out at the new
    tip and keeps them for it, not at the tip it opened on (whose figures, from a ledger that moved,
    could only be handed over and worked out again by the next asking)."""
    import fcntl
    import threading
    import time

    worked_here = []
    work_out = overview.work_out
    monkeypatch.setattr(overview, "work_out", lambda *args: worked_here.append(1) or work_out(*args))
    opened = Ledger(ledger.path)
    before = opened.tip
    lock = opened.cache_dir / "memo" / f".apart-{TERM}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    answered = []
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        asking = threading.Thread(target=lambda: answered.append(overview.term_figures(opened, TERM, TODAY, apart=True)))
        asking.start()
        for _ in range(600):      # (until the process apart, its ledger open, waits for the lock)
            if _waiting_on(lock):
                break
            time.sleep(0.05)
        assert _waiting_on(lock)
        writer = Ledger(ledger.path)
        school = writer.get(small["A"])
        writer.put({**school, "name": "城关第一中学"}, base=writer.version(small["A"]))   # (no figure counts a school's name)
    asking.join(120)
    [figures] = answered
    _hand_counted(figures, small)
    assert worked_here == []         # (in the process apart, not here)
    after = Ledger(ledger.path).tip
    assert after != before
    assert overview.remembered(Ledger(ledger.path), TERM, TODAY, at=after)
    assert not overview.remembered(Ledger(ledger.path), TERM, TODAY, at=before)
    assert not list((opened.cache_dir / "memo").glob(".handed-*"))


def test_figures_worked_out_while_the_ledger_moved_are_handed_over_not_kept(ledger, small, monkeypatch, capsys):
    """Another coordinator saved while the process apart worked the figures out (here the save is
    made from inside its working-out, run in this process): they are not kept for a version of
    the ledger they may not match, but handed over in a file named after the commit, which the
    dashboard takes (and which is then gone)."""
    from store.figures import apart
    from store.ledger import memo

    work_out = overview.work_out

    def saved_meanwhile(led, term, today):
        writer = Ledger(ledger.path)
        writer.put({**writer.get(small["A"]), "name": "城关第一中学"}, base=writer.version(small["A"]))
        return work_out(led, term, today)
    monkeypatch.setattr(overview, "work_out", saved_meanwhile)
    before = Ledger(ledger.path).tip
    assert apart.main([str(ledger.path), TERM, TODAY.isoformat()]) == 0
    commit, handed = capsys.readouterr().out.split()
    assert commit == before
    assert not overview.remembered(Ledger(ledger.path), TERM, TODAY, at=before)
    _hand_counted(memo.take(Path(handed)), small)
    assert not Path(handed).exists()


def test_figures_handed_over_and_never_taken_are_removed_after_an_hour(tmp_path):
    """A dashboard that ended before it took the figures handed to it leaves their file; the next
    figures kept remove it once it is an hour old (a newer one may still be on its way to its asker)."""
    import time

    from store.ledger import memo

    folder = tmp_path / "memo"
    old, new = memo.hand_over(folder, {"a": 1}), memo.hand_over(folder, {"b": 2})
    os.utime(old, (time.time() - 3601, time.time() - 3601))
    assert memo.keep(folder, ("figures", 1), {"c": 3})
    assert not old.exists() and new.exists()
    assert memo.take(new) == {"b": 2} and not new.exists()
    assert memo.take(new) is None


def test_an_inspector_reading_only_has_the_figures_worked_out_apart_too(ledger, small):
    """A ledger opened read-only (an inspector's) keeps its figures in the user's own cache folder,
    never in the repository: worked out apart they are read back from there."""
    inspecting = Ledger(ledger.path, read_only=True)
    assert not str(inspecting.cache_dir).startswith(str(ledger.path))
    _hand_counted(overview.term_figures(inspecting, TERM, TODAY, apart=True), small)
    assert not inspecting.index_loaded
    assert overview.remembered(Ledger(ledger.path, read_only=True), TERM, TODAY)
    assert not (ledger.cache_dir / "memo").exists()
