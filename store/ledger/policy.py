"""The hub's policy: who may do what, kept where no push can reach it.

It is a file in the hub's git directory (`bangfu/hub-policy.toml`), next to the hook that reads
it; a push only ever changes refs and objects, so no pusher can rewrite the rules it is judged
by. `bangfu init --shared` writes it with the account that set the hub up as its administrator.

- `refs`: patterns (fnmatch) of refs a push may create or move besides `refs/heads/main`; each
  gets every check main gets.
- `admins`: the accounts that may change what lies outside `records/` (schemas, bangfu.json,
  .gitattributes, allowed_signers) by the settings steps (a schema upgrade, closing a term, adding
  a signer: store/sync/hub.py), and (by editing this file) the access list.
- `[access]`: account = list of school ids whose records the account may change (`"*"` = all).
  The account `"*"` stands for every account not listed.

The pusher is `GL_USER` when gitolite runs the hook, else the account the hook runs as (under
sshd, the account that logged in).
"""
from __future__ import annotations

import fnmatch
import os
import pwd
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from store.ledger.gitstore import BRANCH

POLICY_FILE = "bangfu/hub-policy.toml"
ALL = "*"

TEMPLATE = """\
# Bangfu hub policy. It lives in the hub's git directory, outside anything a push can change;
# edit it on the server. Read by the pre-receive hook at every push (store/ledger/policy.py).

# Refs a push may create or move besides refs/heads/main (patterns such as "refs/tags/验收-*").
# Each gets the same checks as main; a tag is never moved or deleted.
refs = []

# Accounts that may change schemas/, bangfu.json and allowed_signers: bangfu schema-upgrade,
# close-term and signing add.
admins = [{admins}]

# Who may change which records: account = [school ids] ("*": every school). The account "*"
# stands for every account not named here.
[access]
"*" = ["*"]
"""


@dataclass(frozen=True)
class Policy:
    path: Path
    refs: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    access: dict[str, tuple[str, ...]] = field(default_factory=lambda: {ALL: (ALL,)})

    def ref_allowed(self, ref: str) -> bool:
        return ref == BRANCH or any(fnmatch.fnmatchcase(ref, p) for p in self.refs)

    def may_upgrade(self, account: str) -> bool:
        return account in self.admins

    def schools_of(self, account: str) -> tuple[str, ...] | None:
        """The schools whose records the account may change; None for every school."""
        schools = self.access.get(account, self.access.get(ALL, ()))
        return None if ALL in schools else schools


class PolicyError(ValueError):
    pass


def load(gitdir: Path) -> Policy:
    """The hub's policy. A hub set up before policies existed has none: main only, the owner
    of the git directory as its one administrator, every account on every school."""
    path = Path(gitdir) / POLICY_FILE
    if not path.exists():
        return Policy(path, admins=(_owner(Path(gitdir)),))
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        access = ({str(k): tuple(map(str, v)) for k, v in doc["access"].items()} if "access" in doc
                  else {ALL: (ALL,)})
        return Policy(path, tuple(map(str, doc.get("refs", ()))), tuple(map(str, doc.get("admins", ()))), access)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError, AttributeError) as exc:
        raise PolicyError(f"{path}: {exc}") from None


def write_default(gitdir: Path) -> Path:
    path = Path(gitdir) / POLICY_FILE
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(TEMPLATE.format(admins=f'"{account()}"'), encoding="utf-8")
        path.chmod(0o644)   # readable by every pusher's hook, written only by its owner
    return path


def pusher() -> str:
    return os.environ.get("GL_USER") or account()


def account() -> str:
    return _name(os.geteuid())


def _owner(gitdir: Path) -> str:
    return _name(gitdir.stat().st_uid)


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
