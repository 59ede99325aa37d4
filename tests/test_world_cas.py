"""Compare-and-swap, deterministically: another writer moves the branch after a save has built
its commit and before it swaps the ref. No timing and no mocks: two real Ledgers on one real
repository, and the first one's store lets the second write at exactly that point."""
from __future__ import annotations

import os
import stat
import time

import pytest

from conftest import git, school
from store import Ledger
from store.core.errors import Conflict, ReadOnly
from store.ledger.gitstore import BRANCH, STALE_LOCK_SECONDS, ZERO, GitStore, Person


class RacedStore(GitStore):
    """The real store, except that before its first swap (or every one) another writer is let in."""

    def __init__(self, path, other_writer, every_time: bool = False):
        super().__init__(path)
        self.other_writer = other_writer
        self.every_time = every_time
        self.swaps: list[tuple[str | None, bool]] = []

    def swap_ref(self, new, old, message, ref=BRANCH, who=None):
        if self.other_writer is not None:
            other = self.other_writer
            if not self.every_time:
                self.other_writer = None
            other()
        won = super().swap_ref(new, old, message, ref=ref, who=who)
        self.swaps.append((old, won))
        return won


def _raced(path, other_writer, every_time: bool = False) -> Ledger:
    led = Ledger(path)
    led.git = RacedStore(path, other_writer, every_time)
    return led


def _commits(path) -> list[str]:
    return git(path, "rev-list", "--first-parent", BRANCH.removeprefix("refs/heads/")).split()


def test_swap_from_a_tip_that_moved_is_refused_and_changes_nothing(ledger):
    g = ledger.git
    start = g.tip()
    mine = g.make_commit(g.commit_tree(start), [start], ledger.author(), "mine")
    theirs = ledger.put(school("第一小学", "一小")).commit          # the branch moves on
    reflog = (g.gitdir / "logs" / BRANCH).read_bytes() if (g.gitdir / "logs" / BRANCH).exists() else None
    assert g.swap_ref(mine, start, "stale") is False
    assert g.tip() == theirs == git(ledger.path, "rev-parse", "main").strip()
    assert ((g.gitdir / "logs" / BRANCH).read_bytes() if reflog is not None else None) == reflog
    assert not (g.gitdir / (BRANCH + ".lock")).exists()
    # Creating a branch that already exists is refused too; from the right tip the swap is made.
    assert g.swap_ref(mine, None, "create") is False and g.tip() == theirs
    assert g.swap_ref(mine, theirs, "fresh") is True and g.tip() == mine


def test_a_save_whose_tip_moved_is_applied_again_on_top(ledger):
    other = Ledger(ledger.path)
    theirs: list[str] = []
    mine = _raced(ledger.path, lambda: theirs.append(other.put(school("第二小学", "二小")).id))
    start = ledger.tip
    saved = mine.put(school("第一小学", "一小"))
    # The first swap was refused (the tip had moved); the save was built again on the new tip.
    assert [won for _old, won in mine.git.swaps] == [False, True]
    assert mine.git.swaps[0][0] == start
    # Both schools are on the branch, one commit each, the save's on top of the other writer's.
    commits = _commits(ledger.path)
    assert commits[0] == saved.commit and len(commits) == len(_commits_at(ledger.path, start)) + 2
    assert git(ledger.path, "rev-parse", f"{saved.commit}^").strip() == commits[1] == other.tip
    fresh = Ledger(ledger.path)
    names = sorted(d["short_name"] for d in fresh.index.find("school"))
    assert names == ["一小", "二小"]
    assert fresh.get(theirs[0])["short_name"] == "二小"
    for led in (other, mine, fresh):
        led.close()


def test_an_edit_whose_record_changed_meanwhile_is_a_conflict_and_nothing_is_written(ledger):
    first = ledger.put(school("第一小学", "一小", notes="原来"))
    other = Ledger(ledger.path)

    def their_edit():
        doc = other.get(first.id)
        other.put({**doc, "notes": "他们的"}, base=other.version(first.id))

    mine = _raced(ledger.path, their_edit)
    doc = mine.get(first.id)
    with pytest.raises(Conflict) as caught:
        mine.put({**doc, "notes": "我的"}, base=mine.version(first.id))
    assert caught.value.record == first.id
    assert [won for _old, won in mine.git.swaps] == [False]
    assert Ledger(ledger.path).get(first.id)["notes"] == "他们的"
    assert git(ledger.path, "log", "-1", "--format=%H").strip() == other.tip
    for led in (other, mine):
        led.close()


def test_a_save_that_loses_every_race_gives_up_naming_the_record_and_writes_nothing(ledger):
    other = Ledger(ledger.path)
    theirs: list[str] = []
    mine = _raced(ledger.path, lambda: theirs.append(other.put(school(f"第{len(theirs)}小学")).id), every_time=True)
    record = school("第一小学", "一小")
    record["id"] = "school-01JB0000000000000000000077"
    with pytest.raises(Conflict) as caught:
        mine.put(record)
    assert caught.value.record == record["id"] and caught.value.key == "error.conflict_busy"
    assert "school-01JB0000000000000000000077" in str(caught.value) and "没有提交任何内容" in str(caught.value)
    assert len(mine.git.swaps) == len(theirs) > 1 and not any(won for _old, won in mine.git.swaps)
    fresh = Ledger(ledger.path)
    assert fresh.peek([record["id"]]) == [None] and fresh.count("school") == len(theirs)
    for led in (other, mine, fresh):
        led.close()


def test_a_read_only_ledger_refuses_to_save_naming_where_it_is(ledger):
    reader = Ledger(ledger.path, read_only=True)
    before = reader.tip
    with pytest.raises(ReadOnly) as caught:
        reader.put(school())
    assert str(ledger.path) in str(caught.value) and "只读" in str(caught.value)
    assert Ledger(ledger.path).tip == before


def _commits_at(path, commit) -> list[str]:
    return git(path, "rev-list", "--first-parent", commit).split()


def _next_commit(g: GitStore, tip: str, title: str) -> str:
    return g.make_commit(g.commit_tree(tip), [tip], Person("测试员", "tester@example.cn"), title)


def test_a_ref_another_writer_has_locked_is_left_alone_and_a_lock_left_by_a_killed_writer_is_cleared(ledger):
    g = ledger.git
    start = g.tip()
    commit = _next_commit(g, start, "mine")
    lock = g.gitdir / (BRANCH + ".lock")
    lock.write_text("")                           # git (or another Bangfu) is moving the branch now
    assert g.swap_ref(commit, start, "held") is False
    assert lock.exists() and g.tip() == start
    old = time.time() - STALE_LOCK_SECONDS - 60    # ... or was killed while doing so, long ago
    os.utime(lock, (old, old))
    assert g.swap_ref(commit, start, "left") is False and not lock.exists()
    assert g.swap_ref(commit, start, "after") is True and g.tip() == commit


def test_each_swap_is_in_the_reflog_git_reads_with_who_what_and_from_where(ledger):
    git(ledger.path, "config", "core.logAllRefUpdates", "true")
    g = GitStore(ledger.path)
    start = g.tip()
    first = _next_commit(g, start, "first")
    assert g.swap_ref(first, start, "bangfu: 学校：新增 一小\n第二行不进 reflog", who=Person("王老师", "wang@example.cn"))
    second = _next_commit(g, first, "second")
    assert g.swap_ref(second, first, "bangfu: sync")
    # A ref that does not exist yet, in folders that do not exist yet.
    assert g.swap_ref(second, None, "bangfu: mark", ref="refs/bangfu/marks/audited")
    shown = git(ledger.path, "log", "-g", "--format=%H %gn <%ge> %gs", "main").splitlines()
    assert shown[:2] == [f"{second} bangfu <bangfu@localhost> bangfu: sync",
                         f"{first} 王老师 <wang@example.cn> bangfu: 学校：新增 一小"]
    lines = (g.gitdir / "logs" / BRANCH).read_text(encoding="utf-8").splitlines()
    assert [line.split()[:2] for line in lines[-2:]] == [[start, first], [first, second]]
    marks = (g.gitdir / "logs" / "refs" / "bangfu" / "marks" / "audited").read_text(encoding="utf-8")
    assert marks.split()[:2] == [ZERO, second]
    assert git(ledger.path, "rev-parse", "refs/bangfu/marks/audited").strip() == second
    # A save names its author in the reflog, with the commit's title cut to 200 characters.
    led = Ledger(ledger.path)
    saved = led.put(school("长" * 300, "长名"), author=Person("李老师", "li@example.cn"))
    [entry] = git(ledger.path, "log", "-g", "-1", "--format=%H %gn <%ge>%n%gs", "main").splitlines()[:1]
    subject = git(ledger.path, "log", "-g", "-1", "--format=%gs", "main").strip()
    assert entry == f"{saved.commit} 李老师 <li@example.cn>"
    assert len(subject) == 200 and subject.startswith("bangfu: ") and "长长长" in subject
    led.close()


def test_in_a_shared_ledger_the_moved_ref_stays_writable_by_the_group(tmp_path):
    led = Ledger.init(tmp_path / "shared", shared=True, site="测试站")
    g = led.git
    start = g.tip()
    assert g.swap_ref(_next_commit(g, start, "x"), start, "bangfu: x")
    mode = stat.S_IMODE((g.gitdir / BRANCH).stat().st_mode)
    assert mode & 0o060 == 0o060, oct(mode)
    led.close()
