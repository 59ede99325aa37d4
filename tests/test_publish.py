"""`bangfu init HUB --shared --from LEDGER`: an existing ledger published as a protected hub
holding its whole history, the ledger set up to sync with it; and a demo built shared."""
from __future__ import annotations

import stat

from conftest import git, run, school
from store import Ledger


def test_an_existing_ledger_becomes_a_shared_protected_hub_and_syncs_with_it(demo, tmp_path, capsys):
    history = git(demo.path, "rev-list", "--count", "main").strip()
    hub = tmp_path / "hub.git"
    code, out, err = run(capsys, "--lang", "en", "init", str(hub), "--shared", "--from", str(demo.path))
    assert code == 0, err
    assert git(hub, "rev-parse", "main") == git(demo.path, "rev-parse", "main")
    assert git(hub, "rev-list", "--count", "main").strip() == history
    assert git(hub, "config", "core.sharedRepository").strip() == "0660"
    assert (hub / "hooks" / "pre-receive").exists()
    assert all(not p.stat().st_mode & 0o007 for p in hub.rglob("*") if not p.is_symlink())
    # The ledger syncs with its hub from now on: a change goes up with a plain `bangfu sync`.
    demo.close()
    with Ledger(demo.path) as ledger:
        saved = ledger.put(school("新建学校甲", "新甲"))
    code, out, err = run(capsys, "-L", str(demo.path), "sync")
    assert code == 0, err
    assert git(hub, "rev-parse", "main").strip() == saved.commit
    # A push the hub must refuse (history rewritten) is refused: the hub is protected.
    git(demo.path, "update-ref", "refs/heads/main", f"{saved.commit}~1")
    git(demo.path, "push", "hub", "+main:main", check=False)
    assert git(hub, "rev-parse", "main").strip() == saved.commit


def test_the_demo_can_be_built_shared(tmp_path, capsys):
    path = tmp_path / "demo"
    code, out, err = run(capsys, "demo", str(path), "--shared", "--no-tui")
    assert code == 0, err
    assert git(path, "config", "core.sharedRepository").strip() == "0660"
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in path.rglob("*") if not p.is_symlink()}
    assert modes and all(m & 0o060 in (0o040, 0o060) and not m & 0o007 for m in modes.values())
    assert Ledger(path).count("school") > 0


def test_a_ledger_that_named_an_empty_hub_first_is_published_there_as_the_message_says(ledger, tmp_path, capsys,
                                                                                      monkeypatch):
    """The walk of a coordinator: `bangfu init --bare HUB`, `remote add hub HUB`, `sync` says the
    empty hub is another ledger and to publish this one with `init HUB --from .`; that refused
    with "a remote named hub already exists", so the advice led nowhere."""
    import shutil
    ledger.put(school())
    hub = tmp_path / "县台账.git"
    assert run(capsys, "init", "--bare", str(hub))[0] == 0
    assert run(capsys, "-L", str(ledger.path), "remote", "add", "hub", str(hub))[0] == 0
    code, out, err = run(capsys, "-L", str(ledger.path), "sync")
    assert code == 1 and "--from" in err
    shutil.rmtree(hub)                                      # "delete that empty one"
    monkeypatch.chdir(ledger.path)                          # "... in this ledger"
    code, out, err = run(capsys, "init", str(hub), "--from", ".")
    assert code == 0, err
    assert run(capsys, "-L", str(ledger.path), "sync")[0] == 0
    assert git(hub, "rev-parse", "main") == git(ledger.path, "rev-parse", "main")
