"""Merges whose history has more than one best common ancestor (sites that merged each other at
the same time, with no hub in between): the merge base is the merge of those ancestors, as in
git's recursive strategy, so a change made after such a criss-cross is never undone."""
from __future__ import annotations

from conftest import git, school
from store.sync import remote as sync
from store.sync.integrate import merge_into
from store.sync.merge import merge_bases
from test_sync_local import assert_valid, edit, make_hub, make_site


def test_criss_cross_merge_keeps_a_value_set_back_afterwards(tmp_path):
    hub = make_hub(tmp_path / "hub")
    a = make_site(str(hub), tmp_path / "a", "甲站")
    b = make_site(str(hub), tmp_path / "b", "乙站")
    s1 = a.put(school(notes="1")).id
    s2 = a.put(school("石桥镇第二中心小学", "石桥二小")).id
    sync.sync(a)
    sync.sync(b)
    # the two sites talk to each other directly
    sync.add_remote(a, "乙站", str(b.path))
    sync.add_remote(b, "甲站", str(a.path))
    edit(a, s1, notes="2")
    edit(b, s2, notes="乙")
    theirs_a = sync.fetch(b, "甲站", lambda *_: None)     # B sees A's edit before A merged
    theirs_b = sync.fetch(a, "乙站", lambda *_: None)
    merge_into(a, theirs_b, remote="乙站")
    merge_into(b, theirs_a, remote="甲站")
    edit(a, s1, notes="1")                                # A sets the value back after the merge
    theirs_b = sync.fetch(a, "乙站", lambda *_: None)
    assert len(merge_bases(a.git, a.tip, theirs_b)) == 2  # criss-cross
    outcome = merge_into(a, theirs_b, remote="乙站")
    assert outcome.conflicts == []
    assert a.get(s1)["notes"] == "1" and a.get(s2)["notes"] == "乙"
    assert len(git(a.path, "show", "-s", "--format=%P", a.tip).split()) == 2
    assert_valid(a)
