"""Randomised: after any sequence of edits, adds, deletes, resolves and syncs at three sites,
every site converges to the same tip, the ledger is valid, and no committed value has
disappeared without a commit that says so (a later change of that field, or a conflict
that holds it)."""
from __future__ import annotations

import shutil

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import git, school
from store.core import ids
from store.sync import remote as sync
from store.sync.conflicts import list_conflicts, resolve
from store import Ledger
from store.privacy.acts import attach_keys
from test_sync_local import assert_valid

SITES = ("甲站", "乙站", "丙站")
FIELDS = ("notes", "county", "township")
VALUES = ("一", "二", "三")

site = st.integers(0, len(SITES) - 1)
ops = st.lists(st.one_of(
    st.tuples(st.just("edit"), site, st.integers(0, 9), st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    # two sites making the same change to the same school, each beside an edit of its own
    st.tuples(st.just("same"), site, site, st.integers(0, 9), st.sampled_from(FIELDS), st.sampled_from(VALUES)),
    st.tuples(st.just("add"), site),
    st.tuples(st.just("delete"), site, st.integers(0, 9)),
    st.tuples(st.just("sync"), site),
    st.tuples(st.just("sync"), site),
    st.tuples(st.just("resolve"), site, st.sampled_from(["mine", "theirs"])),
), min_size=3, max_size=10)


def _template(root):
    """A hub (plain: the hook has its own tests) and three sites sharing three schools."""
    hub = root / "hub"
    Ledger.init(hub, site="县中心").close()
    sites = [sync.clone(str(hub), root / str(i), site=name) for i, name in enumerate(SITES)]
    for n in range(3):
        sites[0].put(school(f"第{n}小学", f"{n}小"))
    for led in sites + sites[:1]:
        sync.sync(led)
    for led in sites:
        led.close()


def _fresh(template, work):
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work, symlinks=True)
    sites = []
    for i in range(len(SITES)):
        git(work / str(i), "config", "remote.hub.url", str(work / "hub"))
        led = Ledger(work / str(i))
        attach_keys(led)
        sites.append(led)
    return sites


def _schools(led):
    led.refresh()
    return sorted(led.index.find("school"), key=lambda d: d["id"])


def _said_so(led, rid, field, value, commit) -> bool:
    """A commit made after `commit` (and knowing it) changed that field away from value."""
    path = ids.path_of(rid, ids.LATEST)
    later = git(led.path, "log", "--format=%H %P", "--no-merges", "--ancestry-path",
                f"{commit}..{led.tip}", "--", path).splitlines()
    for line in later:
        c, parent = line.split()[:2]
        before, after = led.read_at(rid, parent), led.read_at(rid, c)
        if before is not None and before.get(field) == value and (after is None or after.get(field) != value):
            return True
    return False


def _in_a_conflict(led, rid, field, value) -> bool:
    for found in led.index.find("event", action="冲突", subject=rid):
        for f in found["conflict"]["fields"]:
            for side in ("base", "mine", "theirs"):
                v = f.get(side)
                if (f["path"] == [field] and v == value) or (f["path"] == [] and isinstance(v, dict)
                                                            and v.get(field) == value):
                    return True
    return False


@settings(max_examples=20, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(ops)
def test_any_edits_and_syncs_converge_and_lose_nothing(tmp_path_factory, steps):
    root = tmp_path_factory.getbasetemp() / "sync-property"
    if not (root / "template" / "hub").exists():
        _template(root / "template")
    sites = _fresh(root / "template", root / "work")
    edits, adds = [], []
    ids_seen = [d["id"] for d in _schools(sites[0])]
    try:
        for op, who, *args in steps:
            led = sites[who]
            if op == "edit":
                n, field, value = args
                docs = _schools(led)
                doc = docs[n % len(docs)] if docs else None
                if doc and doc.get(field) != value:
                    saved = led.put({**doc, field: value}, base=led.version(doc["id"]))
                    edits.append((doc["id"], field, value, saved.commit))
            elif op == "same":
                other, n, field, value = args
                for step, led in enumerate((led, sites[other]), start=1):
                    doc = next((d for d in _schools(led) if d["id"] == ids_seen[n % len(ids_seen)]), None)
                    own = FIELDS[(FIELDS.index(field) + step) % len(FIELDS)]
                    if doc is not None:
                        changed = {**doc, field: value, own: f"{SITES[who]}改{step}"}
                        if changed != doc:
                            saved = led.put(changed, base=led.version(doc["id"]))
                            edits.append((doc["id"], field, value, saved.commit))
            elif op == "add":
                saved = led.put(school(f"新学校{len(adds)}", f"新{len(adds)}"))
                adds.append((saved.id, saved.commit))
            elif op == "delete":
                docs = _schools(led)
                if len(docs) > 1:
                    led.delete(docs[args[0] % len(docs)]["id"], reason="测试删除")
            elif op == "sync":
                sync.sync(led)
            elif op == "resolve":
                open_ = list_conflicts(led)
                if open_:
                    resolve(led, open_[0].id, args[0])
        for led in sites + sites[:2]:
            sync.sync(led)
        tips = {led.tip for led in sites}
        assert len(tips) == 1
        final = sites[0]
        assert_valid(final)
        conflicts = final.index.find("event", action="冲突")
        n = len(conflicts)
        for e in conflicts:  # what both sides agree on is never a conflict
            for f in e["conflict"]["fields"]:
                assert f.get("mine") != f.get("theirs"), f
        event(f"conflicts recorded: {'3 or more' if n >= 3 else n}")
        for rid, field, value, commit in edits:
            doc = final.index.get(rid)
            assert ((doc is not None and doc.get(field) == value) or _in_a_conflict(final, rid, field, value)
                    or _said_so(final, rid, field, value, commit)), (rid, field, value)
        for rid, commit in adds:
            deleted = git(final.path, "log", "--format=%H", "--no-merges", "--ancestry-path", "--diff-filter=D",
                          f"{commit}..{final.tip}", "--", ids.path_of(rid, ids.LATEST)).split()
            assert final.index.get(rid) is not None or deleted, rid
    finally:
        for led in sites:
            led.close()
