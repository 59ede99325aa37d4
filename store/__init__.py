"""Bangfu's ledger: records of school twinning and student aid in git, free of any user interface.

The packages are layers; each imports only those below it (checked by the import-linter contracts
in pyproject.toml):

    demo        the demo ledger and synthetic ledgers of any size
    io          spreadsheets in and out, term reports
    sync        record-by-record merge, conflicts, sync with a hub, the hub's checks
    history     log, diff, blame, changes, audit
    figures     the dashboard's figures of a term
    privacy     keys, sealing, reveal and erasure of personal identifiers, the public notice
    ledger      git objects, the ledger (writes with compare-and-swap), the index, search
    rules       schemas, the rules beyond them, the ID number check, the form model
    core        ids, canonical form, money, text, trailers, errors, findings, messages

Other code takes the few names it needs from here: `from store import Ledger`. That Ledger comes
with the layers that plug into the core (sealing identifiers, sync's set-up: store/ledger/hooks.py),
which is why it is looked up on first use instead of imported with the package."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.core.errors import (BangfuError, Conflict, InvalidRecord, NotALedger, ReadOnly, RecordNotFound,
                                   Referenced, StorageError, UsageError)
    from store.ledger.gitstore import Person
    from store.ledger.ledger import NEW, Change, Ledger, Saved

_ERRORS = ("BangfuError", "Conflict", "InvalidRecord", "NotALedger", "ReadOnly", "RecordNotFound", "Referenced",
           "StorageError", "UsageError")
__all__ = ["Ledger", "Change", "NEW", "Saved", "Person", "BangfuError", "Conflict", "InvalidRecord", "NotALedger",
           "ReadOnly", "RecordNotFound", "Referenced", "StorageError", "UsageError"]


def __getattr__(name: str) -> Any:
    if name in ("Ledger", "Change", "NEW", "Saved"):
        # Imported for what they register in store/ledger/hooks.py: sealing, and sync's set-up.
        import store.privacy.acts  # noqa: F401
        import store.sync.remote  # noqa: F401
        import store.twinning.locks  # noqa: F401  (an inspected plan or a closed term refuses edits)
        import store.aid.batches  # noqa: F401  (an approved payment batch and its payments refuse edits)
        import store.aid.closed  # noqa: F401  (a closed term's payments refuse edits)
        from store.ledger import ledger
        return getattr(ledger, name)
    if name == "Person":
        from store.ledger.gitstore import Person
        return Person
    if name in _ERRORS:
        from store.core import errors
        return getattr(errors, name)
    raise AttributeError(f"module 'store' has no attribute {name!r}")
