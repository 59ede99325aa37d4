"""The ledger store on real git repositories: saves, reads, conflicts, files, commits."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from conftest import cannot_run_here, forge_index, git, school
from store.core import canonical, i18n, ids
from store.core.errors import Conflict, InvalidRecord, NotALedger, RecordNotFound, Referenced
from store.ledger.gitstore import Person
from store import NEW, Change, Ledger


def plan_between(a: str, b: str, **extra) -> dict:
    return {"type": "plan", "schema_version": 1, "title": "沙河二小—石桥二小结对帮扶计划",
            "period": {"start": "2006-09-01", "end": "2007-08-31"},
            "parties": [{"school": a, "role": "帮扶"}, {"school": b, "role": "受帮扶"}], "status": "执行中", **extra}


def visit(plan: str, host: str, guest: str, date: str = "2006-10-12", **extra) -> dict:
    return {"type": "visit", "schema_version": 1, "plan": plan, "kind": "送教下乡", "date": date,
            "host_school": host, "visiting_school": guest, "hours": 4, **extra}


@pytest.fixture
def pair(ledger):
    a = ledger.put(school()).id
    b = ledger.put(school("石桥镇第二中心小学", "石桥二小")).id
    p = ledger.put(plan_between(a, b)).id
    return ledger, a, b, p


def test_save_is_one_commit_by_the_author_with_readable_message_and_trailers(pair):
    ledger, a, b, p = pair
    before = int(git(ledger.path, "rev-list", "--count", "main"))
    saved = ledger.put(visit(p, b, a), author=Person("王老师", "wang@school.cn"))
    assert int(git(ledger.path, "rev-list", "--count", "main")) == before + 1
    shown = git(ledger.path, "log", "-1", "--format=%an <%ae>%n%B", "main")
    assert shown.startswith("王老师 <wang@school.cn>\nvisit: add 2006-10-12 送教下乡 沙河二小 → 石桥二小\n")
    for trailer in ("Record-Type: visit", f"Record-Id: {saved.id}", "Action: add", "Schema-Version: 2",
                    "Site: 测试站"):
        assert trailer in shown
    # The commit touches exactly the record's canonical file.
    files = git(ledger.path, "show", "--name-only", "--format=", "main").split()
    assert files == [ids.path_of(saved.id, ids.LATEST)]


def test_default_author_is_the_git_identity(pair):
    ledger, a, b, p = pair
    ledger.put(visit(p, b, a))
    assert git(ledger.path, "log", "-1", "--format=%an", "main").strip() == "测试员"


def test_file_is_canonical_and_diff_shows_only_changed_field(pair):
    ledger, a, b, p = pair
    saved = ledger.put(visit(p, b, a, topic="语文示范课"))
    blob = git(ledger.path, "show", f"main:{ids.path_of(saved.id, ids.LATEST)}")
    assert "语文示范课" in blob and "\\u" not in blob and blob.endswith("}\n")
    assert blob.encode() == canonical.dumps(json.loads(blob))
    record = ledger.get(saved.id)
    record["hours"] = 6
    ledger.put(record, base=saved.version)
    patch = git(ledger.path, "show", "--format=", "-U0", "main")
    changed = [line for line in patch.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ['-  "hours": 4,', '+  "hours": 6,']


def test_saving_unchanged_record_makes_no_commit(pair):
    ledger, a, b, p = pair
    saved = ledger.put(visit(p, b, a))
    tip = ledger.tip
    again = ledger.put(ledger.get(saved.id), base=saved.version)
    assert again.commit is None and ledger.tip == tip


def test_stale_edit_is_a_conflict_naming_who_changed_it(pair, tmp_path):
    ledger, a, b, p = pair
    saved = ledger.put(visit(p, b, a))
    other = Ledger(ledger.path)
    theirs = other.get(saved.id)
    theirs["hours"] = 8
    other.put(theirs, base=saved.version, author=Person("李老师", "li@school.cn"))
    mine = dict(visit(p, b, a), id=saved.id, hours=2)  # edited from the version before theirs
    with pytest.raises(Conflict) as caught:
        ledger.put(mine, base=saved.version)
    assert "李老师" in str(caught.value) and caught.value.exit_code == 3
    assert caught.value.theirs["hours"] == 8
    assert ledger.get(saved.id)["hours"] == 8  # nothing overwritten


def test_adding_an_existing_id_is_a_conflict(pair):
    ledger, a, b, p = pair
    saved = ledger.put(visit(p, b, a))
    with pytest.raises(Conflict):
        ledger.put(dict(visit(p, b, a), id=saved.id))


def test_other_writer_on_another_record_is_reapplied_not_a_conflict(pair):
    ledger, a, b, p = pair
    first = ledger.put(visit(p, b, a))
    other = Ledger(ledger.path)
    other.put(visit(p, b, a, date="2006-11-02"))
    record = ledger.get(first.id)
    record["hours"] = 3
    ledger.put(record, base=first.version)  # ledger's view was stale; the save still lands
    assert len(ledger.query("visit")) == 2 and ledger.get(first.id)["hours"] == 3


def test_invalid_record_is_never_committed_and_errors_name_field_and_rule(pair):
    ledger, a, b, p = pair
    tip = ledger.tip
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(visit(p, b, a, date="2006-10-32", bogus="x", hours="四"))
    text = str(caught.value)
    assert ledger.tip == tip
    assert "的字段「日期」" in text and "不是有效日期" in text
    assert "的字段「bogus」" in text and "不认识的字段" in text
    assert "的字段「课时」" in text and "类型不对" in text
    i18n.set_lang("en")
    assert "is not a real date" in str(caught.value)


def test_visit_outside_plan_period_and_unknown_reference(pair):
    ledger, a, b, p = pair
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(visit(p, b, a, date="2008-03-01"))
    assert [f.field_path for f in caught.value.findings] == ["date"]
    with pytest.raises(InvalidRecord) as caught:
        ledger.put(visit(ids.new_id("plan"), b, a))
    assert caught.value.findings[0].field_path == "plan"


def test_delete_refused_while_referenced_then_allowed(pair):
    ledger, a, b, p = pair
    v = ledger.put(visit(p, b, a)).id
    with pytest.raises(Referenced) as caught:
        ledger.delete(p, reason="录错了")
    assert v in str(caught.value)
    ledger.delete(v, reason="录错了")
    message = git(ledger.path, "log", "-1", "--format=%B", "main")
    assert "Action: delete" in message and "Reason: 录错了" in message
    with pytest.raises(RecordNotFound):
        ledger.get(v)


def test_batch_is_one_commit_all_or_nothing(ledger):
    a, b = ids.new_id("school"), ids.new_id("school")
    p = ids.new_id("plan")
    changes = [Change(a, dict(school(), id=a)), Change(b, dict(school("石桥镇第二中心小学", "石桥二小"), id=b)),
               Change(p, dict(plan_between(a, b), id=p))]
    bad = Change(ids.new_id("visit"), dict(visit(p, b, a, date="2010-01-01")))
    bad.record["id"] = bad.id
    tip = ledger.tip
    with pytest.raises(InvalidRecord):
        ledger.commit(changes + [bad])
    assert ledger.tip == tip and ledger.count() == 0
    ledger.commit(changes)
    assert ledger.count() == 3
    assert int(git(ledger.path, "rev-list", "--count", "main")) == 2


@pytest.mark.parametrize("bad", ["../../etc/passwd", "visit-../x", "visit-01JB0000000000000000000000/../..",
                                 "plan-01jb0000000000000000000000", "nosuchtype-01JB0000000000000000000000"])
def test_ids_cannot_name_paths_outside_records(bad):
    with pytest.raises(ids.BadId):
        ids.path_of(bad, ids.LATEST)


def test_paths_are_sharded_and_derived_from_id():
    rid = ids.new_id("student")
    path = ids.path_of(rid, ids.LATEST)
    assert path.startswith("records/student/") and path.count("/") == 4
    assert ids.id_from_path(path) == rid
    shards = {ids.shard(ids.new_id("visit"), ids.LATEST) for _ in range(2000)}
    assert len(shards) > 200  # spread over the 256 folders, not piled into one


def test_ids_made_together_are_ulids_of_now_in_order():
    """A disbursement's 50,000 ids are made at once (ids.new_ids): each one is what new_id makes, a
    ULID whose time is now, all different, in order."""
    from ulid import ULID
    made = ids.new_ids("aid", 2000)
    assert made == sorted(made) and len(set(made)) == 2000 and all(ids.id_from_path(ids.path_of(i, ids.LATEST)) == i for i in made)
    assert {abs(ULID.from_str(i.split("-")[1]).timestamp - time.time()) < 60 for i in made} == {True}
    assert ids.new_ids("aid", 0) == []
    with pytest.raises(ids.BadId):
        ids.new_ids("nosuchtype", 1)


def test_broken_file_committed_by_hand_is_reported_and_the_rest_opens(pair, tmp_path):
    ledger, a, b, p = pair
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(ledger.path), str(work))
    broken = ids.path_of(ids.new_id("visit"), ids.LATEST)
    (work / broken).parent.mkdir(parents=True, exist_ok=True)
    (work / broken).write_text('{"type": "visit", "date": ', encoding="utf-8")
    git(work, "add", broken)
    git(work, "commit", "-q", "-m", "hand edit")
    git(work, "push", "-q", "origin", "main")
    reopened = Ledger(ledger.path)
    assert reopened.count("school") == 2 and reopened.count("plan") == 1
    assert broken in reopened.broken
    ledger.refresh()
    assert broken in ledger.broken


def test_opening_reads_hand_written_json_and_names_what_is_not_a_record(pair, tmp_path):
    """A ledger opened without its index cache reads every record in one stream from git; files
    written by hand in other layouts are read all the same, and a bad one is named, not fatal."""
    ledger, a, b, p = pair
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(ledger.path), str(work))
    by_hand = visit(p, b, a, id=ids.new_id("visit"), topic="手写的记录")
    # A line holding only a comma: the stream is cut into batches at such lines (of git's own).
    (work / ids.path_of(by_hand["id"], ids.LATEST)).parent.mkdir(parents=True, exist_ok=True)
    (work / ids.path_of(by_hand["id"], ids.LATEST)).write_text(json.dumps(by_hand, ensure_ascii=False, indent=1)
                                                   .replace(",\n", "\n,\n"), encoding="utf-8")
    stray = work / "records" / "visit" / "README.txt"
    stray.write_text("not a record", encoding="utf-8")
    wrong_id = ids.path_of(ids.new_id("visit"), ids.LATEST)
    (work / wrong_id).parent.mkdir(parents=True, exist_ok=True)
    (work / wrong_id).write_text(json.dumps(visit(p, b, a, id=ids.new_id("visit"))), encoding="utf-8")
    git(work, "add", "records")
    git(work, "commit", "-q", "-m", "hand edit")
    git(work, "push", "-q", "origin", "main")

    reopened = Ledger(ledger.path)
    assert reopened.get(by_hand["id"])["topic"] == "手写的记录"
    assert reopened.count("school") == 2 and reopened.count("plan") == 1 and reopened.count("visit") == 1
    assert reopened.broken == {"records/visit/README.txt": "path", wrong_id: reopened.broken[wrong_id]}
    assert reopened.broken[wrong_id].startswith("id:")


def test_a_folder_named_like_a_listing_entry_cannot_pass_for_a_record(ledger):
    """Opening reads the whole listing with one pattern; a folder whose name looks like an entry
    of it (tabs and spaces are allowed in names) is a broken path, not a record."""
    real = ledger.put(school()).id
    forged = ledger.git.write("blob", canonical.dumps({**ledger.get(real), "name": "伪造的校名"}))
    crafted = f"records/z 100644 blob {forged}\tschool/{ids.shard(real, ids.LATEST)}/{real}.json"
    tree = ledger.git.write_tree(ledger.git.commit_tree(ledger.tip), {crafted: ledger.git.write("blob", b"{}")})
    commit = ledger.git.make_commit(tree, [ledger.tip], ledger.author(), "crafted")
    assert ledger.git.swap_ref(commit, ledger.tip, "crafted")
    _drop_index(Ledger(ledger.path))
    fresh = Ledger(ledger.path)
    assert fresh.get(real)["name"] == "沙河镇第二中心小学"
    assert fresh.broken == {crafted: "path"}


def _index_files(ledger: Ledger) -> list[Path]:
    cache = ledger._cache_path()
    return [cache, cache.with_name(cache.name + "-wal"), cache.with_name(cache.name + "-shm")]


def _drop_index(ledger: Ledger) -> None:
    for f in _index_files(ledger):
        f.unlink(missing_ok=True)


class _Planted:
    """A cache file someone else wrote: loading it would open (create) the marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_caches_are_never_loaded_from_a_file_another_user_wrote(ledger, tmp_path):
    import os
    import pickle

    a = ledger.put(school()).id
    # A private repository keeps its caches inside; one a group may write keeps them per user.
    ledger.git.gitdir.chmod(0o755)
    assert Ledger(ledger.path).cache_dir == ledger.git.gitdir / "bangfu"
    marker = tmp_path / "ran"
    if os.geteuid() == 0:   # (giving a file to another user needs root, as CI runs)
        # An index another user wrote, that says the school has another name.
        Ledger(ledger.path).count()
        index = _index_files(ledger)[0]
        forge_index(index, "沙河镇第二中心小学", "伪造的校名")
        assert Ledger(ledger.path).get(a)["name"] == "伪造的校名"   # (the index is what answers)
        for f in _index_files(ledger):
            if f.exists():
                os.chown(f, 4242, 4242)
        memo_file = Ledger(ledger.path).cache_dir / "memo" / "x.pickle"
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        memo_file.write_bytes(pickle.dumps(_Planted(marker)))
        os.chown(memo_file, 4242, 4242)
        reopened = Ledger(ledger.path)
        assert reopened.get(a)["name"] == "沙河镇第二中心小学"
        assert index.stat().st_uid == os.getuid()   # read afresh into a file of this user's own
        from store.ledger import memo
        assert memo.recall(memo_file.parent, ("x",)) is None and not marker.exists()
    ledger.git.gitdir.chmod(0o2775)
    shared = Ledger(ledger.path)
    assert shared.cache_dir.parent == Path(os.environ["XDG_CACHE_HOME"]) / "bangfu"
    assert shared.count("school") == 1
    assert (shared.cache_dir / "index.sqlite").is_file() and not marker.exists()
    if os.geteuid() != 0:
        cannot_run_here("giving a cache file to another user needs root, as CI runs")


def test_a_cache_left_by_another_ledger_at_the_same_place_is_read_afresh(tmp_path):
    """A ledger removed and another made at its path (or a history rewritten and pruned): the
    index cache names a tree this repository does not have, and opening reads the tree instead."""
    import shutil

    path = tmp_path / "台账"
    first = Ledger.init(path, site="甲")
    first.put(school())
    first.count()
    first.index.close()   # (its last connection: everything in the one file)
    kept = first._cache_path().read_bytes()
    path.chmod(0o2775)                             # a repository a group may write: caches per user
    shared_first = Ledger(path).cache_dir
    shutil.rmtree(path)
    second = Ledger.init(path, site="乙")
    sid = second.put(school("石桥镇第二中心小学", "石桥二小")).id
    _drop_index(second)
    second._cache_path().parent.mkdir(parents=True, exist_ok=True)
    second._cache_path().write_bytes(kept)        # the first ledger's cache, where the second looks
    assert [s["id"] for s in Ledger(path).query("school")] == [sid]
    path.chmod(0o2775)
    assert Ledger(path).cache_dir != shared_first   # each ledger its own place, even at one path


def test_many_records_stream_in_the_order_asked_and_a_missing_one_is_said(ledger):
    blobs = [ledger.git.write("blob", canonical.dumps({"n": n, "名": "石桥" * (n % 50)})) for n in range(3000)]
    shas = [b for b in reversed(blobs)]
    assert ledger.git.read_json_blobs(shas, batch=4096) == [{"n": n, "名": "石桥" * (n % 50)} for n in reversed(range(3000))]
    assert ledger.git.read_json_blobs(shas[:10] + ["0" * 40]) is None
    assert ledger.git.read_json_blobs([ledger.git.write("blob", b"{not json")]) is None
    assert ledger.git.read_json_blobs([]) == []
    # A file with lines holding only a comma may be cut in the middle of itself: then the answer is
    # None (the ledger reads each file alone), never a wrong record.
    odd = {f"k{n}": n for n in range(200)}
    odd_blob = ledger.git.write("blob", json.dumps(odd, indent=1).replace(",\n", "\n,\n").encode())
    assert ledger.git.read_json_blobs(shas[:50] + [odd_blob], batch=64) in (
        None, [{"n": n, "名": "石桥" * (n % 50)} for n in reversed(range(2950, 3000))] + [odd])


def test_an_index_of_a_field_dropped_by_another_process_is_made_again(pair):
    """Another process emptied the shared file (a newer Bangfu finds an older format) after this
    one made an index of a field: the next query makes it again instead of failing."""
    import sqlite3

    ledger, a, b, p = pair
    made = ledger.put(visit(p, b, a)).id
    assert [v["id"] for v in ledger.query("visit", plan=p)] == [made]
    db = sqlite3.connect(ledger._cache_path())
    db.execute("DROP INDEX by_visit_plan")
    db.commit()
    db.close()
    assert [v["id"] for v in ledger.query("visit", plan=p)] == [made]
    # the same through the page-at-a-time walk (the term's figures read payments so)
    db = sqlite3.connect(ledger._cache_path())
    db.execute("DROP INDEX by_visit_plan")
    db.commit()
    db.close()
    assert [v["id"] for v in ledger.walk("visit", plan=p)] == [made]


def test_queries_of_the_same_fields_share_one_index_kept_up_to_date(pair):
    """The fields asked for in any order, or the first of them alone, are read through one index
    of them (each index is written on every save of its type: a disbursement's 50,000 payments);
    a longer index made drops the shorter one it serves for; each answer stays the records asked."""
    import sqlite3

    ledger, a, b, p = pair
    made = [ledger.put(visit(p, b, a, date=day, kind=kind)).id
            for day, kind in (("2006-10-12", "送教下乡"), ("2006-11-20", "送教下乡"), ("2006-11-21", "示范课"))]

    def indexes() -> set[str]:
        with sqlite3.connect(ledger._cache_path()) as db:
            return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'by_visit%'")}

    saved = indexes()   # (those the rules of a save asked for)
    assert [v["id"] for v in ledger.query("visit", kind="送教下乡")] == made[:2]
    assert indexes() == saved | {"by_visit_kind"}
    assert [v["id"] for v in ledger.query("visit", plan=p, kind="示范课")] == made[2:]
    assert [v["id"] for v in ledger.query("visit", kind="示范课", plan=p)] == made[2:]
    assert indexes() == saved | {"by_visit_kind_plan"}
    assert [v["id"] for v in ledger.query("visit", kind="送教下乡")] == made[:2]
    assert [v["id"] for v in ledger.query("visit", kind="送教下乡", date__gte="2006-11-01")] == [made[1]]
    assert indexes() == saved | {"by_visit_kind_plan", "by_visit_kind_date"}
    # another process reads through the indexes there are, and drops one an older Bangfu left
    # beside the index that serves it
    with sqlite3.connect(ledger._cache_path()) as db:
        db.execute("CREATE INDEX by_visit_kind ON records (json_extract(doc, '$.kind')) WHERE type = 'visit'")
    other = Ledger(ledger.path)
    assert [v["id"] for v in other.query("visit", kind="示范课")] == made[2:]
    assert [v["id"] for v in other.query("visit", plan=p, kind="送教下乡")] == made[:2]
    assert indexes() == saved | {"by_visit_kind_plan", "by_visit_kind_date"}


def test_a_save_of_many_records_git_cannot_store_commits_nothing_and_goes_through_after(ledger):
    """Git stores a big save's files (fast-import) while the trees and the commit are made: when
    it cannot (here its pack folder is a file), the save is refused in words and the branch stays
    where it was; with the folder back the same save goes through, every record readable."""
    from store.core.errors import StorageError

    ledger.put(school())
    schools = [{**school(f"某县第{n}小学", f"{n}小"), "id": ids.new_id("school")} for n in range(250)]
    changes = [Change(s["id"], s, NEW) for s in schools]
    pack = ledger.git.gitdir / "objects" / "pack"
    assert not any(pack.iterdir())
    pack.rmdir()
    pack.write_text("")
    tip = ledger.tip
    try:
        with pytest.raises(StorageError) as caught:
            ledger.commit(changes, action="import")
    finally:
        pack.unlink()
        pack.mkdir()
    assert "没有提交任何内容" in str(caught.value) and "Traceback" not in str(caught.value)
    assert ledger.git.tip() == tip
    ledger.commit(changes, action="import")
    again = Ledger(ledger.path)
    assert [again.get(s["id"])["name"] for s in schools] == [s["name"] for s in schools]
    subprocess.run(["git", "fsck"], cwd=ledger.path, check=True, capture_output=True)


def test_blobs_stream_as_git_gives_them_large_ones_whole_and_a_missing_one_is_said(ledger):
    from store.ledger.gitstore import GitFailed

    big = ("石桥" * 400_000).encode()   # (2.4 MB: more than one read of the pipe)
    shas = [ledger.git.write("blob", data) for data in (b"{}", big, b"[1]")]
    assert list(ledger.git.read_blobs(shas)) == list(zip(shas, [b"{}", big, b"[1]"]))
    with pytest.raises(GitFailed) as missing:
        list(ledger.git.read_blobs([shas[0], "0" * 40]))
    assert "0" * 40 in str(missing.value)


def test_an_index_read_afresh_keeps_the_indexes_of_the_fields_asked_before(pair):
    """Reading every record afresh (the tree the index names is gone) makes the field indexes
    again after the records are in, and queries answer through them as before."""
    import sqlite3

    ledger, a, b, p = pair
    made = [ledger.put(visit(p, b, a, date=day)).id for day in ("2006-10-12", "2006-11-20")]
    assert [v["id"] for v in ledger.query("visit", kind="送教下乡", date__gte="2006-11-01")] == [made[1]]
    db = sqlite3.connect(ledger._cache_path())
    db.execute("UPDATE meta SET value = ? WHERE key = 'tree'", ("0" * 40,))   # a tree this repository lacks
    db.commit()
    assert [v["id"] for v in Ledger(ledger.path).query("visit", kind="送教下乡", date__gte="2006-11-01")] == [made[1]]
    assert db.execute("SELECT value FROM meta WHERE key = 'tree'").fetchone()[0] != "0" * 40
    assert {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} >= {
        "records_by_type", "by_visit_kind_date"}
    db.close()


def test_a_first_save_after_the_ledger_is_readied_loads_no_more_code(pair):
    """The dashboard readies the ledger as it opens (the index, then the schemas' validators, the
    commit's signing, pypinyin and the messages): its first save then costs what later ones do,
    not the seconds of imports and schema walks it took (2.5 s at 200k records, 2.1 s of it at 1k
    too), nor reading every message (0.5 s from the TOML: the first save at 1M was 0.07 of git's)."""
    import sys

    ledger, a, _b, _p = pair
    ledger.prepare_search("school")   # (the save makes the school's search text again: its names in pinyin)
    script = f"""
import json, sys
from store import Ledger
from store.privacy.acts import attach_keys
ledger = Ledger({str(ledger.path)!r})
ledger.preload().join()
attach_keys(ledger)
school = ledger.get({a!r})
school["township"] = "沙河镇"
before = set(sys.modules)
from store.core import i18n
read = i18n.catalogue.cache_info().misses
ledger.put(school, base=ledger.version({a!r}))
print(json.dumps([ledger.get({a!r})["township"], sorted(set(sys.modules) - before),
                  read, i18n.catalogue.cache_info().misses]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert json.loads(out.stdout) == ["沙河镇", [], 1, 1]   # (the messages read once, before the save)


def test_not_a_ledger(tmp_path):
    with pytest.raises(NotALedger):
        Ledger(tmp_path)
    git(tmp_path, "init", "-q", "plain")
    with pytest.raises(NotALedger) as caught:
        Ledger(tmp_path / "plain")
    assert "bangfu init" in str(caught.value)


def test_worktree_ledger_stays_clean_after_saves(tmp_path):
    ledger = Ledger.init(tmp_path / "wt", worktree=True, site="测试站")
    from store.privacy.acts import init_keys
    init_keys(ledger)
    saved = ledger.put(school())
    rec = ledger.get(saved.id)
    rec["township"] = "沙河镇"
    ledger.put(rec, base=saved.version)
    assert git(tmp_path / "wt", "status", "--porcelain") == ""
    assert "沙河镇" in (tmp_path / "wt" / ids.path_of(saved.id, ids.LATEST)).read_text(encoding="utf-8")


def test_index_cache_is_only_a_cache(pair):
    ledger, a, b, p = pair
    ledger.put(visit(p, b, a))
    with_cache = Ledger(ledger.path)
    with_cache.count()
    _drop_index(ledger)
    without = Ledger(ledger.path)
    assert without.count() == 4 and ledger._cache_path().is_file()
    assert with_cache.index.docs == without.index.docs
    _drop_index(ledger)
    ledger._cache_path().write_bytes(b"garbage" * 1000)
    assert Ledger(ledger.path).index.docs == without.index.docs
    # Damage inside a file SQLite opens: every page but the first overwritten.
    index = ledger._cache_path()
    Ledger(ledger.path).count()
    data = index.read_bytes()
    index.write_bytes(data[:4096] + b"\xa5" * (len(data) - 4096))
    assert Ledger(ledger.path).index.docs == without.index.docs
    # A record's text changed in the file (a disk error, a hand edit), its blob id left: a
    # process that has the index open meets it too, and answers from git.
    forge_index(index, "沙河镇第二中心小学", "伪造的校名", blob_too=False)
    assert with_cache.get(a)["name"] == "沙河镇第二中心小学"
    assert [s["name"] for s in with_cache.query("school")] == ["沙河镇第二中心小学", "石桥镇第二中心小学"]
    assert Ledger(ledger.path).index.docs == without.index.docs
    # Nothing is lost for saves either: the next one builds on everything.
    forge_index(index, "石桥镇第二中心小学", "伪造的校名", blob_too=False)
    ledger.put(visit(p, a, b))
    assert Ledger(ledger.path).count("visit") == 2 and Ledger(ledger.path).get(b)["name"] == "石桥镇第二中心小学"


def test_query_filters_and_pinyin(pair):
    ledger, a, b, p = pair
    for day, hours in (("2006-10-12", 4), ("2006-11-20", 2), ("2007-03-05", 6)):
        ledger.put(visit(p, b, a, date=day, hours=hours))
    assert len(ledger.query("visit", date__gte="2006-11-01")) == 2
    assert len(ledger.query("visit", hours=4)) == 1
    assert len(ledger.query("visit", date__gte="2006-11-01", date__lt="2007-01-01")) == 1
    assert [s["name"] for s in ledger.query("school", text="shq")] == ["石桥镇第二中心小学"]
    assert [s["name"] for s in ledger.query("school", text="sq")] == ["石桥镇第二中心小学"]
    assert len(ledger.query("plan", parties__contains={"school": a, "role": "帮扶"})) == 1


@pytest.mark.parametrize("bulk", [False, True])
def test_a_query_by_text_answers_as_python_compares_whatever_the_fields_hold(pair, monkeypatch, bulk):
    """SQLite finds the rows and Python only checks that each field compared with text is a text:
    a date written as a number or an object, or a kind as a list (a merge or a hand edit can
    commit them), is none of "since", "before" or "equal to" a text, as Python says. The same
    answers when the rows are many (parsed for the answer alone, handed out as they are)."""
    from store.ledger import index as index_module

    ledger, a, b, p = pair
    monkeypatch.setattr(index_module, "BULK", 0 if bulk else 512)
    plain = ledger.put(visit(p, b, a, date="2006-11-20")).id
    odd = {name: dict(visit(p, b, a), id=ids.new_id("visit"), **fields) for name, fields in (
        ("number", {"date": 20061120}), ("object", {"date": {"day": "2006-11-20"}}), ("list", {"kind": ["送教下乡"]}))}
    g = ledger.git
    tree = g.write_tree(g.commit_tree(ledger.tip), {ids.path_of(r["id"], ids.LATEST): g.write("blob", canonical.dumps(r))
                                                    for r in odd.values()})
    assert g.swap_ref(g.make_commit(tree, [ledger.tip], Person("同步", "sync@example.cn"), "sync: merge"), ledger.tip, "t")
    ledger.refresh()
    assert ledger.count("visit") == 4
    assert [v["id"] for v in ledger.query("visit", date__gte="2006-11-01")] == [plain]
    assert [v["id"] for v in ledger.query("visit", date__lt="2099-01-01", kind="送教下乡")] == [plain]
    assert ledger.query("visit", kind=json.dumps(["送教下乡"], ensure_ascii=False, separators=(",", ":"))) == []
    assert ledger.query("visit", date__in=["2006-11-20", '{"day":"2006-11-20"}'])[0]["id"] == plain
    assert [v["id"] for v in ledger.query("visit", date=20061120)] == [odd["number"]["id"]]   # (a number: Python's check)
    found = ledger.query("visit", kind="送教下乡", date__gte="2006-11-01")
    found[0]["hours"] = 99   # (the answer is the caller's: the ledger's record is unchanged)
    assert ledger.get(plain)["hours"] == 4


def test_records_are_read_as_json_reads_them():
    """Records are parsed by orjson, except what it reads otherwise (whole numbers past 64 bits
    become floats) or refuses (NaN, a lone surrogate, 1e400), which json reads."""
    for text in ('{"n": 123456789012345678901234567890, "m": -9223372036854775809, "k": 18446744073709551616}',
                 '{"a": 1, "a": 2}', '{"s": "\\ud800"}', '{"f": 1e400}', '{"x": "石桥", "y": [0.1, -0.0, 1.0]}'):
        for form in (text, text.encode("utf-8")):
            assert canonical.loads(form) == json.loads(text)
            assert repr(canonical.loads(form)) == repr(json.loads(text))
    assert canonical.loads("[NaN]")[0] != canonical.loads("[NaN]")[0]


def test_a_kind_since_a_date_and_the_values_of_a_field_follow_saves(pair):
    """What the dashboard asks without reading every activity: one kind since a date (an index
    of both fields), and the dates and kinds the activities have (for the term picker)."""
    ledger, a, b, p = pair
    made = [ledger.put(visit(p, b, a, date=day, kind=kind)).id for day, kind in
            (("2006-10-12", "送教下乡"), ("2006-11-20", "示范课"), ("2007-03-05", "送教下乡"), ("2007-04-01", "送教下乡"))]
    assert [v["id"] for v in ledger.query("visit", kind="送教下乡", date__gte="2006-11-01")] == sorted(made[2:])
    moved = dict(ledger.get(made[3]), date="2006-10-01")
    ledger.put(moved, base=ledger.index.blobs[made[3]])
    other = Ledger(ledger.path)   # (another process: the same file, moved by the save)
    for led in (ledger, other):
        assert [v["id"] for v in led.query("visit", kind="送教下乡", date__gte="2006-11-01")] == [made[2]]
        assert led.distinct("visit", "date") == ["2006-10-01", "2006-10-12", "2006-11-20", "2007-03-05"]
        assert led.distinct("visit", "kind") == ["示范课", "送教下乡"]
        assert led.distinct("plan", "period__end") == ["2007-08-31"]
    ledger.delete(made[1], reason="记错")
    assert other.distinct("visit", "kind") == ["送教下乡"]
    assert [v["id"] for v in other.query("visit", plan__in=[p], date__lt="2006-10-12")] == [made[3]]
    assert other.query("visit", plan__in=[]) == []   # (the visits of no plan: a term without any)


def test_typed_letters_do_not_match_inside_record_ids(ledger):
    """A ULID is random letters: "sq" once matched any record whose id (or a referenced id) held
    them. Ids are found by a piece of themselves (six characters or more, with a digit)."""
    sid = "school-01JDSQ" + "0" * 20
    ledger.commit([Change(sid, {**school(), "id": sid}, NEW)], action="add")
    other = ledger.put(school("石桥镇第二中心小学", "石桥二小")).id
    assert [s["id"] for s in ledger.query("school", text="sq")] == [other]      # 石桥 (shi qiao)
    assert ledger.matching([sid, other], "sq") == [other]
    assert [s["id"] for s in ledger.query("school", text="01jdsq")] == [sid]
    assert ledger.matching([sid, other], sid.upper()[7:20]) == [sid]


def test_text_matching_keeps_the_order_given_and_follows_edits(pair):
    """What a list's filter asks: which of these records (in the list's order) hold the text."""
    ledger, a, b, p = pair
    c = ledger.put(school("石桥中学", "石桥中")).id
    order = [c, a, b]
    assert ledger.matching(order, "shq") == [c, b]
    assert ledger.matching(list(reversed(order)), "石桥") == [b, c]
    assert ledger.matching(order, "  SHQ ") == [c, b]             # typed with spaces and capitals
    ledger.prepare_search("school")
    renamed = ledger.get(c)
    renamed.update(name="梓园小学", short_name="梓园")
    ledger.put(renamed, base=ledger.version(c))
    assert ledger.matching(order, "shq") == [b]                  # the text index follows the edit
    assert ledger.matching(order, "zy") == [c]
    assert ledger.matching(order, "shq", stop=lambda: True) == []  # overtaken by the next keystroke
    long = order * 1500                                            # past a slice of the lock, in order
    assert ledger.matching(long, "zy") == [c] * 1500 and ledger.matching(long, "shq")[:2] == [b, b]
    # The stored records themselves (no copies) for readers, copies for everyone else.
    assert ledger.scan("school", name="梓园小学") == [ledger.index.get(c)]
    assert ledger.scan("school")[0] is ledger.index.get(ledger.scan("school")[0]["id"])
    assert ledger.query("school", name="梓园小学")[0] is not ledger.index.get(c)


def test_a_search_before_the_text_index_is_made_says_how_many_it_did_not_see(pair, monkeypatch):
    """At a million records the first search of a fresh cache made the text index of 400,000
    activities first: minutes. Asked not to wait, a search answers from the records whose text
    is made (the newest first) and says how many it did not see; a record saved meanwhile is
    searchable at once; another process goes on with the making from where it stopped."""
    from store.ledger import index as index_module

    ledger, a, b, p = pair
    monkeypatch.setattr(index_module, "TEXT_PAGE", 2)   # (the text index made two records at a time)
    made = sorted(ledger.put(visit(p, b, a, date=f"2006-10-1{n}")).id for n in range(5))
    steps = iter([False, True])
    ledger.prepare_search("visit", stop=lambda: next(steps))   # (one page made, then stopped)
    found = ledger.matching(made, "送教", types=["visit"], whole=False)
    assert found == made[3:] and found.unsearched == 3
    assert ledger.matching(made, "示范课", types=["visit"], whole=False).unsearched == 3
    newer = ledger.put(visit(p, b, a, kind="示范课")).id   # (saved while the index is made: searchable)
    edited = dict(ledger.get(made[0]), kind="示范课")       # (an older one, edited: searchable too)
    ledger.put(edited, base=ledger.version(made[0]))
    found = ledger.matching([*made, newer], "示范课", types=["visit"], whole=False)
    assert found == [made[0], newer] and found.unsearched == 2
    other = Ledger(ledger.path)   # (another process: goes on from where the first stopped)
    other.prepare_search("visit")
    found = ledger.matching([*made, newer], "送教", types=["visit"], whole=False)
    assert found == made[1:] and found.unsearched == 0
    assert ledger.matching(made, "送教", types=["visit"]).unsearched == 0   # (waiting for it: every record)


def test_a_save_of_many_records_leaves_their_texts_to_the_builder(pair, monkeypatch):
    """Once the payments list had been searched, a paid batch's 50,000 payments each had its
    search text (pinyin of names, the full-text index) made inside the save. A save of many
    records leaves them to the text index's builder: a search that does not wait says how many
    it has not seen, one that waits (the command line's) finds them, the builder makes them;
    a single save is searchable at once."""
    from store.ledger import index as index_module

    ledger, a, b, p = pair
    old = ledger.put(visit(p, b, a, kind="示范课")).id
    ledger.prepare_search("visit")   # (the text index made: a coordinator searched the list)
    monkeypatch.setattr(index_module, "TEXTS_LATER", 3)   # (a save of four is one of many)

    def save_many() -> list[str]:
        changes = [Change(rid, dict(visit(p, b, a, date=f"2006-10-1{n}"), id=rid))
                   for n, rid in enumerate(ids.new_id("visit") for _ in range(4))]
        ledger.commit(changes)
        return [c.id for c in changes]

    first = save_many()
    found = ledger.matching([old, *first], "送教", types=["visit"], whole=False)
    assert found == [] and found.unsearched == 4
    single = ledger.put(visit(p, b, a, kind="示范课")).id   # (saved alone: searchable at once)
    found = ledger.matching([old, *first, single], "示范课", types=["visit"], whole=False)
    assert found == [old, single] and found.unsearched == 4
    other = Ledger(ledger.path)   # (the command line, another process: waits, answers whole)
    assert [v["id"] for v in other.query("visit", text="送教")] == first
    found = ledger.matching([old, *first], "送教", types=["visit"], whole=False)
    assert found == first and found.unsearched == 0
    second = save_many()
    assert ledger.matching(second, "送教", types=["visit"], whole=False).unsearched == 4
    Ledger(ledger.path).prepare_search("visit")   # (the builder, in the next process)
    found = ledger.matching([*first, *second, single], "sjxx", types=["visit"], whole=False)
    assert found == [*first, *second] and found.unsearched == 0


def test_the_full_text_index_finds_what_the_text_holds_and_nothing_else(pair):
    """The filter asks SQLite's full-text index (each character a word of its own), then the text:
    letters that stand one after the other only across a line of the text are not a hit, and
    the index follows saves, deletions and a reading afresh."""
    ledger, a, b, p = pair
    v = ledger.put(visit(p, b, a, notes="送教:语文-数学")).id
    ledger.prepare_search("visit")
    ledger.prepare_search("school")
    hay = ledger.index.text_of(b)
    line_end = hay.index("\n")
    across = hay[line_end - 1] + hay[line_end + 1]   # (the last letter of one line, the first of the next)
    assert across not in hay
    order = [a, b]
    for needle, hits in (("石桥", [b]), ("shq", [b]), ("二中", [a, b]), (across, []), ("二", [a, b]),
                         ("镇第二中心小学", [a, b]), ("zhen", [a, b]),
                         ("桥", [b]), ("沙", [a]), ("犇", [])):   # (one character: the index alone answers)
        assert ledger.matching(order, needle) == hits, needle
    assert ledger.matching([v], "文-数") == [v] and ledger.matching([v], "文数") == []
    assert ledger.matching([v], ":") == [v] and ledger.matching([v], "¶") == []   # (punctuation alone)
    # A piece of its id with a digit finds it: its time part, which begins with a digit in every ULID
    # (the last eight characters, random, held no digit one time in twenty: a needle without a digit
    # is not looked for in the ids, by design, and the test failed then).
    piece = v.split("-", 1)[1][:8].lower()
    assert any(c.isdigit() for c in piece) and ledger.matching([v], piece) == [v]
    ledger.delete(v, reason="记错")
    assert ledger.matching([v], "送教") == []
    kept = ledger.put(visit(p, b, a, notes="送教:语文")).id
    assert ledger.matching([kept], "语文") == [kept]
    _drop_index(ledger)
    again = Ledger(ledger.path)
    assert again.matching([kept, a, b], "语文") == [kept] and again.matching(order, "shq") == [b]


def test_history_lists_versions_newest_first(pair):
    ledger, a, b, p = pair
    saved = ledger.put(visit(p, b, a))
    rec = ledger.get(saved.id)
    rec["hours"] = 5
    ledger.put(rec, base=saved.version, author=Person("李老师", "li@school.cn"))
    hist = ledger.history(saved.id)
    assert [h["author"] for h in hist] == ["李老师", "测试员"]
    assert [h["trailers"]["Action"] for h in hist] == [["edit"], ["add"]]
    assert ledger.read_at(saved.id, hist[1]["commit"])["hours"] == 4


def test_commit_message_cannot_be_forged_by_record_text(pair):
    ledger, a, b, p = pair
    saved = ledger.put(school("伪造\n\nRecord-Id: plan-01JB0000000000000000000000", "x"))
    trailers = ledger.history(saved.id)[0]["trailers"]
    assert trailers["Record-Id"] == [saved.id]


def test_git_fsck_clean_after_many_saves(pair):
    ledger, a, b, p = pair
    for i in range(30):
        ledger.put(visit(p, b, a, date=f"2006-10-{i % 28 + 1:02d}"))
    subprocess.run(["git", "fsck", "--strict"], cwd=ledger.path, check=True, capture_output=True)


def test_record_in_the_wrong_folder_is_reported_by_validate(pair, tmp_path):
    from store.history.verify import check_tip
    ledger, a, b, p = pair
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(ledger.path), str(work))
    rid = ids.new_id("school")
    right = ids.path_of(rid, ids.LATEST)
    wrong = right.replace(f"/{ids.shard(rid, ids.LATEST)}/", "/zz/")
    (work / wrong).parent.mkdir(parents=True)
    (work / wrong).write_bytes(canonical.dumps(dict(school("错放的学校", "错放"), id=rid)))
    git(work, "add", "-A")
    git(work, "commit", "-qm", "misplaced by hand")
    git(work, "push", "-q", "origin", "main")
    ledger.refresh()
    assert [f.record for f in check_tip(ledger) if f.rule == "verify.bad_path"] == [wrong]
