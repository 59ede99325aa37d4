"""A ledger on a disk that refuses writes: a clear message, nothing committed, nothing lost.

Uses a real small tmpfs (root can mount one; elsewhere the test is skipped, and under CI,
which runs as root, it fails) so the disk really is full or really is read-only: no faked
file system."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cannot_run_here, school
from store.core.errors import StorageError
from store import Ledger
from store.privacy.acts import attach_keys


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        cannot_run_here("needs permission to mount a small tmpfs (run as root, as CI does): "
                        + proc.stderr.decode(errors="replace").strip())
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _ledger_on(disk: Path, ledger: Ledger) -> Ledger:
    target = disk / "ledger"
    shutil.copytree(ledger.path, target)
    moved = Ledger(target)
    attach_keys(moved)
    return moved


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb", buffering=0) as fh:   # unbuffered: nothing left to flush on close
        try:
            while True:
                fh.write(os.urandom(64 * 1024))
                fh.flush()
        except OSError:
            pass


def test_full_disk_gives_a_clear_error_and_commits_nothing(ledger, small_disk):
    saved = ledger.put(school())
    led = _ledger_on(small_disk, ledger)
    tip = led.tip
    _fill(small_disk)
    record = led.get(saved.id)
    record["notes"] = "长备注" * 1300
    with pytest.raises(StorageError) as caught:
        led.put(record, base=saved.version)
    assert "磁盘已满" in str(caught.value) and "没有提交任何内容" in str(caught.value)
    assert f"无法写入台账 {led.path}" in str(caught.value)      # which ledger, on a server holding several
    assert led.git.tip() == tip
    (small_disk / "filler").unlink()
    subprocess.run(["git", "fsck"], cwd=led.path, check=True, capture_output=True)
    assert Ledger(led.path).get(saved.id)["name"] == "沙河镇第二中心小学"
    led.put(record, base=saved.version)  # with room again the same save goes through
    assert "长备注" in Ledger(led.path).get(saved.id)["notes"]


def test_read_only_disk_gives_a_clear_error_from_the_command(ledger, small_disk):
    ledger.put(school())
    led = _ledger_on(small_disk, ledger)
    led.close()   # (a file open for writing, the index's, keeps a disk from being made read-only)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    proc = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(led.path), "add", "school", "-"],
                          input=json.dumps(school("石桥镇第二中心小学", "石桥二小"), ensure_ascii=False),
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "无法写入台账" in proc.stderr and "Traceback" not in proc.stderr
    listed = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(led.path), "list", "school"],
                            capture_output=True, text=True)
    assert listed.returncode == 0 and "沙河镇第二中心小学" in listed.stdout  # reading still works


def test_a_sync_bringing_an_erasure_completes_when_the_key_file_is_on_a_read_only_disk(tmp_path, small_disk):
    """The erasure arrives with the sync; this site's key file cannot be changed just now: the sync
    still completes (exit 0, no traceback), and the key is destroyed by the next sync that can."""
    from store.sync import remote as sync
    from store.privacy.acts import init_keys, key_path
    from test_privacy_acts import ID_A, student
    from test_sync_local import bangfu, make_hub, make_site

    hub = make_hub(tmp_path / "hub")
    a = make_site(str(hub), tmp_path / "a", "沙河二小")
    init_keys(a)
    sid = a.put(student(a.put(school()).id, id_number=ID_A)).id
    sync.sync(a)
    b = sync.clone(str(hub), tmp_path / "b", site="石桥二小")
    keys_b = small_disk / "keys.json"
    shutil.copy(key_path(a), keys_b)
    keys_b.chmod(0o600)
    b.git.set_config("bangfu.keyfile", str(keys_b))

    def b_holds_the_key() -> bool:
        state = json.loads(keys_b.read_text())
        return any(sid in g["data_keys"] for g in state["generations"].values())

    assert b_holds_the_key()
    assert bangfu("-L", str(a.path), "erase", sid, "--reason", "毕业满五年").returncode == 0
    assert bangfu("-L", str(a.path), "sync").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    synced = bangfu("-L", str(b.path), "sync")
    assert synced.returncode == 0, synced.stderr
    assert "Traceback" not in synced.stderr
    assert Ledger(b.path).tip == Ledger(a.path).tip and b_holds_the_key()
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert bangfu("-L", str(b.path), "sync").returncode == 0
    assert not b_holds_the_key()
