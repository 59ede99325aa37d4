"""The index built from every record of a tree (a first opening without the cache): git's listing
read a piece at a time, sorted by SQLite, the blobs asked of `git cat-file` a window at a time.
Built afresh it answers as an index moved forward commit by commit does; a build killed midway
leaves nothing that a later opening takes for an index. Real git repositories, real processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import git
from store import Ledger
from store.core import canonical, ids
from store.ledger.gitstore import Person

ROOT = Path(__file__).resolve().parent.parent


def _answers(led: Ledger) -> dict:
    """What a user can ask of the index: every record and its version, the files found wrong,
    the count of each type, a query, a search."""
    index = led.index
    return {"docs": dict(index.docs.items()), "blobs": {rid: index.blobs[rid] for rid in index.docs},
            "broken": dict(index.broken.items()),
            "counts": {t: led.count(t) for t in sorted(ids.RECORD_TYPES)},
            "aid in kind": sorted(r["id"] for r in led.query("aid", method="实物")),
            "search": sorted(r["id"] for r in led.query("school", text="海原"))}


def _record_files(path: Path) -> int:
    return sum(1 for line in git(path, "ls-tree", "-r", "--name-only", "main", "records").split()
               if line.endswith(".json"))


def test_an_index_built_afresh_answers_as_one_moved_forward(demo, tmp_path):
    moved = demo
    tip = moved.tip
    # Another process's commits: the ledger as it was 40 commits ago, opened and built there,
    # then the branch moved back to its tip (the index follows it with git diff-tree).
    git(moved.path, "update-ref", "refs/heads/main", git(moved.path, "rev-parse", "main~40").strip())
    behind = Ledger(moved.path)
    assert behind.count() < 489
    git(moved.path, "update-ref", "refs/heads/main", tip)
    behind.refresh()
    assert behind.count() == 489 == _record_files(moved.path)
    # Then this process's own saves: one added, one edited, one deleted; and a file that is no
    # record's (a hand's commit), which the index notes under its path.
    school = behind.query("school", text="海原")[0]
    renamed = dict(school, name="海原县第九中学")
    behind.put(renamed, base=behind.version(school["id"]))
    added = behind.put(dict(renamed, id=ids.new_id("school"), name="海原县第十中学")).id
    gone = behind.query("aid", method="实物")[0]["id"]
    behind.delete(gone, reason="记错")
    g = behind.git
    tree = g.write_tree(g.commit_tree(behind.tip), {"records/aid/notes.txt": g.write("blob", b"not a record\n")})
    assert g.swap_ref(g.make_commit(tree, [behind.tip], Person("手工", "hand@example.cn"), "hand"), behind.tip, "hand")
    behind.refresh()

    afresh_path = tmp_path / "afresh"
    git(tmp_path, "clone", "-q", "--bare", "--shared", str(moved.path), str(afresh_path))
    afresh = Ledger(afresh_path)
    assert not (afresh.cache_dir / "index.sqlite").exists()
    answers = _answers(afresh)
    assert answers == _answers(behind)
    assert sum(answers["counts"].values()) == 489 and answers["counts"]["school"] == 38 and answers["broken"] == {"records/aid/notes.txt": "path"}
    assert answers["docs"][school["id"]]["name"] == "海原县第九中学" and added in answers["docs"]
    assert gone not in answers["docs"] and len(answers["aid in kind"]) == 21
    assert answers["blobs"][added] == git(afresh_path, "rev-parse", f"main:{ids.path_of(added, afresh.layout)}").strip()
    afresh.close()
    behind.close()


def test_the_listing_comes_in_pieces_that_end_after_an_entry(demo):
    tree = git(demo.path, "rev-parse", "main:records").strip()
    whole = subprocess.run(["git", "ls-tree", "-r", "-z", "--full-tree", tree], cwd=demo.path,
                           capture_output=True, check=True).stdout.decode()
    pieces = list(demo.git.ls_tree_pieces(tree, size=1000))
    assert len(pieces) > 10 and all(p.endswith("\0") for p in pieces)
    assert "".join(pieces) == whole and whole.count("\0") == 489


def test_blobs_asked_a_window_at_a_time_come_in_the_order_asked(demo):
    listing = git(demo.path, "ls-tree", "-r", "main", "records").splitlines()
    shas = [line.split()[2] for line in listing][::-1]
    got = list(demo.git.read_blobs(iter(shas), ahead=7))
    assert [sha for sha, _data in got] == shas
    some = shas[100]
    assert dict(got)[some] == subprocess.run(["git", "cat-file", "blob", some], cwd=demo.path,
                                             capture_output=True, check=True).stdout
    # A reader that stops early lets git go.
    reading = demo.git.read_blobs(iter(shas), ahead=7)
    assert next(reading)[0] == shas[0]
    reading.close()


# Opens the ledger in its own process and holds the build once half the records are read (the test
# then kills the process there): the records' texts stream into SQLite inside one transaction.
_HELD = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
from store.ledger.ledger import Ledger
read = Ledger._read
def held(self, *args):
    for n, row in enumerate(read(self, *args)):
        if n == 250:
            print("holding", flush=True)
            time.sleep(600)
        yield row
Ledger._read = held
Ledger(sys.argv[2]).count()
"""

_COUNT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from store.ledger.ledger import Ledger
led = Ledger(sys.argv[2])
print(json.dumps({"count": led.count(), "aid": led.count("aid"), "school": led.count("school")}))
"""


def test_a_build_killed_midway_leaves_nothing_wrong(demo, tmp_path):
    path = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", "--bare", "--shared", str(demo.path), str(path))
    index = Ledger(path).cache_dir / "index.sqlite"
    assert not index.exists()
    builder = subprocess.Popen([sys.executable, "-c", _HELD, str(ROOT), str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert builder.stdout.readline() == "holding\n"
        assert index.exists()
        # A second process opens meanwhile: it waits for the builder's transaction.
        waiter = subprocess.Popen([sys.executable, "-c", _COUNT, str(ROOT), str(path)], stdout=subprocess.PIPE, text=True)
    finally:
        os.kill(builder.pid, signal.SIGKILL)
        builder.wait()
    assert json.loads(waiter.communicate(timeout=120)[0]) == {"count": 489, "aid": 107, "school": 37}
    reopened = Ledger(path)
    assert reopened.count() == 489 == _record_files(path)
    first = reopened.query("aid")[0]
    assert first == canonical.loads(git(path, "show", f"main:{ids.path_of(first['id'], reopened.layout)}"))
    assert _answers(reopened) == _answers(demo)
    reopened.close()
