"""A ledger on a disk that refuses writes: a clear message, nothing committed, nothing lost.

Uses a real small tmpfs (root can mount one; elsewhere the test is skipped) so the
disk really is full or really is read-only: no faked file system."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from conftest import git, school
from store.errors import StorageError
from store.ledger import Ledger
from store.privacy import attach_keys


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3M", "tmpfs", str(mount)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip("needs permission to mount a small tmpfs (run as root, as CI does)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def _ledger_on(disk: Path, ledger: Ledger) -> Ledger:
    target = disk / "ledger"
    shutil.copytree(ledger.path, target)
    moved = Ledger(target)
    attach_keys(moved)
    return moved


def _fill(disk: Path) -> None:
    with open(disk / "filler", "wb") as fh:
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
    assert led.git.tip() == tip
    (small_disk / "filler").unlink()
    subprocess.run(["git", "fsck"], cwd=led.path, check=True, capture_output=True)
    assert Ledger(led.path).get(saved.id)["name"] == "沙河镇第二中心小学"
    led.put(record, base=saved.version)  # with room again the same save goes through
    assert "长备注" in Ledger(led.path).get(saved.id)["notes"]


def test_read_only_disk_gives_a_clear_error_from_the_command(ledger, small_disk):
    ledger.put(school())
    led = _ledger_on(small_disk, ledger)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    proc = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(led.path), "add", "school", "-"],
                          input=json.dumps(school("石桥镇第二中心小学", "石桥二小"), ensure_ascii=False),
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "无法写入台账" in proc.stderr and "Traceback" not in proc.stderr
    listed = subprocess.run([sys.executable, "-m", "bangfu", "-L", str(led.path), "list", "school"],
                            capture_output=True, text=True)
    assert listed.returncode == 0 and "沙河镇第二中心小学" in listed.stdout  # reading still works
