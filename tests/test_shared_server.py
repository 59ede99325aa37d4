"""One ledger on a server, several Unix accounts: Bangfu installed once from its wheel, a ledger
made with `bangfu init --shared`, two coordinators in its group, an auditor given read access,
an account outside both. Real accounts, real permissions (the tests run as root and make them)."""
from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

import accounts
from accounts import AUDITOR, AUDITORS, COORDS, OUTSIDER, TEAM, run_as
from conftest import forge_index

# They share the server's Unix accounts, so under `pytest -n` they run in one worker, one at a time.
pytestmark = pytest.mark.xdist_group("unix-accounts")

SCHOOL = {"name": "沙河镇第二中心小学", "short_name": "沙河二小", "stage": "小学", "county": "某县", "area": "镇区"}


@pytest.fixture(scope="module")
def server():
    """Accounts made, Bangfu installed for all of them, and /srv-like folder of the team's."""
    accounts.make_accounts()
    folder = accounts.open_folder("bangfu-server-")
    bangfu = accounts.install(folder)
    srv = folder / "srv"
    srv.mkdir()
    os.chown(srv, 0, accounts.gid(TEAM))
    srv.chmod(0o2775)
    yield Server(bangfu, srv)
    shutil.rmtree(folder, ignore_errors=True)


class Server:
    def __init__(self, bangfu: Path, srv: Path):
        self.bangfu = bangfu
        self.srv = srv

    def run(self, user: str, *args: str, umask: int = 0o022, input: str | None = None, **kw) -> subprocess.CompletedProcess:
        return run_as(user, [str(self.bangfu), "--lang", "en", *args], umask=umask, input=input, **kw)

    def ok(self, user: str, *args: str, **kw) -> str:
        proc = self.run(user, *args, **kw)
        assert proc.returncode == 0, f"{user}: bangfu {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout

    def ledger(self, name: str, *, by: str = COORDS[0], umask: int = 0o022) -> Path:
        path = self.srv / name
        self.ok(by, "init", str(path), "--shared", "--group", TEAM, umask=umask)
        return path


def modes(path: Path) -> dict[str, int]:
    return {str(p.relative_to(path)): stat.S_IMODE(p.lstat().st_mode) for p in [path, *path.rglob("*")]}


@pytest.mark.parametrize("umask", [0o022, 0o077], ids=["umask022", "umask077"])
def test_both_coordinators_save_on_a_shared_ledger_whatever_their_umask(server, umask):
    ledger = server.ledger(f"team-{umask:o}", umask=umask)
    one, two = COORDS
    school = server.ok(one, "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL), umask=umask).strip()
    server.ok(two, "-L", str(ledger), "set", school, "township=甲镇", umask=umask)
    server.ok(one, "-L", str(ledger), "set", school, "township=乙镇", umask=umask)
    server.ok(two, "-L", str(ledger), "set", school, "notes=二号协调员", umask=umask)
    assert json.loads(server.ok(one, "--json", "-L", str(ledger), "show", school))["township"] == "乙镇"
    audit = server.run(two, "-L", str(ledger), "audit", umask=umask)
    assert audit.returncode == 0 and "nothing found" in audit.stdout, audit.stderr
    log = subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ledger), "log", "--format=%an", "main"], capture_output=True, text=True).stdout
    assert log.split() == [two, one, two, one, one]
    # Everything is the team's to read and write, and nobody else's to read.
    for name, mode in modes(ledger).items():
        assert mode & 0o007 == 0, f"{name} is {mode:o}: others may read it"
        assert mode & 0o060 == 0o060 or (name.startswith("objects/") and mode & 0o040), f"{name} is {mode:o}"
    for p in [ledger, *ledger.rglob("*")]:
        assert p.lstat().st_gid == accounts.gid(TEAM), p
    assert stat.S_IMODE((ledger / "logs" / "refs" / "heads").stat().st_mode) == 0o2770


def test_a_ledger_root_made_is_the_teams_and_the_others_trust_it_once(server):
    ledger = server.ledger("by-root", by="root")
    two = COORDS[1]
    school = server.ok(COORDS[0], "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL)).strip()
    server.ok(two, "-L", str(ledger), "set", school, "township=丙镇")
    # The coordinator was trusted once in their own git settings: plain git works for them too.
    home = Path(os.path.expanduser(f"~{two}"))
    assert str(ledger) in (home / ".gitconfig").read_text()
    assert run_as(two, ["git", "-C", str(ledger), "log", "-1", "--format=%an"]).stdout.strip() == two


def test_an_index_another_account_wrote_is_never_trusted(server):
    """The index is a cache of each account's own: a file another account wrote, naming a school
    otherwise, is never read; a cache folder of another account's is not used at all."""
    ledger = server.ledger("index-trust")
    one, two = COORDS
    school = server.ok(one, "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL)).strip()
    server.ok(two, "-L", str(ledger), "show", school)
    # Each account's caches of this ledger: ~/.cache/bangfu/<its path and ledger id, hashed>/.
    config = json.loads(subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ledger), "show", "main:bangfu.json"],
                                       capture_output=True, text=True, check=True).stdout)
    key = hashlib.sha1(f"{ledger.resolve()}\0{config['ledger_id']}".encode()).hexdigest()[:16]
    theirs, mine = (Path(f"~{user}/.cache/bangfu/{key}/index.sqlite").expanduser() for user in (two, one))
    assert theirs.is_file() and mine.is_file()
    forge_index(theirs, SCHOOL["name"], "伪造的校名")
    owner = pwd.getpwnam(two)
    for f in theirs.parent.iterdir():
        os.chown(f, owner.pw_uid, owner.pw_gid)
    def name(user: str, **kw) -> str:
        return json.loads(server.ok(user, "--json", "-L", str(ledger), "show", school, **kw))["name"]
    assert name(two) == "伪造的校名"   # (her own cache is what answers her: the forgery would work)
    shutil.copy2(theirs, mine)
    os.chown(mine, owner.pw_uid, owner.pw_gid)
    mine.chmod(0o666)   # (hers to write too: only its owner tells)
    assert name(one) == SCHOOL["name"]
    assert mine.stat().st_uid == pwd.getpwnam(one).pw_uid   # read afresh from git into a file of her own
    # Caches kept in one folder for the team (an administrator's XDG_CACHE_HOME): each account's
    # index folder is its own, and an account never reads another's.
    common = server.srv / "caches"
    common.mkdir()
    os.chown(common, 0, accounts.gid(TEAM))
    common.chmod(0o2777)
    assert name(two, env={"XDG_CACHE_HOME": str(common)}) == SCHOOL["name"]
    [folder] = [p for p in common.glob("bangfu/*") if p.is_dir()]   # (beside it, the message catalogue's file)
    forge_index(folder / "index.sqlite", SCHOOL["name"], "伪造的校名")
    assert name(one, env={"XDG_CACHE_HOME": str(common)}) == SCHOOL["name"]


def test_reading_is_granted_the_outsider_reads_nothing(server):
    ledger = server.ledger("closed")
    server.ok(COORDS[0], "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL))
    listing = server.run(OUTSIDER, "-L", str(ledger), "list", "school")
    assert listing.returncode != 0 and "沙河" not in listing.stdout
    assert listing.stderr.strip() and "Traceback" not in listing.stderr
    clone = server.run(OUTSIDER, "clone", str(ledger), str(Path(f"~{OUTSIDER}").expanduser() / "copy"))
    assert clone.returncode != 0 and clone.stderr.strip()


TRUST_ALL = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"}
# Each command that opens the ledger, with arguments it accepts.
COMMANDS = [
    ["list", "school"], ["show", "school-01M92WND0CENZP3AFXHHYDADZH"], ["add", "school"],
    ["set", "school-01M92WND0CENZP3AFXHHYDADZH", "notes=x"], ["rm", "school-01M92WND0CENZP3AFXHHYDADZH", "--reason", "x"],
    ["validate"], ["validate", "--history"], ["log"], ["fmt", "--check"], ["audit"], ["audit", "--since", "audited"],
    ["changes", "--since", "2000-01-01"], ["diff", "school-01M92WND0CENZP3AFXHHYDADZH"],
    ["blame", "school-01M92WND0CENZP3AFXHHYDADZH"], ["export", "school", "--format", "csv"],
    ["report", "term", "2024-2025-1", "--format", "md"], ["status"], ["conflicts"], ["key", "status"],
    ["key", "scan"], ["signing", "status"], ["schema-upgrade"], ["migrate-identifiers"],
    ["remote", "list"], ["sync"], ["close-term", "2024-2025-1"], [],
]


@pytest.mark.parametrize("how", ["objects", "everything"])
def test_every_command_on_an_unreadable_ledger_fails_with_a_message(server, how):
    """An account that cannot read the ledger (its objects, or any of it) gets exit >= 1 and a
    message from every command, never a silent 0 nor a traceback."""
    ledger = server.srv / f"unreadable-{how}"
    server.ok(COORDS[0], "init", str(ledger))
    server.ok(COORDS[0], "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL))
    (ledger / "objects").chmod(0o700) if how == "objects" else ledger.chmod(0o700)
    results = accounts.many_as(OUTSIDER, server.bangfu.with_name("python"),
                               [["--lang", "en", "-L", str(ledger), *argv] for argv in COMMANDS],
                               input=json.dumps(SCHOOL), env=TRUST_ALL)
    silent = [(argv, code, out[-200:], err[-300:]) for argv, (code, out, err) in zip(COMMANDS, results)
              if code == 0 or not err.strip() or "Traceback" in err or "unexpected" in err]
    assert silent == []


def snapshot(path: Path) -> dict[str, tuple]:
    return {str(p.relative_to(path)): (p.lstat().st_mtime_ns, p.lstat().st_size, stat.S_IMODE(p.lstat().st_mode))
            for p in [path, *path.rglob("*")]}


HAND_COMMIT = r"""
set -e
export GIT_DIR="$1" GIT_INDEX_FILE="$(mktemp -u)" GIT_AUTHOR_NAME=hand GIT_AUTHOR_EMAIL=hand@example.cn GIT_COMMITTER_NAME=hand GIT_COMMITTER_EMAIL=hand@example.cn
git read-tree main
path=$(git ls-tree -r --name-only main records | head -n 1)
blob=$(git cat-file blob "main:$path" | sed 's/镇区/城区/' | git hash-object -w --stdin)
git update-index --cacheinfo "100644,$blob,$path"
commit=$(git commit-tree "$(git write-tree)" -p main -m "edited by hand")
git update-ref refs/heads/main "$commit"
rm -f "$GIT_INDEX_FILE"
echo "$commit"
"""


def test_an_auditor_given_read_access_audits_from_their_own_marker_and_writes_nothing(server):
    need_acl()
    ledger = server.ledger("audited")
    one, two = COORDS
    server.ok(one, "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL))
    # The administrator grants the auditors' group read access (README, "A shared server").
    for args in (["-R", "-m", f"g:{AUDITORS}:rX"], ["-R", "-d", "-m", f"g:{AUDITORS}:rX"]):
        subprocess.run(["setfacl", *args, str(ledger)], check=True)
    refused = server.run(AUDITOR, "-L", str(ledger), "list", "school")
    command = f"git config --global --add safe.directory {ledger}"
    assert refused.returncode == 2 and command in refused.stderr
    assert run_as(AUDITOR, command.split()).returncode == 0
    first = json.loads(server.ok(AUDITOR, "--read-only", "--json", "-L", str(ledger), "audit"))
    assert first["commits"] == 2 and not first["findings"]
    # A coordinator edits a record by hand, then audits (moving only their own marker).
    hand = run_as(one, ["sh", "-c", HAND_COMMIT, "-", str(ledger)])
    assert hand.returncode == 0, hand.stderr
    server.run(two, "-L", str(ledger), "audit")
    server.ok(two, "-L", str(ledger), "set", json.loads(server.ok(two, "--json", "-L", str(ledger), "list", "school"))[0]["id"],
              "township=丁镇")
    before = snapshot(ledger)
    proc = server.run(AUDITOR, "--read-only", "--json", "-L", str(ledger), "audit", "--since", "audited")
    result = json.loads(proc.stdout)
    assert proc.returncode == 1 and result["commits"] == 2
    assert [f["kind"] for f in result["findings"]] == ["hand_commit"]
    assert snapshot(ledger) == before
    # The auditor reads but cannot write.
    write = server.run(AUDITOR, "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL))
    assert write.returncode != 0 and write.stderr.strip() and "unexpected" not in write.stderr
    assert snapshot(ledger) == before


def need_acl() -> None:
    accounts.need(shutil.which("setfacl") is not None, "setfacl is not installed (apt-get install acl)")


def test_the_key_is_handed_to_another_coordinator_through_a_group_readable_export(server):
    ledger = server.ledger("keys")
    one, two = COORDS
    server.ok(one, "-L", str(ledger), "key", "init")
    export = server.srv / "key-export"
    server.ok(one, "-L", str(ledger), "key", "export", "--out", str(export), "--group", TEAM,
              "--passphrase-file", passphrase_of(one))
    assert stat.S_IMODE(export.stat().st_mode) == 0o640 and export.stat().st_gid == accounts.gid(TEAM)
    server.ok(two, "-L", str(ledger), "key", "import", str(export), "--passphrase-file", passphrase_of(two))
    theirs, mine = (json.loads(server.ok(u, "--json", "-L", str(ledger), "key", "status")) for u in (one, two))
    assert mine["path"].startswith(f"/home/{two}/") and {**mine, "path": ""} == {**theirs, "path": ""}
    refused = server.run(OUTSIDER, "-L", str(ledger), "key", "import", str(export), "--passphrase-file",
                         passphrase_of(OUTSIDER))
    assert refused.returncode != 0


def passphrase_of(user: str) -> str:
    """The passphrase, told by word of mouth: a file of the user's own (Bangfu refuses one others may read)."""
    path = Path(os.path.expanduser(f"~{user}")) / "passphrase"
    path.write_text("一二三四五六七八九十\n")
    os.chown(path, accounts.pwd.getpwnam(user).pw_uid, -1)
    path.chmod(0o600)
    return str(path)


def test_the_author_is_the_coordinator_acting_not_the_machines_or_the_ledgers_git_identity(server):
    """Several coordinators on one server: an identity in the machine's git settings (as
    /etc/gitconfig; here through GIT_CONFIG_SYSTEM) or in the shared ledger's own settings is
    everyone's, so no commit is authored by it. The author is whoever acts: their own git
    identity (~/.gitconfig), else their Unix account."""
    ledger = server.ledger("authors")
    one, two = COORDS
    subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ledger), "config", "user.name", "服务器"], check=True)
    subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ledger), "config", "user.email", "srv@example.cn"],
                   check=True)
    machine = Path(accounts.open_folder("bangfu-gitconfig-")) / "gitconfig"
    machine.write_text("[user]\n\tname = 本机\n\temail = root@example.cn\n", encoding="utf-8")
    machine.chmod(0o644)
    env = {"GIT_CONFIG_SYSTEM": str(machine)}
    home = Path(os.path.expanduser(f"~{two}"))
    assert run_as(two, ["git", "config", "--global", "user.name", "马老师"]).returncode == 0
    try:
        school = server.ok(one, "-L", str(ledger), "add", "school", input=json.dumps(SCHOOL), env=env).strip()
        server.ok(two, "-L", str(ledger), "set", school, "township=甲镇", env=env)
    finally:
        run_as(two, ["git", "config", "--global", "--unset", "user.name"])
        shutil.rmtree(machine.parent, ignore_errors=True)
    log = subprocess.run(["git", "-c", "safe.directory=*", "-C", str(ledger), "log", "-2", "--format=%an <%ae>", "main"],
                         capture_output=True, text=True).stdout.splitlines()
    assert [line.split(" <")[0] for line in log] == ["马老师", one]
    assert log[1].endswith(f"<{one}@{socket.gethostname()}>") and "本机" not in "".join(log) and "服务器" not in "".join(log)
    assert "user.name" not in (home / ".gitconfig").read_text()
