"""Errors the store raises. Each carries a message key so the user reads it in their language."""
from __future__ import annotations

from store.core import i18n
from store.core.findings import Finding


class BangfuError(Exception):
    exit_code = 1
    key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: object):
        self.key = key or self.key
        self.params = params
        super().__init__(self.key)

    def __str__(self) -> str:
        return i18n.t(self.key, **self.params)


class UsageError(BangfuError):
    exit_code = 2


class NotALedger(BangfuError):
    exit_code = 2
    key = "error.not_a_ledger"


class NewerLedger(BangfuError):
    """A ledger laid out in a format this Bangfu does not know (made or migrated by a newer one)."""
    exit_code = 2
    key = "error.newer_ledger"


class UntrustedLedger(BangfuError):
    """Git refuses a repository another account owns until the user trusts it."""
    exit_code = 2
    key = "error.untrusted_ledger"


class Unreadable(BangfuError):
    """The ledger's files cannot be read by this account (permissions), or git could not read them."""
    key = "error.unreadable"


class HandEdited(BangfuError):
    """A worktree ledger's record file has hand edits not committed: the save waits for them."""
    exit_code = 3
    key = "error.hand_edited"


class RecordNotFound(BangfuError):
    key = "error.not_found"


class UnreadableRecord(BangfuError):
    """The record's file is in the ledger but cannot be read (broken JSON, another record's id,
    an object git cannot read): named, never taken for a record that does not exist."""
    key = "error.unreadable_record"


class ReadOnly(BangfuError):
    key = "error.read_only"


class StorageError(BangfuError):
    """The disk or git refused (full disk, permissions). Nothing was committed."""
    key = "error.storage"


class InvalidRecord(BangfuError):
    """Schema or rule errors: nothing was committed."""
    key = "error.invalid"

    def __init__(self, findings: list[Finding], record: str = "?"):
        super().__init__(record=record, count=len(findings))
        self.findings = findings

    def __str__(self) -> str:
        return "\n".join([i18n.t(self.key, **self.params)] + ["  " + f.text() for f in self.findings])


class Referenced(BangfuError):
    key = "error.referenced"

    def __init__(self, record: str, referrers: list[tuple[str, str]]):
        super().__init__(record=record, count=len(referrers),
                         list=i18n.listing(f"{rid} ({path})" for rid, path in referrers[:10]))
        self.referrers = referrers


class Conflict(BangfuError):
    """Someone else changed the record since this edit started; nothing was overwritten."""
    exit_code = 3
    key = "error.conflict"

    def __init__(self, record: str, *, by: str = "?", at: str = "?", commit: str = "?",
                 theirs: dict | None = None, key: str | None = None):
        super().__init__(key, record=record, by=by, at=at, commit=commit[:10])
        self.record = record
        self.theirs = theirs
        self.commit = commit
