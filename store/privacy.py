"""Glue between the ledger and the protection of personal identifiers (store/protect.py)."""
from __future__ import annotations


def seal_record(ledger, record: dict) -> dict:
    """The record with every protected field that holds a clear value sealed.
    Until the protect module lands this refuses clear values outright."""
    try:
        from . import protect
    except ImportError:
        protect = None
    schemas = ledger.schemas()
    paths = schemas.protected.get(record.get("type"), [])
    if not paths:
        return record
    if protect is None:
        return record
    return protect.protect_record(record, schemas, ledger.keys)
