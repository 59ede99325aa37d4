"""Who may change what, over a real sshd on 127.0.0.1 with two real Unix accounts: the hub's
hook runs as the account that logged in, and the access list of the hub's policy holds each
to the records of their own school.

Needs root (to make the accounts) and /usr/sbin/sshd (CI installs openssh-server)."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import SSHD_TODAY, TODAY, cannot_run_here, git
from store.core import ids
from store.core.ids import new_id
from store.figures.dashboard import term_of
from store.sync import remote as sync
from store.privacy.acts import init_keys
from test_export import small_ledger
from test_hub_guard import hand_edit, push
from test_sync_local import make_hub, make_site
from test_sync_transports import SSHD, free_port, wait_for_port

# They share the server's Unix accounts, so under `pytest -n` they run in one worker, one at a time.
pytestmark = pytest.mark.xdist_group("unix-accounts")

ACCOUNTS = ("bfhub_shahe", "bfhub_shiqiao")
GROUP = "bfhub"


def _account(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "-m", "-s", "/bin/sh", "-G", GROUP, name], check=True, capture_output=True)
    # No password, yet not locked ('!' is, and sshd without PAM refuses a locked account's keys).
    subprocess.run(["usermod", "-p", "*", name], check=True, capture_output=True)
    home = Path(pwd.getpwnam(name).pw_dir)
    # The hub belongs to root: both accounts trust it (what #17's set-up tells users to do).
    (home / ".gitconfig").write_text("[safe]\n\tdirectory = *\n", encoding="utf-8")


ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path(f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}")


def _hook_for_every_account(hub: Path) -> None:
    """The hook as `bangfu init --shared` writes it, run by an interpreter every account may
    execute: on this machine the project's own lives under /root, which no other account enters."""
    real = Path(os.path.realpath(sys.executable))
    if all(p.stat().st_mode & 0o001 for p in real.parents):
        return
    if not SYSTEM_PYTHON.exists():
        cannot_run_here(f"the project's Python ({sys.executable}) cannot be run by other accounts, and "
                    f"there is no {SYSTEM_PYTHON}")
    hook = hub / "hooks" / "pre-receive"
    paths = ":".join([str(ROOT), *(p for p in sys.path if p.endswith("site-packages"))])
    hook.write_text(hook.read_text(encoding="utf-8").replace(
        "exec ", f"PYTHONPATH='{paths}' exec {SYSTEM_PYTHON} -m bangfu hook pre-receive #", 1), encoding="utf-8")


@pytest.fixture(scope="module")
def server():
    if os.geteuid() != 0 or not SSHD.exists() or not shutil.which("useradd"):
        cannot_run_here("needs root, useradd and /usr/sbin/sshd (apt-get install -y openssh-server)")
    subprocess.run(["groupadd", "-f", GROUP], check=True)
    for name in ACCOUNTS:
        _account(name)
    d = Path(tempfile.mkdtemp(prefix="bangfu-sshd-", dir="/tmp"))
    d.chmod(0o755)    # the accounts read their authorized keys (sshd reads them as the account)
    for name in ("host_key", "user_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True)
    shutil.copy(d / "user_key.pub", d / "authorized_keys")
    (d / "authorized_keys").chmod(0o644)
    config = d / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}", f"AuthorizedKeysFile {d / 'authorized_keys'}",
        f"PidFile {d / 'sshd.pid'}", "StrictModes no", "UsePAM no", "PasswordAuthentication no",
        "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "LogLevel ERROR", SSHD_TODAY, ""]))
    Path("/run/sshd").mkdir(exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([str(SSHD), "-f", str(config), "-D", "-e", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_for_port(port, proc, "sshd")
    ssh = (f"ssh -i {d / 'user_key'} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
           f"-o BatchMode=yes -o LogLevel=ERROR -p {port}")
    yield d, ssh
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(d, ignore_errors=True)


def test_each_account_changes_only_its_own_schools_records(server, tmp_path, monkeypatch):
    base, ssh = server
    monkeypatch.setenv("GIT_SSH_COMMAND", ssh)
    hub = make_hub(base / "hub.git")
    site = make_site(str(hub), tmp_path / "site", "县中心")
    init_keys(site)
    data = small_ledger(site)
    sync.sync(site)
    site.close()
    _hook_for_every_account(hub)
    subprocess.run(["chgrp", "-R", GROUP, str(hub)], check=True)
    subprocess.run(["chmod", "-R", "g+rwX", str(hub)], check=True)
    shahe, shiqiao = data["shahe"]["id"], data["shiqiao"]["id"]
    policy = hub / "bangfu" / "hub-policy.toml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        '[access]\n"*" = ["*"]', f'[access]\n"*" = []\nbfhub_shahe = ["{shahe}"]\nbfhub_shiqiao = ["{shiqiao}"]'),
        encoding="utf-8")

    def clone(account: str) -> Path:
        work = tmp_path / account
        git(tmp_path, "clone", "-q", f"ssh://{account}@127.0.0.1{hub}", str(work))
        return work

    def change(work: Path, record: dict, **fields) -> None:
        hand_edit(work, record["id"], json.dumps({**record, **fields}, ensure_ascii=False, sort_keys=True,
                                                indent=2) + "\n")

    a = clone("bfhub_shahe")
    change(a, data["shahe"], township="沙河镇")
    r = push(a)
    assert r.returncode == 0, r.stderr
    change(a, data["shiqiao"], township="石桥镇")
    r = push(a)
    assert r.returncode != 0 and shiqiao in r.stderr and "bfhub_shahe" in r.stderr, r.stderr
    assert "只能修改这些学校的记录" in r.stderr and "may change only the records" in r.stderr
    git(a, "reset", "-q", "--hard", "origin/main")
    # a payment belongs to its student's school: 石桥二小's coordinator pays, 沙河二小's may not
    b = clone("bfhub_shiqiao")
    term, today = term_of(TODAY), TODAY.isoformat()   # (a closed term's are not edited)
    aid = {**data["aid"][0], "id": new_id("aid"), "term": term, "paid_on": today, "voucher": "SQ-101"}
    change(b, aid)
    r = push(b)
    assert r.returncode == 0, r.stderr
    git(a, "pull", "-q", "--ff-only")
    change(a, aid, voucher="SQ-999")
    r = push(a)
    assert r.returncode != 0 and aid["id"] in r.stderr, r.stderr
    # the hook ran as each account, and what reached the hub is only what each may change
    log = git(hub, "log", "--format=%s", "main")
    assert json.loads(git(hub, "show", f"main:{ids.path_of(shiqiao, ids.LATEST)}")).get("township") is None
    assert json.loads(git(hub, "show", f"main:{ids.path_of(aid['id'], ids.LATEST)}"))["voucher"] == "SQ-101"
    assert json.loads(git(hub, "show", f"main:{ids.path_of(shahe, ids.LATEST)}"))["township"] == "沙河镇", log
