"""Two sites erase different students at the same time and sync through a real bare hub served by
`git daemon` (issue 12): every other student was hashed again at both sites under two different
next keys, and neither version of those hashes is a change anyone made. The merge must leave no
conflict about them, and after the sites bring their hash keys together (the key import
`bangfu key status` asks for) every live student is hashed once, under the one key."""
from __future__ import annotations

import shutil

from conftest import run, school
from test_privacy_erasure import ERASED_ID, LIVE_ID, NEW_ID, OTHER_ID, student
from test_sync_local import make_hub, make_site
from test_sync_transports import daemon  # noqa: F401  (the fixture)
from store.privacy import protect
from store.privacy.acts import attach_keys, init_keys, key_path
from store.privacy.keystore import KeyStore
from store.sync import remote as sync
from store.sync.conflicts import list_conflicts

PASSPHRASE = "长长的口令-bangfu"


def test_a_student_neither_site_erased_is_no_conflict_after_two_erasures_meet(daemon, tmp_path, capsys):  # noqa: F811
    make_hub(daemon.base / "hub.git")
    url = daemon.url("hub.git")
    a = make_site(url, tmp_path / "a", "沙河二小")
    init_keys(a)
    sch = a.put(school()).id
    first = a.put(student(sch, "王小明", ERASED_ID)).id
    second = a.put(student(sch, "李小红", LIVE_ID)).id
    third = a.put(student(sch, "张三", OTHER_ID)).id
    fourth = a.put(student(sch, "赵六", "110101201001011026")).id   # a typing error, valid all the same
    sync.sync(a)
    b = make_site(url, tmp_path / "b", "石桥二小")
    b_keys = tmp_path / "b-keys" / key_path(a).name
    b_keys.parent.mkdir()
    shutil.copy(key_path(a), b_keys)
    b.git.set_config("bangfu.keyfile", str(b_keys))
    attach_keys(b)

    assert run(capsys, "-L", str(a.path), "erase", first, "--reason", "家长申请删除")[0] == 0
    assert run(capsys, "-L", str(b.path), "erase", second, "--reason", "家长申请删除")[0] == 0
    # ... and the first site corrects another student's ID: its edit, not the other's re-hash, stays.
    assert run(capsys, "-L", str(a.path), "set", fourth, f"identity.id_number={NEW_ID}")[0] == 0
    a.refresh()
    b.refresh()
    sync.sync(a)
    merged = sync.sync(b)
    assert merged.merged and merged.open_conflicts == 0
    assert [c.record for c in list_conflicts(b)] == []
    sync.sync(a)
    assert [c.record for c in list_conflicts(a)] == []
    for site in (a, b):
        site.refresh()
        assert [site.get(s).get("identity") for s in (first, second)] == [{}, {}]
        assert site.get(third)["identity"]["id_number"]["masked"] == "1101**********002X"
        assert site.get(fourth)["identity"]["id_number"]["masked"] == "1101**********1018"

    # The key import the later site is asked for brings both to one key; its re-hash reaches the hub.
    KeyStore.import_bytes(KeyStore.open(key_path(a)).export_bytes(PASSPHRASE), PASSPHRASE, b_keys)
    attach_keys(b)
    sync.sync(b)
    sync.sync(a)
    one_key = KeyStore.open(key_path(a)).hmac_key
    assert KeyStore.open(b_keys).hmac_key == one_key
    for site in (a, b):
        site.refresh()
        for rid, id_number in ((third, OTHER_ID), (fourth, NEW_ID)):
            assert site.get(rid)["identity"]["id_number"]["hmac"] == protect.fingerprint(one_key, "id_number",
                                                                                        id_number)
        assert list_conflicts(site) == []
    a.close()
    b.close()
