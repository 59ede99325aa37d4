"""Shared fixtures: real git repositories in temporary folders, nothing mocked.

Every test run gets its own git identity, key folder and state folder, so tests
never read or write the developer's own settings or keys.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from store.core import i18n

# This run's git identity, keys, state and caches: made when the run starts, not when this module is
# imported (a process a test spawns imports it again, and left an empty folder in /tmp each time).
_RUN: Path | None = None
# The day every test takes for today (BANGFU_TODAY, store/core/clock.py), in the demo's term
# 2026-2027-1 while it is open: the demo's payments may be edited whatever the calendar says.
# Every process a test starts inherits it; an sshd's logins get it from its config (SSHD_TODAY).
TODAY = dt.date(2026, 12, 6)
SSHD_TODAY = f"SetEnv BANGFU_TODAY={TODAY.isoformat()}"


def pytest_configure(config: pytest.Config) -> None:
    global _RUN
    _RUN = Path(tempfile.mkdtemp(prefix="bangfu-tests-"))
    gitconfig = _RUN / "gitconfig"
    gitconfig.write_text("[user]\n\tname = 测试员\n\temail = tester@example.cn\n[init]\n\tdefaultBranch = main\n"
                         "[protocol \"file\"]\n\tallow = always\n", encoding="utf-8")
    os.environ.update({
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "BANGFU_KEYS": str(_RUN / "keys"),
        "XDG_STATE_HOME": str(_RUN / "state"),
        "XDG_CACHE_HOME": str(_RUN / "cache"),
        "BANGFU_LANG": "zh",
        "BANGFU_TODAY": TODAY.isoformat(),
    })
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "BANGFU_LEDGER"):
        os.environ.pop(name, None)
    (_RUN / "keys").mkdir(exist_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _RUN is not None:
        shutil.rmtree(_RUN, ignore_errors=True)


@pytest.fixture(autouse=True)
def _chinese_by_default():
    i18n.set_lang("zh")
    yield
    i18n.set_lang("zh")


@pytest.fixture
def ledger(tmp_path):
    """An empty ledger (bare) whose key this user holds."""
    from store import Ledger
    from store.privacy.acts import init_keys

    led = Ledger.init(tmp_path / "ledger", site="测试站")
    init_keys(led)
    yield led
    led.close()


@pytest.fixture(scope="session")
def demo_master(tmp_path_factory) -> Path:
    from store.demo.build import build_demo

    path = tmp_path_factory.mktemp("demo") / "ledger"
    build_demo(path).close()
    return path


@pytest.fixture
def demo(demo_master, tmp_path):
    """A private copy of the demo ledger (the key store is shared: same ledger id)."""
    from store import Ledger
    from store.privacy.acts import attach_keys

    copy = tmp_path / "demo"
    shutil.copytree(demo_master, copy, symlinks=True)
    led = Ledger(copy)
    attach_keys(led)
    yield led
    led.close()


def cannot_run_here(reason: str) -> None:
    """A test whose needs this machine lacks (root, a mount, sshd): skipped on a developer's
    machine, a failure under CI (CI=true), which runs as root and installs what the tests need."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def run(capsys, *args: str) -> tuple[int, str, str]:
    """`bangfu ARGS` in this process: (exit code, what it printed, what it said on stderr)."""
    from bangfu.cli import main

    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def forge_index(index: Path, old: str, new: str, *, blob_too: bool = True) -> None:
    """Records in an index file that say `new` where their files say `old`: with blob ids that
    fit (as a forger would make them), or left as they were (a disk error, a hand edit)."""
    import sqlite3
    from store.core import canonical

    db = sqlite3.connect(index)
    try:
        db.create_function("blob_id", 1, lambda text: canonical.blob_id(text.encode("utf-8")))
        with db:
            db.execute("UPDATE records SET doc = replace(doc, ?, ?) WHERE instr(doc, ?)", (old, new, old))
            if blob_too:
                db.execute("UPDATE records SET blob = blob_id(doc) WHERE instr(doc, ?)", (new,))
    finally:
        db.close()


def git(repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr}")
    return proc.stdout


def dated_today() -> dict[str, str]:
    """The environment of a plain `git commit` dated as Bangfu dates its own under BANGFU_TODAY:
    on the tests' day at the machine's time of day (the audit judges a hand commit by its date).
    A date a test sets in the environment itself stands."""
    stamp = dt.datetime.combine(TODAY, dt.datetime.now().time()).astimezone().isoformat(timespec="seconds")
    return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, **os.environ}


def school(name: str = "沙河镇第二中心小学", short: str = "沙河二小", **extra) -> dict:
    return {"type": "school", "schema_version": 1, "name": name, "short_name": short, "stage": "小学",
            "county": "某县", "area": "镇区", **extra}
