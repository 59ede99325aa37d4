"""A save writes the folders above its record as the folder's kept bytes with one entry spliced in
(store/ledger/trees.py). Whatever the order of saves, whoever moved the branch meanwhile and
whatever the process still keeps, the trees must be the very ones git makes for the same files:
a hub's `git fsck` refuses anything else, and a tree that lost an entry loses a record."""
from __future__ import annotations

import multiprocessing as mp
import os
import subprocess

import pytest

from conftest import git, school
from store import Ledger
from store.core import canonical, ids
from store.ledger.gitstore import BLOB_MODE


def _git_own_tree(repo, commit: str, tmp_path) -> str:
    """The tree id git itself writes for the files the commit holds (`git ls-tree -r` fed to an
    index of its own, then `git write-tree`)."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", commit], cwd=repo, capture_output=True, check=True).stdout
    env = {**os.environ, "GIT_INDEX_FILE": str(tmp_path / "git-own-index"), "GIT_WORK_TREE": str(tmp_path)}
    (tmp_path / "git-own-index").unlink(missing_ok=True)
    subprocess.run(["git", "update-index", "-z", "--index-info"], cwd=repo, input=listing, env=env, check=True)
    return subprocess.run(["git", "write-tree"], cwd=repo, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def _folder(repo, commit: str, folder: str) -> dict[str, str]:
    """{record id: its short name} of every record file in the folder at commit."""
    out = {}
    for line in git(repo, "ls-tree", f"{commit}:{folder}").splitlines():
        _mode, _kind, blob, name = line.split(None, 3)
        out[name.removesuffix(".json")] = canonical.loads(git(repo, "cat-file", "blob", blob))["short_name"]
    return out


def _ids_in_one_folder(count: int) -> list[str]:
    wanted: list[str] = []
    while len(wanted) < count:
        rid = ids.new_id("school")
        if not wanted or ids.shard(rid, ids.LATEST) == ids.shard(wanted[0], ids.LATEST):
            wanted.append(rid)
    return sorted(wanted, reverse=True)   # (added from the end of the folder to its start)


def _other_process(path: str, orders: mp.Queue, done: mp.Queue) -> None:
    """A second coordinator's process: saves what it is told, one save per order."""
    ledger = Ledger(path)
    while (order := orders.get()) is not None:
        action, rid, short = order
        if action == "add":
            ledger.put(school(f"{short}学校", short, id=rid))
        elif action == "edit":
            ledger.put({**ledger.get(rid), "short_name": short}, base=ledger.version(rid))
        else:
            ledger.delete(rid, reason="录重了")
        done.put(ledger.tip)
    ledger.close()


@pytest.mark.parametrize("kept", ["kept", "dropped at once"])
def test_saves_into_one_folder_by_two_processes_in_turn_give_the_trees_git_makes(ledger, tmp_path, kept):
    mine = ledger
    if kept != "kept":
        mine.git._trees.budget = 1   # (no tree is kept past the save that wrote it)
    orders, done = mp.Queue(), mp.Queue()
    theirs = mp.Process(target=_other_process, args=(str(ledger.path), orders, done))
    theirs.start()
    a, b, c, d, e = _ids_in_one_folder(5)
    folder = ids.path_of(a, ids.LATEST).rsplit("/", 1)[0]
    beside = next(r for r in iter(lambda: ids.new_id("school"), None) if ids.shard(r, ids.LATEST) != ids.shard(a, ids.LATEST))
    mine.put(school("另一所学校", "另校", id=beside))   # (keeps records/school when the folder goes)
    expected: dict[str, str] = {}
    steps = [("mine", "add", a, "甲"), ("theirs", "add", b, "乙"), ("mine", "add", c, "丙"),
             ("theirs", "edit", a, "甲二"),    # their edit of my record, in a folder I keep
             ("mine", "edit", b, "乙二"),      # my edit of theirs: built from the tip they moved
             ("mine", "add", d, "丁"), ("theirs", "delete", c, None), ("mine", "add", e, "戊"),
             ("theirs", "edit", e, "戊二"), ("mine", "delete", a, None), ("mine", "delete", e, None)]
    try:
        for who, action, rid, short in steps:
            if who == "theirs":
                orders.put((action, rid, short))
                tip = done.get(timeout=60)
            elif action == "add":
                tip = mine.put(school(f"{short}学校", short, id=rid)).commit
            elif action == "edit":
                tip = mine.put({**mine.get(rid), "short_name": short}, base=mine.version(rid)).commit
            else:
                tip = mine.delete(rid, reason="录重了").commit
            if short is None:
                del expected[rid]
            else:
                expected[rid] = short
            assert git(ledger.path, "rev-parse", "main").strip() == tip
            assert _folder(ledger.path, tip, folder) == expected, (who, action)
            assert git(ledger.path, "rev-parse", f"{tip}^{{tree}}").strip() == _git_own_tree(ledger.path, tip, tmp_path)
    finally:
        orders.put(None)
        theirs.join(60)
    assert theirs.exitcode == 0
    assert expected == {b: "乙二", d: "丁"}
    if kept != "kept":
        assert len(mine.git._trees) <= 1
    # The last record of a folder cut out, the folder goes with it, as in git.
    mine.delete(b, reason="录重了")
    last = mine.delete(d, reason="录重了").commit
    left = git(ledger.path, "ls-tree", "-r", "-t", "--name-only", last, "records/school").split()
    assert folder not in left and not [p for p in left if p.startswith(folder + "/")], left
    assert git(ledger.path, "rev-parse", f"{last}^{{tree}}").strip() == _git_own_tree(ledger.path, last, tmp_path)
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=ledger.path, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_names_that_sort_beside_a_folder_are_placed_where_git_places_them(ledger, tmp_path):
    """git sorts a folder as if its name ended in '/': 'a-b' and 'a.json' go before the folder
    'a', 'a0' after it. Files a ledger keeps beside its records (notes in a folder, a merge's
    files) are written by the same splicing."""
    g = ledger.git
    blob = g.write("blob", "说明".encode())
    other = g.write("blob", b"other")
    tip = ledger.tip
    steps = [{"records/a/x.json": blob, "records/a0": blob, "records/a.json": blob},
             {"records/a-b": other, "records/a/y.json": other},
             {"records/a/x.json": None, "records/说明.txt": blob, "records/a0": None},
             {"records/a/y.json": None},                               # the folder 'a' empty: gone
             {"records/a": other},                                     # a file 'a' in its place
             {"records/a": None, "records/a/z.json": blob}]            # and a folder again
    listings = []
    for changes in steps:
        tree = g.write_tree(g.commit_tree(tip), changes)
        tip, before = g.make_commit(tree, [tip], ledger.author(), "files beside the records"), tip
        assert g.swap_ref(tip, before, "test")
        assert tree == _git_own_tree(ledger.path, tip, tmp_path)
        listings.append(git(ledger.path, "ls-tree", "--name-only", f"{tip}:records").split("\n")[:-1])
    assert listings == [["a.json", "a", "a0"], ["a-b", "a.json", "a", "a0"], ["a-b", "a.json", "a", "说明.txt"],
                        ["a-b", "a.json", "说明.txt"], ["a", "a-b", "a.json", "说明.txt"],
                        ["a-b", "a.json", "a", "说明.txt"]]
    assert g.lookup(tree, "records/a/z.json") == blob and g.lookup(tree, "records/a/y.json") is None
    assert [(m, n) for _b, m, n in g.tree_entries(g.lookup(tree, "records"))] == [
        (BLOB_MODE, "a-b"), (BLOB_MODE, "a.json"), (0o040000, "a"), (BLOB_MODE, "说明.txt")]
    fsck = subprocess.run(["git", "fsck", "--strict", "--no-dangling"], cwd=ledger.path, capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr


def test_a_zero_padded_folder_written_again_keeps_the_entries_after_it():
    """A folder an older writer recorded as '040000' (git reads it; fsck warns) is one byte shorter
    once written again as '40000': the entries after it must still be found where they now are."""
    from store.ledger.trees import TREE_MODE, Tree
    a, b, c = b"\1" * 20, b"\2" * 20, b"\3" * 20
    old = Tree(b"040000 sub\0" + a + b"100644 z.json\0" + b)
    new = old.changed({"sub": (TREE_MODE, c)})
    assert new.raw == b"40000 sub\0" + c + b"100644 z.json\0" + b
    assert new.find("z.json") == (BLOB_MODE, b) and new.find("sub") == (TREE_MODE, c)
