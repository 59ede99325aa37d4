"""Where the ledger meets the protection of personal identifiers (store/protect.py, store/keystore.py)."""
from __future__ import annotations

from . import protect
from .errors import InvalidRecord
from .findings import Finding
from .keystore import KeyStore


def key_path(ledger):
    """Where this user's copy of the ledger's keys lives (a server may name a shared path in git config)."""
    return KeyStore.locate(ledger.config["ledger_id"], ledger.git.config("bangfu.keyfile"))


def attach_keys(ledger) -> None:
    """Open the ledger's key store if this user holds it; without it the ledger works on masked values."""
    path = key_path(ledger)
    ledger.keys = KeyStore.open(path) if path.exists() else None


def seal_record(ledger, record: dict) -> dict:
    """The record with every clear identifier sealed; a bad ID number is a field error, not a crash."""
    try:
        return protect.protect_record(record, ledger.schemas(), ledger.keys)
    except protect.IdentifierInvalid as exc:
        path = tuple(str(exc.params.get("field", "")).split("."))
        rule = "idcard." + exc.message_key.rsplit("_", 1)[-1]  # privacy.id_check -> idcard.check
        raise InvalidRecord([Finding(str(record.get("id", "?")), path, rule, {})],
                            record=str(record.get("id", "?"))) from None


def init_keys(ledger, path=None) -> KeyStore:
    """Create this ledger's key store outside the repository and attach it."""
    target = path or key_path(ledger)
    repo_root = ledger.git.worktree or ledger.git.gitdir
    ledger.keys = KeyStore.create(target, ledger.config["ledger_id"], repo_root=repo_root)
    return ledger.keys
