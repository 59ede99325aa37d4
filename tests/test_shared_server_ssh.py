"""The whole set-up as a county server runs it: coordinators and an auditor log in over SSH
(sshd on 127.0.0.1) to their own accounts and work on one shared ledger at once, Bangfu installed
once from its wheel. Coordinator 1 works with umask 022, coordinator 2 with umask 077."""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import textwrap
import threading

import pytest

import accounts
from accounts import AUDITOR, AUDITORS, COORDS, OUTSIDER, TEAM
from test_shared_server import SCHOOL, need_acl, server  # noqa: F401  (the fixture)

# They share the server's Unix accounts, so under `pytest -n` they run in one worker, one at a time.
pytestmark = pytest.mark.xdist_group("unix-accounts")

SAVES = 6   # per coordinator, at the same time


@pytest.fixture(scope="module")
def ssh(server):
    sshd = accounts.SSHServer([*COORDS, AUDITOR, OUTSIDER], server.bangfu.parent)
    yield sshd.login
    sshd.stop()


# Coordinator 2's dashboard: the school's form open, the school code typed and saved once
# coordinator 1 has set the township (the file `go` appears). Driven by Textual's Pilot.
DASHBOARD = textwrap.dedent("""
    import asyncio, json, os, sys, time
    from store import Ledger
    from textual.app import App
    from tui.modals.record_form import RecordForm
    from tui.modals.conflict import ConflictScreen
    ledger_path, sid, go, ready = sys.argv[1:5]
    ledger = Ledger(ledger_path)

    class Harness(App):
        def __init__(self):
            super().__init__()
            self.results = []
        def on_mount(self):
            self.push_screen(RecordForm(ledger, "school", ledger.get(sid), base=ledger.version(sid)), self.results.append)

    async def until(pilot, condition, timeout=60):
        end = time.time() + timeout
        while not condition():
            assert time.time() < end
            await pilot.pause(0.05)

    async def main():
        app = Harness()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, RecordForm))
            open(ready, "w").close()
            await until(pilot, lambda: os.path.exists(go))
            app.screen.query_one("#f-code-input").focus()
            await pilot.press(*"4101234567")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: app.results or isinstance(app.screen, ConflictScreen))
            print(json.dumps({"dialog": isinstance(app.screen, ConflictScreen)}))

    asyncio.run(main())
""")


def test_two_coordinators_and_an_auditor_over_ssh(server, ssh, tmp_path):
    need_acl()
    one, two = COORDS
    ledger = server.srv / "county"
    made = ssh(one, f"bangfu init {ledger} --shared --group {TEAM}")
    assert made.returncode == 0, made.stderr
    for args in (["-R", "-m", f"g:{AUDITORS}:rX"], ["-R", "-d", "-m", f"g:{AUDITORS}:rX"]):
        subprocess.run(["setfacl", *args, str(ledger)], check=True)
    school = json.dumps(SCHOOL, ensure_ascii=False)
    # Both coordinators save at the same time, each from their own login and umask.
    loop = (f"for i in $(seq {SAVES}); do echo {shlex.quote(school)} | bangfu -L {ledger} add school || exit 1; done")
    results = {}
    runners = [threading.Thread(target=lambda u=u, m=m: results.__setitem__(u, ssh(u, loop, umask=m)))
               for u, m in ((one, 0o022), (two, 0o077))]
    for r in runners:
        r.start()
    for r in runners:
        r.join()
    for user, proc in results.items():
        assert proc.returncode == 0, f"{user}: {proc.stderr}"
        assert len(proc.stdout.split()) == SAVES
    authors = ssh(one, f"git -C {ledger} log --format=%an main").stdout.split()
    assert sorted(authors) == sorted([one] * (SAVES + 1) + [two] * SAVES)
    # The issue's case: coordinator 2's dashboard has a school open, coordinator 1 sets its
    # township from the command line, coordinator 2 saves a school code: both stay, no dialog.
    sid = results[one].stdout.split()[0]
    flags = accounts.open_folder("bangfu-flags-")
    flags.chmod(0o777)
    script = flags / "dashboard.py"
    script.write_text(DASHBOARD)
    dashboard = threading.Thread(target=lambda: results.__setitem__("dashboard", ssh(
        two, f"python {script} {ledger} {sid} {flags / 'go'} {flags / 'ready'}", umask=0o077)))
    dashboard.start()
    for _ in range(1200):
        if (flags / "ready").exists() or not dashboard.is_alive():
            break
        dashboard.join(0.05)
    assert (flags / "ready").exists(), results.get("dashboard")
    assert ssh(one, f"bangfu -L {ledger} set {sid} township=CLI镇").returncode == 0
    (flags / "go").touch()
    dashboard.join(120)
    seen = results["dashboard"]
    assert seen.returncode == 0, seen.stderr
    assert json.loads(seen.stdout.splitlines()[-1]) == {"dialog": False}
    now = json.loads(ssh(one, f"bangfu --json -L {ledger} show {sid}").stdout)
    assert (now["township"], now["code"]) == ("CLI镇", "4101234567")
    # The auditor trusts the ledger once, reads and audits it read-only, and cannot write.
    assert ssh(AUDITOR, f"git config --global --add safe.directory {ledger}").returncode == 0
    audit = ssh(AUDITOR, f"bangfu --read-only --json -L {ledger} audit")
    assert audit.returncode == 0 and json.loads(audit.stdout)["commits"] == 2 * SAVES + 3, audit.stderr
    refused = ssh(AUDITOR, f"bangfu -L {ledger} set {sid} township=审计镇")
    assert refused.returncode != 0 and refused.stderr.strip()
    # Anyone else reads nothing.
    outsider = ssh(OUTSIDER, f"bangfu -L {ledger} list school; cat {ledger}/HEAD")
    assert outsider.returncode != 0 and "沙河" not in outsider.stdout and "ref:" not in outsider.stdout
    shutil.rmtree(flags, ignore_errors=True)
