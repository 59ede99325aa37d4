"""Two coordinators on one shared ledger through SSH: a save as each sees it (`bangfu set` in their
login, timed there), both saving in a loop at once, against one coordinator saving alone; beside
`git commit` in a shared repository by the same accounts in the same run.

    sudo .venv/bin/python bench/bench_shared.py        # makes the test accounts (tests/accounts.py)

Target (issue 17): median save with two coordinators at once <= 2 x one account alone.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import threading

from common import ROOT, Report

sys.path.insert(0, str(ROOT / "tests"))
import accounts  # noqa: E402

SAVES = 20
SCHOOL = {"name": "沙河镇第二中心小学", "short_name": "沙河二小", "stage": "小学", "county": "某县", "area": "镇区"}


def loop(sshd, user: str, command: str) -> list[float]:
    """Seconds of each of SAVES runs of command (with $i), timed inside the user's login."""
    script = (f"for i in $(seq {SAVES}); do s=$(date +%s%N); {command} >/dev/null || exit 1; "
              f"e=$(date +%s%N); echo $((e - s)); done")
    proc = sshd.login(user, script, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return [int(n) / 1e9 for n in proc.stdout.split()]


def together(sshd, commands: dict[str, str]) -> list[float]:
    times: dict[str, list[float]] = {}
    threads = [threading.Thread(target=lambda u=u, c=c: times.__setitem__(u, loop(sshd, u, c)))
               for u, c in commands.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [t for user in commands for t in times[user]]


def main() -> None:
    accounts.make_accounts()
    folder = accounts.open_folder("bangfu-bench-shared-")
    try:
        bangfu = accounts.install(folder)
        srv = folder / "srv"
        srv.mkdir()
        os.chown(srv, 0, accounts.gid(accounts.TEAM))
        srv.chmod(0o2775)
        sshd = accounts.SSHServer(list(accounts.COORDS), bangfu.parent)
        one, two = accounts.COORDS
        ledger = srv / "ledger.git"
        assert sshd.login(one, f"bangfu init {ledger} --shared --group {accounts.TEAM}").returncode == 0
        ids = {}
        for user in (one, two):
            made = sshd.login(user, f"bangfu -L {ledger} add school", input=json.dumps(SCHOOL, ensure_ascii=False))
            assert made.returncode == 0, made.stderr
            ids[user] = made.stdout.strip()
        save = {u: f"bangfu -L {ledger} set {ids[u]} notes=第${{i}}次" for u in (one, two)}
        # git's own: each account commits in its own worktree of one shared repository (the
        # objects, refs and reflogs the same files for both, as in the ledger).
        repo = srv / "plain"
        assert sshd.login(one, f"git init -q --shared=0660 {repo} && cd {repo} && echo 0 > f && git add f && "
                               "git -c user.name=a -c user.email=a@x commit -qm init").returncode == 0
        for user in (one, two):
            made = sshd.login(user, f"git config --global --add safe.directory {repo} && "
                                    f"git config --global user.name {user} && git config --global user.email {user}@x && "
                                    f"git -C {repo} worktree add -q {srv}/wt-{user} -b {user}")
            assert made.returncode == 0, made.stderr
        commit = {u: f"cd {srv}/wt-{u} && echo $i > f && git commit -qam $i" for u in (one, two)}

        report = Report("shared")
        alone = statistics.median(loop(sshd, one, save[one]))
        git_alone = statistics.median(loop(sshd, one, commit[one]))
        report.add("bangfu set, one coordinator", f"{SAVES} saves", alone, git_alone, "git commit, one account", "-")
        both = statistics.median(together(sshd, save))
        git_both = statistics.median(together(sshd, commit))
        report.add("bangfu set, two coordinators at once", f"2x{SAVES} saves", both, git_both,
                   "git commit, two accounts at once", "<= 2x alone", both <= 2 * alone)
        print(f"  two at once / alone: {both / alone:.2f} (git: {git_both / git_alone:.2f})")
        report.emit()
        sshd.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
