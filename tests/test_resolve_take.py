"""`bangfu resolve ID --take mine county=X`: one side for the record and a field typed, after one
--take, as a coordinator types it (it was refused: 无法识别的参数：county=丙县, and only two --take
did it); the id may come after the values; a command short of the id or the choice says what to type."""
from __future__ import annotations

import pytest

from store.sync import remote as sync
from store.sync.conflicts import list_conflicts
from test_show_events import conflict
from test_sync_local import bangfu, hub, pair, sites  # noqa: F401 (fixtures)


def test_one_take_takes_a_side_and_sets_a_field(pair):
    event_id = conflict(pair)       # A: notes 甲方, county 甲县; B: notes 乙方, county 乙县 (B's kept)
    a, _b, s1, _s2, _p = pair
    r = bangfu("-L", str(a.path), "resolve", event_id, "--take", "mine", "county=丙县")
    assert r.returncode == 0, r.stderr
    a.refresh()
    assert (a.get(s1)["notes"], a.get(s1)["county"]) == ("甲方", "丙县")
    assert list_conflicts(a) == []


def test_the_id_may_follow_the_values(pair):
    event_id = conflict(pair)
    a, b, s1, _s2, _p = pair
    r = bangfu("-L", str(b.path), "resolve", "--take", "theirs", "notes=两校商定", event_id)
    assert r.returncode == 0, r.stderr
    b.refresh()
    assert (b.get(s1)["notes"], b.get(s1)["county"]) == ("两校商定", "甲县")
    sync.sync(b)
    sync.sync(a)
    assert (a.get(s1)["notes"], a.get(s1)["county"]) == ("两校商定", "甲县") and list_conflicts(a) == []


@pytest.mark.parametrize("lang,args,said", [
    ("zh", ["--take", "mine", "theirs"],
     "--take 应为 mine（本站）或 theirs（对方）之一，和/或 字段=值（如 --take mine county=某县），而不是 mine theirs"),
    ("en", ["--take", "mine", "theirs"],
     "--take must be one of mine or theirs, and/or FIELD=VALUE (e.g. --take mine county=X), not mine theirs"),
    ("zh", [], "缺少必需的参数：--take（例如 bangfu resolve event-… --take mine county=某县；bangfu conflicts 列出编号）"),
    ("en", [], "the following arguments are required: --take (e.g. bangfu resolve event-… --take mine county=X; "
               "bangfu conflicts lists the ids)")])
def test_a_resolve_short_of_a_choice_says_what_to_type(pair, lang, args, said):
    event_id = conflict(pair)
    a = pair[0]
    r = bangfu("-L", str(a.path), "--lang", lang, "resolve", event_id, *args)
    assert r.returncode == 2 and r.stderr.strip() == said
    assert len(list_conflicts(a)) == 1


@pytest.mark.parametrize("lang,said", [
    ("zh", "缺少必需的参数：id（例如 bangfu resolve event-… --take mine county=某县；bangfu conflicts 列出编号）"),
    ("en", "the following arguments are required: id (e.g. bangfu resolve event-… --take mine county=X; "
           "bangfu conflicts lists the ids)")])
def test_a_resolve_without_the_id_says_what_to_type(lang, said):
    r = bangfu("--lang", lang, "resolve", "--take", "mine")
    assert r.returncode == 2 and r.stderr.strip() == said
