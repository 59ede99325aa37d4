"""What a hub takes outside the records (issue 13): the settings steps bangfu makes, from the
hub's admins only, each changing only its own files and setting.

- A schema upgrade raises `schema_version` in bangfu.json by exactly one over the commit before
  it: two upgrades made at a site before it syncs are two commits and both go through; an
  "upgrade" that keeps the version, or moves another setting with it, is refused saying what an
  upgrade is.
- Closing a term (`bangfu close-term`) reaches the hub (it was refused as "outside the records",
  and the site could never sync again); a term is never opened again, and only admins close.
- A signer added with `bangfu signing add` reaches the hub too (it was refused the same way).

Everything goes through a real bare hub served by `git daemon`, its pre-receive hook and policy."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git, school
from store.core import ids
from test_hub_guard import ME, push, set_policy
from test_sync_local import bangfu, make_hub, make_site
from test_sync_transports import Daemon
from store.rules.schema import PROJECT_SCHEMAS
from store.sync import hub as hub_mod
from store.sync import remote as sync


@pytest.fixture
def served(tmp_path):
    daemon = Daemon(tmp_path / "served")
    daemon.base.mkdir()
    daemon.start()
    try:
        hub = make_hub(daemon.base / "hub.git")
        site = make_site(daemon.url("hub.git"), tmp_path / "site", "沙河二小")
        site.put(school())
        sync.sync(site)
        yield hub, site, daemon.url("hub.git")
        site.close()
    finally:
        daemon.stop()


def schemas_with(tmp_path: Path, *fields: str) -> Path:
    """The project's schemas with optional student fields added (what an upgrade brings)."""
    folder = tmp_path / ("schemas-" + "-".join(fields))
    shutil.copytree(PROJECT_SCHEMAS, folder)
    doc = json.loads((folder / "student.json").read_text(encoding="utf-8"))
    for name in fields:
        doc["properties"][name] = {"type": "string", "maxLength": 50, "title": name}
    (folder / "student.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def hub_config(hub: Path) -> dict:
    return json.loads(git(hub, "show", "main:bangfu.json"))


def forge(work: Path, message: str, **settings) -> None:
    """A commit made with plain git that sets bangfu.json keys (and adds a schema field)."""
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    config.update(settings)
    (work / "bangfu.json").write_text(json.dumps(config, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                      encoding="utf-8")
    schema = work / "schemas" / "student.json"
    doc = json.loads(schema.read_text(encoding="utf-8"))
    doc["properties"]["motto"] = {"type": "string", "maxLength": 50, "title": "座右铭"}
    schema.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    git(work, "commit", "-qam", message)


def test_two_upgrades_before_a_sync_go_through_and_an_upgrade_keeping_its_version_does_not(served, tmp_path):
    hub, site, url = served
    version = hub_config(hub)["schema_version"]
    hub_mod.schema_upgrade(site, schemas_with(tmp_path, "motto"), note="座右铭")
    hub_mod.schema_upgrade(site, schemas_with(tmp_path, "motto", "hobby"), note="爱好")
    # a record that only the new schemas take, in the same push: judged by its own commit's schemas
    pupil = site.put({"type": "student", "schema_version": 2, "name": "王小明", "sex": "男",
                      "school": site.find("school")[0]["id"], "stage": "小学", "grade": "三年级", "hobby": "书法"})
    sync.sync(site)
    assert json.loads(git(hub, "show", f"main:{ids.path_of(pupil.id, ids.LATEST)}"))["hobby"] == "书法"
    assert hub_config(hub)["schema_version"] == version + 2
    assert git(hub, "rev-parse", "main") == git(site.path, "rev-parse", "main")

    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", url, str(work))
    before = git(hub, "rev-parse", "main")
    forge(work, "ledger: schema upgrade\n\nAction: schema-upgrade")      # the version as it was
    r = push(work)
    v = version + 2
    assert r.returncode != 0 and f"{v} → {v}" in r.stderr and f"应为 {v + 1}" in r.stderr, r.stderr
    assert "by exactly one over the commit before it" in r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    # the version right, and a term closed by the way (closing goes by its own step)
    forge(work, "ledger: schema upgrade\n\nAction: schema-upgrade", schema_version=v + 1,
          closed_through="2024-2025-2")
    r = push(work)
    assert r.returncode != 0 and "closed_through" in r.stderr and "只改 schema_version" in r.stderr, r.stderr
    assert git(hub, "rev-parse", "main") == before


def test_closing_a_term_reaches_the_hub_from_its_admins_and_is_never_undone(served, tmp_path):
    hub, site, url = served
    r = bangfu("-L", str(site.path), "close-term", "2024-2025-1")
    assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(site.path), "sync")
    assert r.returncode == 0, r.stdout + r.stderr
    assert hub_config(hub)["closed_through"] == "2024-2025-1"

    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", url, str(work))
    before = git(hub, "rev-parse", "main")
    config = json.loads((work / "bangfu.json").read_text(encoding="utf-8"))
    config["closed_through"] = "2023-2024-2"                              # reopening a closed term
    (work / "bangfu.json").write_text(json.dumps(config, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
                                      encoding="utf-8")
    git(work, "commit", "-qam", "ledger: close term 2023-2024-2\n\nAction: close-term")
    r = push(work)
    assert r.returncode != 0 and "已关闭的学期不再打开" in r.stderr and "never opened again" in r.stderr, r.stderr
    git(work, "reset", "-q", "--hard", "origin/main")
    forge(work, "ledger: close term 2025-2026-1\n\nAction: close-term", closed_through="2025-2026-1")
    r = push(work)                                                        # ... with a schema change
    assert r.returncode != 0 and "schemas/student.json" in r.stderr, r.stderr
    assert git(hub, "rev-parse", "main") == before

    # Only the hub's admins close terms.
    policy = (hub / "bangfu" / "hub-policy.toml").read_text(encoding="utf-8")
    set_policy(hub, policy.replace(f'admins = ["{ME}"]', 'admins = ["县资助中心"]'))
    assert bangfu("-L", str(site.path), "close-term", "2024-2025-2").returncode == 0
    r = bangfu("-L", str(site.path), "sync")
    assert r.returncode != 0 and "县资助中心" in r.stdout + r.stderr, r.stdout + r.stderr
    assert hub_config(hub)["closed_through"] == "2024-2025-1"


def test_a_signer_added_at_a_site_reaches_the_hub_and_an_id_number_as_a_principal_is_not_committed(served, tmp_path):
    hub, site, _url = served
    key = tmp_path / "coordinator"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(key)], check=True)
    # (a coordinator's e-mail is often their mobile number: theirs to give, not a child's identifier)
    for principal in ("zhang@shahe.example.cn", "13987654321@163.com"):
        r = bangfu("-L", str(site.path), "signing", "add", principal, f"{key}.pub")
        assert r.returncode == 0, r.stderr
    r = bangfu("-L", str(site.path), "sync")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "13987654321@163.com" in git(hub, "show", "main:allowed_signers")
    tip = git(site.path, "rev-parse", "main")
    r = bangfu("-L", str(site.path), "--lang", "en", "signing", "add", "11010519491231002X", f"{key}.pub")
    assert r.returncode != 0 and "Signer" in r.stderr and "11010519491231002X" not in r.stdout + r.stderr
    assert git(site.path, "rev-parse", "main") == tip
