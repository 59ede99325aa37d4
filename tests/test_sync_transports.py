"""The same sync over real network transports: `git daemon` (git://) and `sshd` (ssh://) on 127.0.0.1.

The SSH tests need an OpenSSH server binary. CI installs it (.ci/run does this):
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server
Without /usr/sbin/sshd they are skipped with that reason (under CI, CI=true, they fail instead).
"""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import TODAY, cannot_run_here, git, school
from store.core import ids
from store.sync import remote as sync
from store.privacy.acts import init_keys
from store.sync.conflicts import list_conflicts
from store import Ledger
from test_export import small_ledger
from test_hub_guard import open_payment
from test_sync_local import assert_valid, bangfu, edit, make_hub, make_site, tips

SSHD = Path("/usr/sbin/sshd")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port}")


class Daemon:
    """`git daemon` serving one folder, with receive-pack enabled (pushes run the hub's hooks)."""

    def __init__(self, base: Path):
        self.base = base
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--enable=receive-pack", f"--base-path={self.base}",
             "--listen=127.0.0.1", f"--port={self.port}", str(self.base)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
        wait_for_port(self.port, self.proc, "git daemon")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path / "served")
    d.base.mkdir()
    d.start()
    yield d
    d.stop()


@contextlib.contextmanager
def serve_ssh(folder: Path, today: str):
    """sshd on 127.0.0.1 (its `GIT_SSH_COMMAND`), its logins on the day `today` (the hub's hook
    runs in such a login, with none of the pusher's environment: the day comes from sshd's SetEnv)."""
    if not SSHD.exists():
        cannot_run_here("no /usr/sbin/sshd: install it with "
                    "`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openssh-server`")
    d = folder
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    config = d / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}", f"AuthorizedKeysFile {d / 'authorized_keys'}",
        f"PidFile {d / 'sshd.pid'}", "StrictModes no", "UsePAM no", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin prohibit-password",
        "LogLevel ERROR", f"SetEnv BANGFU_TODAY={today}", ""]))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation folder sshd insists on
    port = free_port()
    proc = subprocess.Popen([str(SSHD), "-f", str(config), "-D", "-e", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        wait_for_port(port, proc, "sshd")
        yield (f"ssh -i {d / 'user_key'} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
               f"-o BatchMode=yes -o LogLevel=ERROR -p {port}")
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with serve_ssh(tmp_path_factory.mktemp("sshd"), TODAY.isoformat()) as command:
        yield command


def _round_trip(url: str, tmp_path: Path) -> tuple[Ledger, Ledger, str]:
    """Two sites cloned over the transport: disjoint and conflicting edits, synced both ways."""
    a = make_site(url, tmp_path / "a", "沙河二小")
    b = make_site(url, tmp_path / "b", "石桥二小")
    s1 = a.put(school()).id
    sync.sync(a)
    sync.sync(b)
    edit(a, s1, notes="甲方", county="甲县")
    edit(b, s1, notes="乙方", township="乙镇")
    b.put(school("石桥镇第二中心小学", "石桥二小"))
    sync.sync(a)
    result = sync.sync(b)
    assert result.merged and result.pushed and len(result.conflicts) == 1
    sync.sync(a)
    assert len(tips(a, b)) == 1
    merged = a.get(s1)
    assert (merged["county"], merged["township"], merged["notes"]) == ("甲县", "乙镇", "乙方")
    [c] = list_conflicts(a)
    assert (c.fields[0].mine, c.fields[0].theirs) == ("甲方", "乙方")
    assert_valid(a)
    return a, b, s1


def _bad_push_refused(url: str, tmp_path: Path, s1: str) -> None:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", url, str(work))
    path = work / ids.path_of(s1, ids.LATEST)
    path.write_bytes(path.read_bytes().replace('"area": "镇区"'.encode(), '"area": "郊区"'.encode()))
    git(work, "commit", "-qam", "坏记录")
    r = subprocess.run(["git", "push", "origin", "main"], cwd=work, capture_output=True, text=True)
    assert r.returncode != 0
    assert "帮扶台账枢纽拒绝了这次推送" in r.stderr and "郊区" in r.stderr and "The Bangfu hub refused" in r.stderr


def test_sync_over_git_daemon(daemon, tmp_path):
    make_hub(daemon.base / "hub.git")
    a, b, s1 = _round_trip(daemon.url("hub.git"), tmp_path)
    _bad_push_refused(daemon.url("hub.git"), tmp_path, s1)


def test_network_gone_mid_way_then_back(daemon, tmp_path):
    make_hub(daemon.base / "hub.git")
    a = make_site(daemon.url("hub.git"), tmp_path / "a", "沙河二小")
    s1 = a.put(school()).id
    daemon.stop()
    r = bangfu("-L", str(a.path), "sync")
    assert r.returncode != 0 and "无法从 hub 获取" in r.stderr and "Traceback" not in r.stderr
    assert_valid(a)
    daemon.start()  # the network is back, on the same address
    r = bangfu("-L", str(a.path), "sync")
    assert r.returncode == 0, r.stderr
    assert Ledger(daemon.base / "hub.git").get(s1)["name"] == "沙河镇第二中心小学"


def test_sync_over_ssh(sshd, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_SSH_COMMAND", sshd)
    make_hub(tmp_path / "hub.git")
    url = f"ssh://{getpass.getuser()}@127.0.0.1{tmp_path / 'hub.git'}"
    a, b, s1 = _round_trip(url, tmp_path)
    _bad_push_refused(url, tmp_path, s1)
    r = bangfu("-L", str(b.path), "status")
    assert url in r.stdout and "待解决冲突：1 处" in r.stdout


def test_the_hub_over_ssh_judges_a_push_by_the_day_its_server_gives(sshd, tmp_path, monkeypatch):
    """An edit of a 2026-2027-1 payment saved at the site on the tests' day (2026-12-06): a hub
    whose sshd gives its logins 2027-03-15 refuses it (the term ended more than 31 days before),
    the same hub through an sshd giving 2026-12-06 takes it. The pusher's own BANGFU_TODAY
    (2026-12-06 in both) never reaches the hook."""
    monkeypatch.setenv("GIT_SSH_COMMAND", sshd)
    make_hub(tmp_path / "hub.git")
    url = f"ssh://{getpass.getuser()}@127.0.0.1{tmp_path / 'hub.git'}"
    site = make_site(url, tmp_path / "site", "石桥二小")
    init_keys(site)
    paid = open_payment(site, small_ledger(site))
    assert sync.sync(site).pushed
    site.put({**paid, "voucher": "SQ-EDITED"}, base=site.version(paid["id"]))
    site.close()
    hub = tmp_path / "hub.git"
    (tmp_path / "march").mkdir()
    with serve_ssh(tmp_path / "march", "2027-03-15") as in_march:
        r = bangfu("-L", str(tmp_path / "site"), "sync", env={"GIT_SSH_COMMAND": in_march})
    assert r.returncode != 0 and f"修改了已关闭学期 2026-2027-1（学期已结束）的资助发放 {paid['id']}" in r.stderr, r.stderr
    assert json.loads(git(hub, "show", f"main:{ids.path_of(paid['id'], ids.LATEST)}"))["voucher"] == "SQ-OPEN"
    r = bangfu("-L", str(tmp_path / "site"), "sync")
    assert r.returncode == 0, r.stderr
    assert json.loads(git(hub, "show", f"main:{ids.path_of(paid['id'], ids.LATEST)}"))["voucher"] == "SQ-EDITED"
