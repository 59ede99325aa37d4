"""Large ledgers: building them beside git's own housekeeping."""
from __future__ import annotations

import socket
import subprocess
import threading
import time

from conftest import school
from store import Ledger
from store.demo.build import build_demo
from store.demo.generate import invented_id_number
from store.privacy.acts import attach_keys


def _loose_objects(ledger: Ledger) -> int:
    out = subprocess.run(["git", "count-objects", "-v"], cwd=ledger.git.gitdir, capture_output=True, text=True).stdout
    return int(dict(line.split(": ") for line in out.splitlines())["count"])


def _hold_gc_lock(ledger: Ledger) -> subprocess.Popen:
    """A gc.pid naming a live process on this machine: git's own sign of a gc running."""
    holder = subprocess.Popen(["sleep", "60"])
    (ledger.git.gitdir / "gc.pid").write_text(f"{holder.pid} {socket.gethostname()}")
    return holder


def test_demo_build_commits_without_starting_gc_and_ends_packed(tmp_path):
    ledger = build_demo(tmp_path / "ledger", records=600, keyfile=tmp_path / "keys.json")
    assert ledger.count() == 600
    assert _loose_objects(ledger) == 0
    assert not (ledger.git.gitdir / "gc.pid").exists()   # no automatic gc was left running
    assert ledger.git.housekeeping   # saves after the build pack now and then again
    ledger.close()


def test_pack_waits_for_a_gc_running_beside_it(tmp_path):
    # The issue: `bangfu demo --records 1000000` crashed on "gc is already running".
    ledger = build_demo(tmp_path / "ledger", records=0, keyfile=tmp_path / "keys.json")
    ledger.put({"type": "school", "schema_version": 1, "name": "石桥二小", "stage": "小学",
                "county": "宁夏回族自治区海原县", "area": "乡村"})
    assert _loose_objects(ledger) > 0
    holder = _hold_gc_lock(ledger)
    threading.Timer(0.5, lambda: (holder.kill(), holder.wait())).start()   # the other gc ends while pack waits
    try:
        ledger.git.pack()
    finally:
        holder.kill()
        holder.wait()
    assert _loose_objects(ledger) == 0
    ledger.close()


def test_pack_leaves_the_packing_to_a_gc_that_runs_on(tmp_path):
    ledger = build_demo(tmp_path / "ledger", records=0, keyfile=tmp_path / "keys.json")
    holder = _hold_gc_lock(ledger)
    try:
        ledger.git.pack(wait=0.5)   # no error: the running gc packs the ledger
        saved = ledger.put({"type": "school", "schema_version": 1, "name": "沙河二小", "stage": "小学",
                            "county": "宁夏回族自治区海原县", "area": "乡村"})
        assert ledger.get(saved.id)["name"] == "沙河二小"
    finally:
        holder.kill()
        holder.wait()
    ledger.close()


WRITES = 30


def _write_schools(path: str) -> None:
    """Schools, and every fifth save a pupil of the school just saved (an ID number sealed under a
    data key the writer adds to the key file)."""
    ledger = Ledger(path)
    attach_keys(ledger)
    for n in range(WRITES):
        saved = ledger.put(school(f"第{n}小学", f"第{n}"))
        if n % 5 == 0:
            ledger.put({"type": "student", "schema_version": 1, "name": f"学生{n}", "sex": "女", "school": saved.id,
                        "stage": "小学", "grade": "三年级", "events": [{"date": "2026-09-01", "event": "认定"}],
                        "identity": {"id_number": invented_id_number(f"pupil-{n}", 2017, sex="女")}})


def _watch(path: str, out) -> None:
    """A dashboard's reads while another process writes: every answer is the ledger at one tip, and
    the key file held open since the start gives the key of every pupil the writer added."""
    ledger = Ledger(path)
    attach_keys(ledger)
    seen: list[list[int]] = []
    keyless: set[str] = set()
    deadline = time.monotonic() + 300   # (a writer that failed never brings the last school)
    while (not seen or len(seen[-1]) < WRITES) and time.monotonic() < deadline:
        numbers = sorted(int(s["name"][1:-2]) for s in ledger.query("school") if s["name"].endswith("小学")
                         and s["name"].startswith("第"))
        keyless |= {s["id"] for s in ledger.query("student") if not ledger.keys.data_keys(s["id"])}
        seen.append(numbers)
    out.put((seen, sorted(keyless)))


def test_two_readers_and_a_writer_on_one_ledger_stay_consistent(ledger):
    import multiprocessing as mp

    ledger.count()   # the index file exists: all three processes share it
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    readers = [ctx.Process(target=_watch, args=(str(ledger.path), out)) for _ in range(2)]
    writer = ctx.Process(target=_write_schools, args=(str(ledger.path),))
    for p in (*readers, writer):
        p.start()
    views = [out.get(timeout=600) for _ in readers]
    for p in (*readers, writer):
        p.join(timeout=60)
    assert writer.exitcode == 0
    assert [keyless for _seen, keyless in views] == [[], []]
    for seen, _keyless in views:
        for numbers in seen:   # the schools of one tip: the first k saves, none half there
            assert numbers == list(range(len(numbers)))
        counts = [len(n) for n in seen]
        assert counts == sorted(counts) and counts[-1] == WRITES   # never back to an older tip
    assert ledger.count("school") == WRITES and ledger.count("student") == WRITES // 5
