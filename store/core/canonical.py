"""The one byte form of a record: what is hashed, committed and compared."""
from __future__ import annotations

import json
from typing import Any


def dumps(record: Any) -> bytes:
    # Sorted keys and a fixed indent make `git diff` show only changed fields and
    # make saving an unchanged record produce the same blob (so no commit).
    return (json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def is_canonical(data: bytes) -> bool:
    try:
        return dumps(json.loads(data.decode("utf-8"))) == data
    except (UnicodeDecodeError, ValueError):
        return False


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob, without asking git."""
    import hashlib
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
