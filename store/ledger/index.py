"""The query index: every record of one tree, in an in-memory TinyDB, one table per type.

It is only a cache. It is built from git in bulk, moved forward with the output of
`git diff-tree`, and may be saved to disk under the id of the tree it reflects;
deleting that file changes nothing but speed.
"""
from __future__ import annotations

import json
import os
import pickle
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tinydb import Query, TinyDB
from tinydb.queries import QueryInstance
from tinydb.storages import Storage
from tinydb.table import Table

from store.core import ids
from store.ledger import memo
from store.ledger import search

CACHE_FORMAT = 5


class _Memory(Storage):
    def __init__(self) -> None:
        self.memory: dict = {}

    def read(self) -> dict:
        return self.memory

    def write(self, data: dict) -> None:
        self.memory = data


class _InPlaceTable(Table):
    """TinyDB's Table rebuilds the whole table dict on every write (O(n) per save).
    In memory there is nothing to serialise, so update the dict in place."""

    def _update_table(self, updater: Callable[[dict], None]) -> None:
        tables = self._storage.read()
        updater(tables.setdefault(self.name, {}))
        self.clear_cache()

    def rows(self) -> Iterable[dict]:
        """The stored records themselves: a scan need not wrap each in a Document first."""
        return self._storage.read().get(self.name, {}).values()

    def put(self, doc_id: int, doc: dict) -> None:
        """Hold the record itself (TinyDB's insert would keep a second copy of it)."""
        self._update_table(lambda table: table.__setitem__(doc_id, doc))

    def bulk_load(self, table: dict[int, dict]) -> None:
        """Take a whole table at once (50k inserts one by one would copy every record twice)."""
        self._storage.read()[self.name] = table
        self._next_id = None
        self.clear_cache()


class _DB(TinyDB):
    table_class = _InPlaceTable


class Index:
    def __init__(self) -> None:
        self.db = _DB(storage=_Memory)
        self.records_tree: str | None = None
        self.docs: dict[str, dict] = {}       # id -> record (shared with TinyDB's table)
        self.blobs: dict[str, str] = {}       # id -> blob id
        self.broken: dict[str, str] = {}      # path -> what is wrong with it
        self._doc_ids: dict[str, int] = {}
        self._next = 1
        self._texts: dict[str, str] = {}
        self._referrers: dict[str, set[str]] = {}   # id -> ids whose search text holds its name
        self._eq: dict[tuple[str, str], dict[Any, set[str]]] = {}

    # -- filling ------------------------------------------------------------
    def load(self, items: Iterable[tuple[str, str, dict]], records_tree: str | None) -> None:
        """Replace everything with (id, blob, record) items."""
        self.__init__()
        tables: dict[str, dict[int, dict]] = {}
        for rid, blob, doc in items:
            self._doc_ids[rid] = self._next
            self.docs[rid] = doc
            self.blobs[rid] = blob
            tables.setdefault(rid.split("-", 1)[0], {})[self._next] = doc
            self._next += 1
        for rtype, table in tables.items():
            self.db.table(rtype).bulk_load(table)
        self.records_tree = records_tree

    def apply(self, changes: Iterable[tuple[str, str | None, dict | None]], records_tree: str | None) -> list[str]:
        """Apply (id, blob or None, record or None) changes; None means deleted. Returns the ids."""
        changed = []
        for rid, blob, doc in changes:
            table = self.db.table(ids.type_of(rid))
            old = self._doc_ids.pop(rid, None)
            self._unindex(rid)
            if old is not None:
                table.remove(doc_ids=[old])
                self.docs.pop(rid, None)
                self.blobs.pop(rid, None)
            self._texts.pop(rid, None)
            for referrer in self._referrers.pop(rid, ()):   # they show its name: made again when asked
                self._texts.pop(referrer, None)
            if doc is not None:
                self._doc_ids[rid] = self._next
                table.put(self._next, doc)
                self.docs[rid] = doc
                self.blobs[rid] = blob
                self._next += 1
                self._reindex(rid, doc)
            changed.append(rid)
        self.records_tree = records_tree
        return changed

    # -- reading ------------------------------------------------------------
    def get(self, rid: str) -> dict | None:
        return self.docs.get(rid)

    def count(self, rtype: str | None = None) -> int:
        return len(self.docs) if rtype is None else len(self.db.table(rtype))

    def find(self, rtype: str, **equal: Any) -> list[dict]:
        """Records of a type whose fields equal the given values (nested with `__`:
        identity__id_number__hmac).

        The rules ask this for every record they check (duplicates, references),
        so it is answered from hash maps built on first use, not by a scan."""
        if not equal or not all(_hashable(v) for v in equal.values()):
            return self.query(rtype, **equal)
        # Smallest hit set first: copying a whole programme's or term's set costs O(n) per call.
        sets = sorted((self._eq_map(rtype, name).get(value, set()) for name, value in equal.items()), key=len)
        found = set(sets[0])
        for hits in sets[1:]:
            found &= hits
            if not found:
                return []
        return [self.docs[rid] for rid in sorted(found)]

    def _eq_map(self, rtype: str, name: str) -> dict[Any, set[str]]:
        key = (rtype, name)
        if key not in self._eq:
            m: dict[Any, set[str]] = {}
            for rid, doc in self.docs.items():
                if doc.get("type") == rtype and _hashable(value := _field(doc, name)):
                    m.setdefault(value, set()).add(rid)
            self._eq[key] = m
        return self._eq[key]

    def _unindex(self, rid: str) -> None:
        doc = self.docs.get(rid)
        if doc is None:
            return
        for (rtype, name), m in self._eq.items():
            if doc.get("type") == rtype and _hashable(value := _field(doc, name)):
                m.get(value, set()).discard(rid)

    def _reindex(self, rid: str, doc: dict) -> None:
        for (rtype, name), m in self._eq.items():
            if doc.get("type") == rtype and _hashable(value := _field(doc, name)):
                m.setdefault(value, set()).add(rid)

    def query(self, rtype: str, text: str | None = None, *, copies: bool = True, **filters: Any) -> list[dict]:
        """Filters: field=value, field__gte/__lte/__gt/__lt/__ne/__in/__contains=value;
        nested fields with `__` (period__start) or dots; text= matches any text (and pinyin initials).
        copies=False answers the stored records themselves (for readers that never change them)."""
        cond = _condition(filters)
        if text:
            needle = search.needle(text)
            text_cond = Query().id.test(lambda rid: search.matches(needle, self.text_of(rid), rid))
            cond = text_cond if cond is None else cond & text_cond
        rows = self.db.table(rtype).rows()
        found = rows if cond is None else filter(cond, rows)
        return [dict(d) for d in found] if copies else list(found)

    def text_of(self, rid: str) -> str:
        """What a text search looks in (with the pinyin of names), made once per record version."""
        hay = self._texts.get(rid)
        if hay is None:
            doc = self.docs.get(rid)
            if doc is None:
                return ""
            refs: set[str] = set()
            hay = self._texts[rid] = search.haystack(doc, self.docs.get, refs)
            for ref in refs:
                self._referrers.setdefault(ref, set()).add(rid)
        return hay

    def matching(self, rids: Iterable[str], text: str) -> list[str]:
        """The ids, in the order given, of the records whose text holds `text` (pinyin initials
        too): a list already in order is filtered in one pass, never sorted again."""
        needle, text_of, matches = search.needle(text), self.text_of, search.matches
        return [r for r in rids if matches(needle, text_of(r), r)]

    def ids(self, rtype: str) -> list[str]:
        return [doc["id"] for doc in self.all(rtype)]

    def all(self, rtype: str) -> Iterator[dict]:
        """The records of one type, as stored (its table, not a walk over every id of the ledger)."""
        return iter(self.db.table(rtype).rows())

    # -- disk cache ---------------------------------------------------------
    def save(self, path: Path, background: bool = False) -> None:
        """Write the cache of the index as it is now (the caller keeps writers out meanwhile:
        records are replaced, never changed in place, so this list of them is a consistent
        snapshot); in the background only the pickling and writing go on in a thread."""
        items = [(rid, self.blobs[rid], doc) for rid, doc in self.docs.items()]
        head = {"format": CACHE_FORMAT, "tree": self.records_tree, "broken": dict(self.broken)}
        if background:
            threading.Thread(target=_write_cache, args=(path, head, items), name="index-cache").start()
        else:
            _write_cache(path, head, items)

    def restore(self, path: Path) -> bool:
        try:
            with path.open("rb") as fh:
                if not memo.owned(fh):
                    return False
                payload = pickle.load(fh)
            if payload.get("format") != CACHE_FORMAT:
                return False
            # Slice by slice: one unpickling of 50k records would hold the interpreter for a
            # quarter of a second, and the dashboard loads the index while it is on screen.
            items: list = []
            for chunk in payload["chunks"]:
                items += pickle.loads(chunk)
            self.load(items, payload["tree"])
            self.broken = payload["broken"]
            return True
        except Exception:  # any damage to a cache only means rebuilding it
            self.__init__()
            return False


CHUNK = 1250   # records per slice of the cache file (a few ms to unpickle)


def _write_cache(path: Path, head: dict, items: list) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".index-")
    except OSError:
        return  # a cache that cannot be written (read-only ledger, full disk) only costs speed
    try:
        chunks = [pickle.dumps(items[n:n + CHUNK], protocol=5) for n in range(0, len(items), CHUNK)]
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({**head, "chunks": chunks}, fh, protocol=5)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


_OPS = {
    "gte": lambda q, v: q >= v, "lte": lambda q, v: q <= v, "gt": lambda q, v: q > v, "lt": lambda q, v: q < v,
    "ne": lambda q, v: q != v, "in": lambda q, v: q.one_of(list(v)),
    "contains": lambda q, v: q.test(lambda arr: isinstance(arr, list) and v in arr),
}


def _condition(filters: dict[str, Any]) -> QueryInstance | None:
    cond = None
    for key, value in filters.items():
        parts = key.replace(".", "__").split("__")
        op = parts.pop() if parts[-1] in _OPS and len(parts) > 1 else None
        q = Query()
        for part in parts:
            q = q[part]
        item = _OPS[op](q, value) if op else (q == value)
        cond = item if cond is None else cond & item
    return cond


def _field(doc: dict, name: str) -> Any:
    """doc[a][b] for the name a__b (None where the path does not exist)."""
    value: Any = doc
    for part in name.split("__"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _hashable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool)) or value is None


def parse_value(text: str) -> Any:
    """A --where value from the shell: JSON when it parses (numbers, true), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text
