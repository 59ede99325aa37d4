"""Real Unix accounts for the shared-server tests, and Bangfu installed once for all of them.

The team: two coordinators in group `bfteam`, an auditor in `bfaudit` outside it, and an
outsider in neither (the tests run as root and make them). Bangfu is installed the way the
README tells an administrator to: a wheel built from this tree, installed into a venv on the
system's Python that every account can run. (The venv's dependencies come from the
development venv's site-packages instead of PyPI, which keeps the test fast; Bangfu itself,
with its schemas and demo records, comes only from the wheel.)
"""
from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest

from conftest import SSHD_TODAY, TODAY

ROOT = Path(__file__).resolve().parent.parent
TEAM = "bfteam"
AUDITORS = "bfaudit"
COORDS = ("bfcoord1", "bfcoord2")
AUDITOR = "bfaudit1"
OUTSIDER = "bfother1"
SYSTEM_PYTHON = Path("/usr/bin/python3.11")


def need(condition: bool, reason: str) -> None:
    """Skip a test that cannot run here, except in CI, where it must fail instead."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot run in CI: {reason}")
        pytest.skip(reason)


def make_accounts() -> None:
    need(os.geteuid() == 0, "the shared-server tests make Unix accounts: run them as root")
    for group in (TEAM, AUDITORS):
        _quiet(["groupadd", "-f", group])
    for user, groups in ((COORDS[0], TEAM), (COORDS[1], TEAM), (AUDITOR, AUDITORS), (OUTSIDER, None)):
        try:
            pwd.getpwnam(user)
        except KeyError:
            _quiet(["useradd", "-m", "-s", "/bin/sh", *(["-G", groups] if groups else []), user])
        _quiet(["usermod", "-p", "*", user])   # no password, yet not locked: sshd lets keys in
        home = Path(pwd.getpwnam(user).pw_dir)
        for leftover in (".gitconfig", ".config/bangfu", ".cache/bangfu", ".local/state/bangfu"):
            target = home / leftover
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()


def _quiet(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0 and "already exists" not in proc.stderr:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr}")


def open_folder(prefix: str) -> Path:
    """A folder under /tmp every account can pass through (pytest's own are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    return folder


def install(folder: Path) -> Path:
    """Bangfu built as a wheel and installed into a venv on the system Python; its `bangfu`."""
    need(SYSTEM_PYTHON.exists(), f"{SYSTEM_PYTHON} (the system's Python 3.11) is not installed")
    source = folder / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "tests", "bench", "build", "*.egg-info", "__pycache__", ".pytest_cache"))
    dist = folder / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--disable-pip-version-check", "-w", str(dist), str(source)], check=True, capture_output=True)
    [wheel] = dist.glob("bangfu-*.whl")
    venv = folder / "venv"
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--disable-pip-version-check", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    shutil.rmtree(source)
    for here, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(here, name)
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o044 | (0o011 if path.is_dir() or path.stat().st_mode & 0o100 else 0))
    return venv / "bin" / "bangfu"


def run_as(user: str, argv: list[str], *, umask: int = 0o022, cwd: Path | None = None, input: str | None = None,
           env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """argv as that account: its groups, its home, its own git settings, the umask given."""
    account = pwd.getpwnam(user)
    environment = {"HOME": account.pw_dir, "USER": user, "LOGNAME": user, "LANG": "C.UTF-8",
                   "PATH": "/usr/local/bin:/usr/bin:/bin", "BANGFU_TODAY": TODAY.isoformat(), **(env or {})}
    return subprocess.run(argv, user=account.pw_uid, group=account.pw_gid,
                          extra_groups=os.getgrouplist(user, account.pw_gid), umask=umask,
                          cwd=cwd or account.pw_dir, input=input, env=environment, capture_output=True,
                          text=True, timeout=timeout)


def gid(group: str) -> int:
    return grp.getgrnam(group).gr_gid


# Runs each command line given (JSON on stdin) through `bangfu`'s main in a forked child of one
# interpreter: a command costs milliseconds, not the second a new interpreter takes to start.
_MANY = r"""
import importlib, json, os, pkgutil, sys, tempfile
from bangfu import cli
import bangfu, store, tui
for package in (bangfu, store, tui):   # (imported once here, not again in every child)
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
cli.build_parser()
commands, given = json.load(sys.stdin)
results = []
for argv in commands:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as stdin:
        stdin.write(given.encode()); stdin.seek(0)
        pid = os.fork()
        if pid == 0:
            code = 70
            try:
                os.dup2(stdin.fileno(), 0); os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
                code = cli.main(argv)
                sys.stdout.flush(); sys.stderr.flush()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:
                import traceback; traceback.print_exc()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        out.seek(0); err.seek(0)
        results.append([os.waitstatus_to_exitcode(status), out.read().decode(errors="replace"),
                        err.read().decode(errors="replace")])
print(json.dumps(results))
"""


def many_as(user: str, python: Path, commands: list[list[str]], *, input: str = "", env: dict | None = None,
            umask: int = 0o022) -> list[tuple[int, str, str]]:
    """[(exit code, stdout, stderr)] of `bangfu argv` for each argv, run as that account by the
    installed Bangfu's interpreter."""
    import json
    proc = run_as(user, [str(python), "-c", _MANY], input=json.dumps([commands, input]), env=env, umask=umask)
    assert proc.returncode == 0, proc.stderr
    return [tuple(r) for r in json.loads(proc.stdout)]


class SSHServer:
    """sshd on 127.0.0.1 letting the accounts log in with one key; `login(user, command)` runs a
    command in a login of that account, with the umask given and the installed Bangfu first on
    its PATH."""

    SSHD = Path("/usr/sbin/sshd")

    def __init__(self, users: list[str], bin_dir: Path):
        need(self.SSHD.exists(), "no /usr/sbin/sshd (apt-get install openssh-server)")
        self.bin_dir = bin_dir
        self.folder = open_folder("bangfu-sshd-")
        keys = self.folder / "authorized"
        keys.mkdir(mode=0o755)
        for name in ("host_key", "user_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.folder / name)], check=True)
        for user in users:
            shutil.copy(self.folder / "user_key.pub", keys / user)
            (keys / user).chmod(0o644)
        config = self.folder / "sshd_config"
        config.write_text("\n".join([
            "ListenAddress 127.0.0.1", f"HostKey {self.folder / 'host_key'}", f"AuthorizedKeysFile {keys}/%u",
            f"PidFile {self.folder / 'sshd.pid'}", "StrictModes no", "UsePAM no", "PasswordAuthentication no",
            "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "LogLevel ERROR", "MaxStartups 30",
            "MaxSessions 30", SSHD_TODAY, ""]))
        Path("/run/sshd").mkdir(exist_ok=True)   # privilege separation folder sshd insists on
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.proc = subprocess.Popen([str(self.SSHD), "-f", str(config), "-D", "-e", "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True)
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.proc.stderr.read()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)

    def login(self, user: str, command: str, umask: int = 0o022, input: str | None = None,
              timeout: float = 180) -> subprocess.CompletedProcess:
        argv = ["ssh", "-i", str(self.folder / "user_key"), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                "-p", str(self.port), f"{user}@127.0.0.1",
                f"umask {umask:03o}; export PATH={shlex.quote(str(self.bin_dir))}:$PATH LANG=C.UTF-8; {command}"]
        return subprocess.run(argv, capture_output=True, text=True, input=input, timeout=timeout)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)
