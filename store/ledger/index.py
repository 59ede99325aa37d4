"""The query index: every record of one tree, in an SQLite file shared by the user's processes.

It is only a cache. It is built from git in bulk, moved forward with the output of
`git diff-tree`, and says which tree it reflects; deleting the file changes nothing but
speed. Queries run in SQLite and read only the records they answer with, so what a process
holds in memory grows with what it looks at, not with the ledger: at a million records an
index held in every process's memory took 4 GB in each.

Many processes share one file (WAL mode: readers never wait for the writer, and each
statement reads one committed state). Moving the index to a tree is one transaction that
reads the tree it is at inside the lock, so two processes moving it at once never apply a
difference to the wrong base. A save's records are checked against the ledger as it will
be (`trial`), kept in the process until the commit is made, never shown to another one.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from tinydb import Query
from tinydb.queries import QueryInstance

from store.core import canonical, ids
from store.ledger import search

FORMAT = 9          # raise when the tables change shape: an older file is emptied and read afresh
PARSED = 4096       # records kept parsed in the process (the rows a screen shows, a save's neighbours)
BULK = 512          # a query answering more rows than this reads them for a list or a figure: not kept
PAGE = 2000         # rows read at a time by a walk over many records
TEXTS_LATER = 1000  # a save remaking more search texts than this leaves them to the text index's builder
TEXT_PAGE = 200     # search texts made in one transaction (a tenth of a second at 1M: a save or a search waits no longer)
TEXTS_BROUGHT = TEXT_PAGE  # the same for records another process or site wrote (a sync's merge, a push at the hub)
CHUNK = 500         # ids per statement asking about many records (SQLite allows far more parameters)
HITS_KEPT = 200_000  # ids of recent searches' hits kept together (a few MB)
WAIT_MS = 600_000   # how long a writer waits for another (the first build of a million records)

Change = tuple[str, "str | None", "dict | str | None"]   # (id, blob, record or its file's text); None deletes

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, type TEXT NOT NULL, blob TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS records_by_type ON records (type, id);
CREATE TABLE IF NOT EXISTS broken (path TEXT PRIMARY KEY, problem TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS texts (id TEXT PRIMARY KEY, type TEXT NOT NULL, hay TEXT NOT NULL, hay_en TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS texts_by_type ON texts (type);
CREATE VIRTUAL TABLE IF NOT EXISTS text_chars USING fts5(chars, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS text_refs (ref TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (ref, id));
CREATE INDEX IF NOT EXISTS text_refs_by_id ON text_refs (id);
"""
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Everything:
    """How to read a whole tree into the index: `listed` yields the (id, blob) of each record in
    any order, `read(pairs)` the (id, blob, text of its file) of the pairs it is given, in their
    order; files found wrong meanwhile go into `broken` (path -> problem), `judge(id, text)` says
    what is wrong with a text that is not a record, `path_of(id)` where its file lives."""
    listed: Iterable[tuple[str, str]]
    read: Callable[[Iterator[tuple[str, str]]], Iterable[tuple[str, str, dict | str]]]
    broken: dict[str, str]
    judge: Callable[[str, str], str | None]
    path_of: Callable[[str], str]


class Damaged(Exception):
    """A record's text in the file is not the blob it says it is (a disk error, a hand edit)."""


def _damage(exc: BaseException) -> bool:
    """Whether an error says the file is damaged (not full, read-only or busy)."""
    if isinstance(exc, Damaged):
        return True
    return isinstance(exc, sqlite3.DatabaseError) and (
        getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
        or "malformed" in str(exc))


def _gone_index(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "no such index" in str(exc)


def _healing(method: Callable) -> Callable:
    """A read that meets a damaged file makes the file anew, fills it from git and asks again:
    damage costs time, never an answer. Only the outermost read of a thread heals, and never
    inside a write (the write's transaction is rolled back, and `move` makes the file anew)."""
    @functools.wraps(method)
    def run(self: "Index", *args: Any, **kwargs: Any) -> Any:
        if self.reread is None or getattr(self._local, "reading", False) or self._writer == threading.get_ident():
            return method(self, *args, **kwargs)
        self._local.reading = True
        try:
            try:
                return method(self, *args, **kwargs)
            except (sqlite3.DatabaseError, Damaged) as exc:
                if _gone_index(exc):
                    # Another process emptied the file (a newer format) since this one made an
                    # index of a field: made again on this ask.
                    self._indexed.clear()
                    return method(self, *args, **kwargs)
                if not _damage(exc):
                    raise
            self._make_anew()
            self.reread()
            return method(self, *args, **kwargs)
        finally:
            self._local.reading = False
    return run


class Index:
    """The records of one tree. `path` is the file shared by this user's processes; without
    one the index lives in this process only (history checks, a hub's first push).
    `reread()` brings a file made anew (it was damaged) to the tip again: the ledger's."""

    def __init__(self, path: Path | None = None, reread: Callable[[], Any] | None = None) -> None:
        self.path = path
        self.reread = reread
        self._lock = threading.RLock()
        self._local = threading.local()
        self._conn: sqlite3.Connection | None = None
        self._inode: int | None = None
        self._connect()
        self._writer: int | None = None   # the thread inside the write transaction
        self._parsed: OrderedDict[str, tuple[str, dict]] = OrderedDict()   # id -> (blob, record)
        self._trial: dict[str, dict | None] = {}
        self._trial_keyed: dict[tuple[str, str], dict[Any, list[dict]]] = {}
        # The hits of the last few searches (a filter typed, then backspaced, asks again), while
        # they hold no more than HITS_KEPT ids together.
        self._hits: OrderedDict[tuple, set[str]] = OrderedDict()
        self._indexed: dict[tuple[str, tuple[str, ...]], str] = {}   # (type, fields) -> the index serving them
        self._counted: tuple[str | None, dict[str, int]] = (None, {})   # (tree, records of a type)
        self.docs = _Docs(self)
        self.blobs = _Blobs(self)
        self.broken = _Broken(self)

    # -- the tree it reflects -------------------------------------------------
    @property
    def records_tree(self) -> str | None:
        return self._meta("tree")

    def _meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return row[0] if row else None

    def _set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- filling --------------------------------------------------------------
    def load(self, items: Iterable[tuple[str, str, dict | str]], records_tree: str | None,
             broken: dict[str, str] | None = None, judge: Callable[[str, str], str | None] | None = None,
             path_of: Callable[[str], str] | None = None) -> None:
        """Replace everything with (id, blob, record) items, read as they come (a million records
        never in memory at once). A record may come as the text of its file, stored as it is:
        SQLite then says in one pass which texts are not a JSON object with the id of their path,
        and `judge(id, text)` says what is wrong with each of those (None: nothing after all), kept
        in `broken` under the path `path_of(id)` (the ledger's layout says it)."""
        with self.writing():
            made = self._emptied()
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)", _rows(items))
            self._filled(made, records_tree, broken, judge, path_of)

    def build(self, tree: "Everything", records_tree: str) -> None:
        """Replace everything with the records of a whole tree: its listing of (id, blob) is kept
        in a table of this connection's own (a file SQLite removes when it closes) and read back in
        the order of the ids, a page at a time, for `tree.read` to bring their texts. The rows are
        then added in the order of their keys (SQLite appends instead of inserting), and what this
        process holds does not grow with the ledger: SQLite sorts in bounded memory, spilling to
        its temporary files (a build of a million records holds about 80 MB at the most; the listing,
        its matches and the ids sorted in Python held 570 MB: bench/bench_build.py)."""
        with self.writing():
            made = self._emptied()
            self._db.execute("CREATE TEMP TABLE IF NOT EXISTS listed (id TEXT NOT NULL, blob TEXT NOT NULL)")
            self._db.execute("DELETE FROM temp.listed")
            listed = self._db.cursor()
            try:
                self._db.executemany("INSERT INTO temp.listed VALUES (?, ?)", tree.listed)
                # (by blob too: of two files of one id, in two layouts' folders, the same one is kept every time)
                listed.execute("SELECT id, blob FROM temp.listed ORDER BY id, blob")

                def in_order() -> Iterator[tuple[str, str]]:
                    while page := listed.fetchmany(PAGE):
                        yield from page

                self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                                     _rows(tree.read(in_order())))
            finally:
                listed.close()   # (on a failure the transaction's rollback takes the table too)
            self._db.execute("DROP TABLE temp.listed")
            self._filled(made, records_tree, tree.broken, tree.judge, tree.path_of)

    def _emptied(self) -> list[tuple[str, str]]:
        """Every record gone (inside the writer's transaction), and the indexes of the records
        dropped: they are made again once the records are all in (`_filled`), one sort each,
        instead of a b-tree insertion per record and index while git streams. Returns them."""
        made = self._db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                "AND tbl_name = 'records' AND sql IS NOT NULL").fetchall()
        for name, _sql in made:
            self._db.execute(f'DROP INDEX "{name}"')
        for table in ("records", "texts", "text_refs", "broken"):
            self._db.execute(f"DELETE FROM {table}")
        self._db.execute("INSERT INTO text_chars (text_chars) VALUES ('delete-all')")
        self._db.execute("DELETE FROM meta WHERE key LIKE 'texts%'")   # (made, and being made)
        return made

    def _filled(self, made: list[tuple[str, str]], records_tree: str | None, broken: dict[str, str] | None,
                judge: Callable[[str, str], str | None] | None, path_of: Callable[[str], str] | None) -> None:
        for _name, sql in made:
            self._db.execute(sql)
        if judge is not None:
            suspects = self._db.execute(
                "SELECT id, doc FROM records WHERE NOT json_valid(doc) OR json_type(doc) != 'object' "
                "OR json_extract(doc, '$.id') IS NOT id").fetchall()
            for rid, text in suspects:
                problem = judge(rid, text) or "json: not standard JSON"   # (NaN, which Python reads)
                self._db.execute("DELETE FROM records WHERE id = ?", (rid,))
                (broken if broken is not None else {})[path_of(rid)] = problem
        self._db.executemany("INSERT OR REPLACE INTO broken VALUES (?, ?)", (broken or {}).items())
        self._set_meta("tree", records_tree)
        self._forget()

    def move(self, target: Callable[[], str], changes_from: Callable[[str, str], list[Change] | None],
             everything: Callable[[str], "Everything"], own: tuple[str, str] | None = None) -> str:
        """Bring the index to the tree `target()` names (the branch tip's, read again inside the
        writer's lock: a process that read the tip just before another moved the index past it
        would otherwise move it back). `changes_from(tree it is at, target)` says what differs
        (None when that cannot be told: a tree the repository lacks), `everything(target)` reads
        the whole tree (`Everything`); `own` the (from, to) trees of this process's own save. Returns the tree the
        index is at.

        The search texts of records written elsewhere are left to the builder beyond a page of
        them (TEXTS_BROUGHT): a sync bringing 950 records made theirs inside its merge, 0.8 s at a
        million records, for searches nobody there was waiting for; a save's own records keep
        theirs up to TEXTS_LATER (whoever saved them may look for them next).

        A damaged file is made anew and filled from git; a file that cannot be written (a full
        or read-only disk) is left for an index in this process's memory (slower, never wrong)."""
        remade = False
        while True:
            try:
                return self._move(target, changes_from, everything, own)
            except (sqlite3.DatabaseError, Damaged) as exc:
                if not self._on_file() or not (_damage(exc) or isinstance(exc, sqlite3.OperationalError)):
                    raise
                if _damage(exc) and not remade:
                    self._make_anew()
                    remade = True
                else:
                    self._in_memory()

    def _move(self, target: Callable[[], str], changes_from: Callable[[str, str], list[Change] | None],
              everything: Callable[[str], "Everything"], own: tuple[str, str] | None) -> str:
        tree = target()
        if self.records_tree == tree:
            return tree
        with self.writing():
            tree, old = target(), self.records_tree
            if old == tree:
                return tree   # (another process moved it meanwhile)
            changes = changes_from(old, tree) if old is not None else None
            if changes is None:
                self.build(everything(tree), tree)
            else:
                self.apply(changes, tree, TEXTS_LATER if own == (old, tree) else TEXTS_BROUGHT)
        return tree

    def apply(self, changes: Iterable[Change], records_tree: str | None, texts_later: int | None = None) -> list[str]:
        """Apply (id, blob, record or the text of its file) changes; None deletes. Returns the ids.

        The rows are written together; the search texts are made again only for the records that
        have one, or whose type keeps one, and for those showing a changed record's name: a
        disbursement's 50,000 new payments mostly have none, and asking for each, record by
        record, was a sixth of its save. More than `texts_later` texts (TEXTS_LATER unless said)
        are left to the text index's builder."""
        changes = list(changes)
        changed = [rid for rid, _blob, _doc in changes]
        with self.writing():
            texts = self._text_types()
            for rid in changed:
                self._parsed.pop(rid, None)
            self._db.executemany("DELETE FROM records WHERE id = ?", ((rid,) for rid, _b, doc in changes if doc is None))
            self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
                                 ((rid, ids.type_of(rid), blob, _text(doc)) for rid, blob, doc in changes
                                  if doc is not None))
            with_text: set[str] = set()
            showing: dict[str, list[str]] = {}
            for start in range(0, len(changed), CHUNK):
                part = changed[start:start + CHUNK]
                marks = ",".join("?" * len(part))
                with_text.update(r for (r,) in self._db.execute(f"SELECT id FROM texts WHERE id IN ({marks})", part))
                with_text.update(r for (r,) in self._db.execute(f"SELECT id FROM text_refs WHERE id IN ({marks})", part))
                for ref, rid in self._db.execute(f"SELECT ref, id FROM text_refs WHERE ref IN ({marks})", part):
                    showing.setdefault(ref, []).append(rid)
            # Its text, and those of the records that show its name (made again when renamed).
            remade = list(dict.fromkeys(
                other for rid in changed for other in [rid, *sorted(showing.get(rid, ()))]
                if other in with_text or other != rid or rid.split("-", 1)[0] in texts))
            if len(remade) > (TEXTS_LATER if texts_later is None else texts_later):
                showers = {r for shown in showing.values() for r in shown}
                self._texts_later(remade, with_text | showers, texts)
            else:
                for rid in remade:
                    self._remake_text(rid, texts)
            self._set_meta("tree", records_tree)
        self._hits.clear()
        return changed

    def _text_types(self) -> set[str]:
        """The types whose text index is made, or being made (a record saved meanwhile gets its
        text at once: the making walks down from the newest records it found)."""
        return {key.split(":", 1)[1] for (key,) in self._db.execute(
            "SELECT key FROM meta WHERE key LIKE 'texts:%' OR key LIKE 'texts-from:%'")}

    def _texts_later(self, rids: list[str], with_text: set[str], texts: set[str]) -> None:
        """Leave these records' texts to the text index's builder: a paid batch's 50,000 payments
        had each its text made inside the save (pinyin of names, the full-text index) once a
        coordinator had searched the payments list. Their old texts go; a search that does not
        wait counts them as not searched yet, one that waits (the command line) makes them first,
        and the builder, in this process or the next, makes them the newest first."""
        for rid in rids:
            if rid in with_text:
                self._drop_text(rid)
        for rtype in {rid.split("-", 1)[0] for rid in rids} & texts:
            # (The builder walks down from here, past the records that have a text.)
            self._set_meta(f"texts:{rtype}", None)
            self._set_meta(f"texts-from:{rtype}", "~")

    def _remake_text(self, rid: str, texts: set[str]) -> None:
        """The search text of a record again (a type searched before keeps its text index whole)."""
        self._drop_text(rid)
        if rid.split("-", 1)[0] in texts:
            doc = self.get(rid)
            if doc is not None:
                self._store_texts([(rid, doc)])

    def _drop_text(self, rid: str) -> None:
        row = self._db.execute("SELECT rowid, hay FROM texts WHERE id = ?", (rid,)).fetchone()
        if row is not None:   # (the full-text index keeps no text: it is told what it indexed)
            self._db.execute("INSERT INTO text_chars (text_chars, rowid, chars) VALUES ('delete', ?, ?)",
                             (row[0], search.spaced(row[1])))
            self._db.execute("DELETE FROM texts WHERE id = ?", (rid,))
        self._db.execute("DELETE FROM text_refs WHERE id = ?", (rid,))

    def _store_texts(self, docs: list[tuple[str, dict]], fresh: bool = False) -> None:
        """The texts of these records (`fresh`: none of them has one yet)."""
        named: dict[str, dict | None] = {}   # (the records they refer to, read once for them all)

        def lookup(rid: str) -> dict | None:
            if rid not in named:
                named[rid] = self.get(rid)
            return named[rid]

        for rid, doc in docs:
            refs: set[str] = set()
            hay = search.haystack(doc, lookup, refs)
            if not fresh:
                self._drop_text(rid)
            rowid = self._db.execute("INSERT INTO texts VALUES (?, ?, ?, ?)",
                                     (rid, rid.split("-", 1)[0], hay, search.english_words(doc))).lastrowid
            self._db.execute("INSERT INTO text_chars (rowid, chars) VALUES (?, ?)", (rowid, search.spaced(hay)))
            self._db.executemany("INSERT OR REPLACE INTO text_refs VALUES (?, ?)", ((ref, rid) for ref in refs))

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One transaction (nested calls join it); other processes' writers wait, readers do not."""
        with self._lock:
            if self._writer is not None:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._writer = threading.get_ident()
            try:
                yield
            except BaseException:
                with contextlib.suppress(sqlite3.DatabaseError):   # (a damaged file may refuse even that)
                    self._db.execute("ROLLBACK")
                self._forget()
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._writer = None

    @contextlib.contextmanager
    def trial(self, records: dict[str, dict | None]) -> Iterator[None]:
        """The index as it will be once these records are written (None: deleted), for this
        process's checks of a save only; other processes never see it."""
        with self._lock:
            self._trial = dict(records)
            try:
                yield
            finally:
                self._trial = {}
                self._trial_keyed = {}

    def _trial_candidates(self, rtype: str, filters: dict[str, Any]) -> Iterable[tuple[str, dict]]:
        """The trial records of a type that may pass the filters. A save of 50,000 payments asks
        for each payment's student and term: walking every trial record each time would be
        quadratic, so the first plain field asked for keys the trial records of the type, once."""
        plain = next((k for k, v in filters.items() if _plain(v) and not _operator(k)), None)
        if plain is None:
            return [(rid, r) for rid, r in self._trial.items() if r is not None and ids.type_of(rid) == rtype]
        keyed = self._trial_keyed.get((rtype, plain))
        if keyed is None:
            keyed = self._trial_keyed[(rtype, plain)] = {}
            parts = plain.replace(".", "__").split("__")
            for rid, record in self._trial.items():
                if record is not None and ids.type_of(rid) == rtype:
                    with contextlib.suppress(TypeError):   # (a list or an object never equals a plain value)
                        keyed.setdefault(_field(record, parts), []).append(record)
        return [(r["id"], r) for r in keyed.get(filters[plain], [])]

    # -- reading --------------------------------------------------------------
    @_healing
    def get(self, rid: str) -> dict | None:
        if rid in self._trial:
            return self._trial[rid]
        row = self._one("SELECT blob, doc FROM records WHERE id = ?", (rid,))
        return None if row is None else self._record(rid, row[0], row[1])

    @_healing
    def before(self, rid: str) -> dict | None:
        """The record as it is without the trial: as the ledger has it before the save."""
        row = self._one("SELECT blob, doc FROM records WHERE id = ?", (rid,))
        return None if row is None else self._record(rid, row[0], row[1])

    @_healing
    def get_many(self, rids: list[str]) -> dict[str, dict | None]:
        """Several records in one read, each as `get` gives it (None: not there)."""
        out: dict[str, dict | None] = {rid: self._trial[rid] for rid in rids if rid in self._trial}
        rest = [rid for rid in rids if rid not in out]
        out.update(dict.fromkeys(rest))
        if rest:
            marks = ",".join("?" * len(rest))
            for rid, blob, doc in self._all(f"SELECT id, blob, doc FROM records WHERE id IN ({marks})", rest):
                out[rid] = self._record(rid, blob, doc)
        return out

    @_healing
    def kinds(self, rids: list[str]) -> dict[str, object]:
        """The `type` field of each of these records as `get` would give it (None: no such
        record), read by SQLite from the stored text, without parsing a record in Python: a
        batch's references to its 50,000 students are checked for what they are, not read."""
        out: dict[str, object] = {rid: (self._trial[rid] or {}).get("type") for rid in rids if rid in self._trial}
        rest = [rid for rid in rids if rid not in out]
        out.update(dict.fromkeys(rest))
        if rest:
            marks = ",".join("?" * len(rest))
            out.update(self._all(f"SELECT id, CASE WHEN json_valid(doc) THEN json_extract(doc, '$.type') END "
                                 f"FROM records WHERE id IN ({marks})", rest))
        return out

    @_healing
    def _blob(self, rid: str) -> str | None:
        if rid in self._trial:
            return None if self._trial[rid] is None else "pending"
        row = self._one("SELECT blob FROM records WHERE id = ?", (rid,))
        return row[0] if row else None

    @_healing
    def _blobs(self, rids: list[str]) -> dict[str, str | None]:
        """`_blob` of many records, a read per CHUNK ids (a save of 50,000 payments asked 50,000 times)."""
        out: dict[str, str | None] = dict.fromkeys(rids)
        for start in range(0, len(rids), CHUNK):
            part = rids[start:start + CHUNK]
            out.update(self._all(f"SELECT id, blob FROM records WHERE id IN ({','.join('?' * len(part))})", part))
        for rid in rids:
            if rid in self._trial:
                out[rid] = None if self._trial[rid] is None else "pending"
        return out

    @_healing
    def count(self, rtype: str | None = None) -> int:
        if rtype is None:
            return self._one("SELECT count(*) FROM records", ())[0]
        return self._one("SELECT count(*) FROM records WHERE type = ?", (rtype,))[0]

    def find(self, rtype: str, **equal: Any) -> list[dict]:
        """Records of a type whose fields equal the given values (nested with `__`:
        identity__id_number__hmac), in the order of their ids.

        The rules ask this for every record they check (duplicates, references): each field
        asked for gets an index of its own in the file, made the first time it is asked."""
        return self.query(rtype, copies=False, **equal)

    @_healing
    def query(self, rtype: str, text: str | None = None, *, copies: bool = True, **filters: Any) -> list[dict]:
        """Filters: field=value, field__gte/__lte/__gt/__lt/__ne/__in/__contains=value;
        nested fields with `__` (period__start) or dots; text= matches any text (and pinyin initials).
        copies=False answers the stored records themselves (for readers that never change them).

        SQLite narrows the rows by the filters it can answer exactly as Python would compare
        (strings and numbers); every row it gives is then held to all the filters in Python (where
        every filter compares with text, to what makes SQLite's answer Python's: `_text_fields`)."""
        source, where, params = self._sql_filters(rtype, filters)
        cond = _condition(filters)
        agrees = _text_fields(filters) or cond   # (what a row SQLite found must pass)
        hits = self._text_hits([rtype], text) if text else None
        rows = self._rows(source, where, params)
        # Thousands of rows are read for a list or a figure, not shown one at a time: parsed for
        # this answer alone, they neither push the rows on screen out of the kept ones (each
        # pushed out costing its freeing) nor need copying.
        bulk = len(rows) > BULK
        found: list[tuple[dict, bool]] = []   # (record, whether it is this answer's own)
        for rid, blob, doc in rows:
            if rid in self._trial or (hits is not None and rid not in hits):
                continue
            record = self._parsed_anew(rid, blob, doc) if bulk else self._record(rid, blob, doc)
            if agrees is None or agrees(record):
                found.append((record, bulk))
        for rid, record in self._trial_candidates(rtype, filters) if self._trial else ():
            if (cond is None or cond(record)) \
                    and (not text or search.matches(search.needle(text), self._trial_text(record), rid)):
                found.append((record, False))
        if self._trial:
            found.sort(key=lambda pair: pair[0]["id"])
        return [dict(d) if copies and not own else d for d, own in found]

    @_healing
    def ids(self, rtype: str) -> list[str]:
        return [rid for (rid,) in self._all("SELECT id FROM records WHERE type = ? ORDER BY id", (rtype,))]

    def all(self, rtype: str, **filters: Any) -> Iterator[dict]:
        """The records of one type (matching `query`'s filters, when given), as stored, in the order
        of their ids, a page at a time: the ids that match first, then their records a page at
        a time (a term's payments at a county's decade are 94,000 records, read in one go their
        texts and records were all held at once)."""
        if not filters:
            return self._pages("type = ?", (rtype,))
        return self._filtered(rtype, filters)

    def _filtered(self, rtype: str, filters: dict[str, Any]) -> Iterator[dict]:
        cond = _condition(filters)
        rids = self._matching(rtype, filters)
        for start in range(0, len(rids), PAGE):
            for record in self._by_ids(rids[start:start + PAGE]):
                if cond is None or cond(record):
                    yield record

    @_healing
    def _matching(self, rtype: str, filters: dict[str, Any]) -> list[str]:
        """The ids the filters' SQL finds, in order (asked again, field indexes and all, when another
        process emptied the file meanwhile)."""
        source, where, params = self._sql_filters(rtype, filters)
        return sorted(rid for (rid,) in self._all(f"SELECT id FROM {source} WHERE {where}", params))

    def _pages(self, where: str, params: tuple) -> Iterator[dict]:
        last = ""
        while True:
            page = self._page(where, params, last)
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1]["id"]

    @_healing
    # A walk's pages are parsed for the walk alone, as a query's thousands of rows are: kept, each
    # page pushed the last page out of the records kept parsed, and what stayed kept at the end of
    # a walk over a county's 250,000 students (the last 4,096, spread over the memory the whole
    # walk had used) held 40 MB of Python's memory from going back to the system.
    def _by_ids(self, rids: list[str]) -> list[dict]:
        rows = self._all(f"SELECT id, blob, doc FROM records WHERE id IN ({','.join('?' * len(rids))})", rids)
        return [self._parsed_anew(rid, blob, doc) for rid, blob, doc in sorted(rows)]

    @_healing
    def _page(self, where: str, params: tuple, after: str) -> list[dict]:
        rows = self._all(f"SELECT id, blob, doc FROM records WHERE {where} AND id > ? ORDER BY id LIMIT ?",
                         (*params, after, PAGE))
        return [self._parsed_anew(rid, blob, doc) for rid, blob, doc in rows]

    # -- text search ----------------------------------------------------------
    def _trial_text(self, record: dict) -> str:
        hay = search.haystack(record, self.get)
        return f"{hay}\n{search.english_words(record)}" if search.searched_in_english() else hay

    @_healing
    def text_of(self, rid: str) -> str:
        """What a text search looks in (with the pinyin of names)."""
        row = self._one("SELECT hay FROM texts WHERE id = ?", (rid,))
        if row:
            return row[0]
        doc = self.get(rid)
        return "" if doc is None else search.haystack(doc, self.get)

    def prepare_texts(self, rtype: str, stop: Callable[[], bool] = lambda: False) -> None:
        """Make the text index of a type (kept in the file: once per ledger, then kept up by
        every save), a page at a time so saves never wait long for it, the newest records first
        (a ULID begins with its time: this school year's are searchable first). How far it has
        come is kept in the file: another process, or the next start, goes on from there."""
        made, under = f"texts:{rtype}", f"texts-from:{rtype}"
        while self._meta(made) is None and not stop():
            with self.writing():
                if self._meta(made) is not None:
                    return   # (another process made the rest meanwhile)
                start = self._meta(under)
                # (Every record from `start` up has its text, and so has each saved since.)
                rows = self._all("SELECT id, doc FROM records r WHERE type = ? AND id < ? AND NOT EXISTS "
                                 "(SELECT 1 FROM texts t WHERE t.id = r.id) ORDER BY id DESC LIMIT ?",
                                 (rtype, "~" if start is None else start, TEXT_PAGE))
                self._store_texts([(rid, canonical.loads(doc)) for rid, doc in rows], fresh=True)
                if len(rows) < TEXT_PAGE:
                    self._set_meta(made, "1")
                    self._set_meta(under, None)
                else:
                    self._set_meta(under, rows[-1][0])

    def unsearched(self, types: list[str]) -> int:
        """How many records of these types a search does not see yet (their text index is being
        made). The records of a type are counted once per tree (400,000 activities: 50-70 ms, a
        keystroke's worth), their texts each time (a smaller index)."""
        waiting = [t for t in types if self._meta(f"texts:{t}") is None]
        if not waiting:
            return 0
        tree = self.records_tree
        if self._counted[0] != tree:
            self._counted = (tree, {})
        counts = self._counted[1]
        for rtype in waiting:
            if rtype not in counts:
                counts[rtype] = self.count(rtype)
        marks = ",".join("?" * len(waiting))
        return sum(counts[t] for t in waiting) - self._one(
            f"SELECT count(*) FROM texts WHERE type IN ({marks})", waiting)[0]

    def text_hits(self, types: list[str], text: str, whole: bool = True) -> tuple[set[str], int]:
        """The ids of the records of these types whose text holds `text` (pinyin initials too),
        and how many of their records the search did not see: none when `whole` (the text index
        is made first: minutes at a million records the first time), else those whose text is
        still being made (counted first: the count only falls, so it is never too small)."""
        unseen = 0 if whole else self.unsearched(types)
        return self._text_hits(types, text, whole), unseen

    def _text_hits(self, types: list[str], text: str, whole: bool = True) -> set[str]:
        needle = search.needle(text)
        english = search.searched_in_english()
        if whole:
            for rtype in types:
                self.prepare_texts(rtype)
        made = tuple(self._meta(f"texts:{t}") or self._meta(f"texts-from:{t}") for t in types)
        key = (needle, tuple(types), self.records_tree, english, made)
        if key in self._hits:
            self._hits.move_to_end(key)
            return self._hits[key]
        marks = ",".join("?" * len(types))
        if any(c.isalnum() for c in needle):
            # The full-text index finds the texts that hold the needle's letters one after the
            # other (each character is a word to it: a Chinese name has no spaces, and two typed
            # letters are too few for an index of three); the text itself then says whether it
            # holds the needle as typed, punctuation and all.
            # (Texts by their row, the type not through its index: SQLite would otherwise walk
            # the type's texts and ask the full-text index about each.)
            # One character the index holds as a word is in the text wherever the index finds it:
            # the first keystroke, which finds nearly every record, need not read every text.
            held = "" if len(needle) == 1 else "AND instr(hay, ?) > 0"
            found = self._ids(
                f"SELECT id FROM texts WHERE rowid IN (SELECT rowid FROM text_chars WHERE text_chars MATCH ?) "
                f"AND +type IN ({marks}) {held}",
                ('"' + search.spaced(needle).replace('"', '""') + '"', *types, *([needle] if held else [])))
        else:   # (punctuation alone: no word of it is in the full-text index)
            found = self._ids(
                f"SELECT id FROM texts WHERE type IN ({marks}) AND instr(hay, ?) > 0", (*types, needle))
        if len(needle) >= 6 and any(c.isdigit() for c in needle):   # (see search.matches)
            found.update(self._ids(
                f"SELECT id FROM records WHERE type IN ({marks}) AND instr(lower(id), ?) > 0", (*types, needle)))
        if english:   # (what English mode shows for enumerated values: a few words a record, read as they are)
            found.update(self._ids(
                f"SELECT id FROM texts WHERE type IN ({marks}) AND instr(hay_en, ?) > 0", (*types, needle)))
        self._hits[key] = found
        while len(self._hits) > 1 and (len(self._hits) > 8 or sum(map(len, self._hits.values())) > HITS_KEPT):
            self._hits.popitem(last=False)
        return found

    # -- SQL ------------------------------------------------------------------
    def _sql_filters(self, rtype: str, filters: dict[str, Any]) -> tuple[str, str, list]:
        """(the table, with the index of the fields asked for; the condition; its parameters)"""
        if rtype not in ids.RECORD_TYPES:
            return "records", "0", []
        where, params = [f"type = '{rtype}'"], []
        equal, ranged = [], []   # the fields an index serves: those asked to equal, then one range
        for key, value in filters.items():
            parts = key.replace(".", "__").split("__")
            op = parts.pop() if parts[-1] in _OPS and len(parts) > 1 else None
            if not all(_NAME.match(p) for p in parts):
                continue
            path = "$." + ".".join(parts)
            expr = f"json_extract(doc, '{path}')"
            if op is None and _plain(value):
                equal.append(path)
                where.append(f"{expr} = ?")
                params.append(value)
            elif op in _SQL_COMPARE and _plain(value):
                ranged.append(path)
                where.append(f"{expr} {_SQL_COMPARE[op]} ?")
                params.append(value)
            elif op == "in" and isinstance(value, (list, tuple, set, frozenset)) and not value:
                where.append("0")   # (IN () through an index is no plan to SQLite)
            elif op == "in" and isinstance(value, (list, tuple, set, frozenset)) and all(_plain(v) for v in value):
                equal.append(path)
                where.append(f"{expr} IN ({','.join('?' * len(value))})")
                params.extend(value)
            elif op == "contains" and _plain(value):
                where.append(f"EXISTS (SELECT 1 FROM json_each(doc, '{path}') WHERE value = ?)")
                params.append(value)
        fields = list(dict.fromkeys(sorted(equal) + ranged[:1]))   # (equal ones in any order: one index)
        return self._indexed_by(rtype, fields), " AND ".join(where), params

    def _indexed_by(self, rtype: str, paths: list[str]) -> str:
        """The records table read through the index of these fields (made when missing). Named:
        without statistics SQLite would rather walk every record of the type."""
        name = self._ensure_index(rtype, paths) if paths else None
        return f"records INDEXED BY {name}" if name else "records"

    def _ensure_index(self, rtype: str, paths: list[str]) -> str | None:
        """An index of the fields a query asks for, of one type (equal ones first, then a range),
        made the first time they are asked for together: the rules ask for the same few fields on
        every save, the dashboard for one kind since a date, the records of one term or plan.
        An index whose fields start with these serves the query too, and one whose fields start
        another's is dropped (the first time a process asks of the type): each is written on every
        save of its type, and a disbursement's 50,000 payments were written into four, where two
        serve every query the four did."""
        key = (rtype, tuple(paths))
        if key in self._indexed:
            return self._indexed[key]
        if self.path is None and self.count(rtype) < 5000:
            return None
        made = self._indexes_of(rtype)
        there = set(made)
        if not any(fields[:len(paths)] == key[1] for fields in made.values()):
            made[f"by_{rtype}_" + "_".join(p[2:].replace(".", "__") for p in paths)] = key[1]
        # (and those a ledger made before one index served the queries of several)
        served = {n for n, fields in made.items()
                  if any(len(other) > len(fields) and other[:len(fields)] == fields for other in made.values())}
        if served or len(made) > len(there):
            with self.writing():
                for name in made.keys() - there - served:
                    columns = ", ".join(f"json_extract(doc, '{p}')" for p in made[name])
                    self._db.execute(f"CREATE INDEX IF NOT EXISTS {name} ON records ({columns}) WHERE type = '{rtype}'")
                for name in served & there:
                    self._db.execute(f"DROP INDEX IF EXISTS {name}")
            self._indexed = {k: n for k, n in self._indexed.items() if n not in served}
        name = min((n for n, fields in made.items() if n not in served and fields[:len(paths)] == key[1]),
                   key=lambda n: (len(made[n]), n))
        self._indexed[key] = name
        return name

    def _indexes_of(self, rtype: str) -> dict[str, tuple[str, ...]]:
        """The indexes made of fields of a type: name -> the fields, in their order."""
        return {name: tuple(_INDEXED_FIELD.findall(sql)) for name, sql in self._all(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql LIKE ?",
            (f"%WHERE type = '{rtype}'",))}

    @_healing
    def distinct(self, rtype: str, field: str) -> list:
        """The values one field of a type takes (nested with `__`), each once, numbers before
        text, each kind in order: the first and last date of the activities without reading one."""
        parts = field.replace(".", "__").split("__")
        if rtype not in ids.RECORD_TYPES or not all(_NAME.match(p) for p in parts):
            return []
        path = "$." + ".".join(parts)
        source = self._indexed_by(rtype, [path])
        pending = [rid for rid in self._trial if ids.type_of(rid) == rtype]
        found = {v for (v,) in self._all(
            f"SELECT DISTINCT json_extract(doc, '{path}') FROM {source} WHERE type = '{rtype}' "
            f"AND id NOT IN ({','.join('?' * len(pending))})", pending)}
        found.update(_field(doc, parts) for rid, doc in self._trial.items() if rid in pending and doc is not None)
        return sorted((v for v in found if isinstance(v, (int, float, str)) and not isinstance(v, bool)),
                      key=lambda v: (isinstance(v, str), v))

    def _rows(self, source: str, where: str, params: list) -> list[tuple[str, str, bytes]]:
        # Sorted here, not by SQLite: ORDER BY id would lead it to walk every record of the
        # type in id order rather than use the index of the field asked for.
        # (The text as its bytes: hashed and parsed as they are, never decoded and encoded again.)
        return sorted(self._all(f"SELECT id, blob, CAST(doc AS BLOB) FROM {source} WHERE {where}", params))

    @_healing
    def _one(self, sql: str, params) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    @_healing
    def _ids(self, sql: str, params) -> set[str]:
        """The rows' first column, read a row at a time: a search's tens of thousands of rows held
        at once as tuples outlived the collector's young passes and set off full ones (0.1-0.35 s
        holding every thread at 50k records, in the middle of a keystroke's search)."""
        with self._lock:
            return {row[0] for row in self._db.execute(sql, params)}

    @_healing
    def _all(self, sql: str, params) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def _record(self, rid: str, blob: str, doc: str) -> dict:
        """The record parsed once and kept while it is among the last few thousand asked for:
        readers that ask twice get the same stored record. In a file, the text is the record's
        file as committed: it must hash to its blob id, or the file is damaged."""
        with self._lock:
            kept = self._parsed.get(rid)
            if kept is not None and kept[0] == blob:
                self._parsed.move_to_end(rid)
                return kept[1]
            record = self._parsed_anew(rid, blob, doc)
            self._parsed[rid] = (blob, record)
            if len(self._parsed) > PARSED:
                self._parsed.popitem(last=False)
            return record

    def _parsed_anew(self, rid: str, blob: str, doc: str | bytes) -> dict:
        if self._on_file() and _blob_id(doc) != blob:
            raise Damaged(rid)
        return canonical.loads(doc)

    def _forget(self) -> None:
        self._parsed.clear()
        self._hits.clear()

    def close(self) -> None:
        """Let go of the file (reading again opens it again); an index in memory stays."""
        with self._lock:
            if self._conn is not None and self._on_file():
                self._conn.close()
                self._conn = None

    def _connect(self) -> None:
        self._conn, self._inode = _connect(self.path)

    def _on_file(self) -> bool:
        return self._inode is not None

    def _make_anew(self) -> None:
        """A damaged file removed (unless another process has made it anew already) and an
        empty one made in its place."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            with contextlib.suppress(OSError):
                if self.path is not None and self.path.stat().st_ino == self._inode:
                    for f in _files(self.path):
                        f.unlink(missing_ok=True)
            self._connect()
            self._forget()
            self._indexed.clear()

    def _in_memory(self) -> None:
        """The file cannot be written: an empty index in this process's memory instead."""
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn, self._inode = _memory(), None
            self._forget()
            self._indexed.clear()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._connect()
        return self._conn


class _Docs(Mapping):
    """id -> record, read from the file (the records are never all in memory)."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def __getitem__(self, rid: str) -> dict:
        doc = self._index.get(rid)
        if doc is None:
            raise KeyError(rid)
        return doc

    def get(self, rid: str, default: Any = None) -> Any:
        doc = self._index.get(rid)
        return default if doc is None else doc

    def __contains__(self, rid: object) -> bool:
        return isinstance(rid, str) and self._index._blob(rid) is not None

    def __len__(self) -> int:
        return self._index.count()

    def __iter__(self) -> Iterator[str]:
        last = ""
        while True:
            page = [rid for (rid,) in self._index._all("SELECT id FROM records WHERE id > ? ORDER BY id LIMIT ?",
                                                       (last, PAGE))]
            yield from page
            if len(page) < PAGE:
                return
            last = page[-1]

    def items(self) -> Iterator[tuple[str, dict]]:   # type: ignore[override]
        for record in self.values():
            yield record["id"], record

    def values(self) -> Iterator[dict]:   # type: ignore[override]
        return self._index._pages("1", ())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())


class _Blobs(Mapping):
    """id -> blob id of the record as committed."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def __getitem__(self, rid: str) -> str:
        blob = self._index._blob(rid)
        if blob is None:
            raise KeyError(rid)
        return blob

    def get(self, rid: str, default: Any = None) -> Any:
        blob = self._index._blob(rid)
        return default if blob is None else blob

    def many(self, rids: list[str]) -> dict[str, str | None]:
        """id -> blob id (None: no such record) of many records at once."""
        return self._index._blobs(rids)

    def __len__(self) -> int:
        return self._index.count()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.docs)


class _Broken(MutableMapping):
    """path -> what is wrong with the file there (kept with the records it was read with)."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def __getitem__(self, path: str) -> str:
        row = self._index._one("SELECT problem FROM broken WHERE path = ?", (path,))
        if row is None:
            raise KeyError(path)
        return row[0]

    def __setitem__(self, path: str, problem: str) -> None:
        with self._index.writing():
            self._index._db.execute("INSERT OR REPLACE INTO broken VALUES (?, ?)", (path, problem))

    def __delitem__(self, path: str) -> None:
        with self._index.writing():
            if self._index._db.execute("DELETE FROM broken WHERE path = ?", (path,)).rowcount == 0:
                raise KeyError(path)

    def __len__(self) -> int:
        return self._index._one("SELECT count(*) FROM broken", ())[0]

    def __iter__(self) -> Iterator[str]:
        return iter([p for (p,) in self._index._all("SELECT path FROM broken ORDER BY path", ())])


def _connect(path: Path | None) -> tuple[sqlite3.Connection, int | None]:
    """The index file and its inode (None: in memory), made when missing, emptied when of
    another format, made anew when damaged; a file another user could have written is never
    trusted (it would answer with records of their making). Where no file can be kept (a
    read-only disk, a folder of someone else's) the index lives in memory: that costs speed,
    never an answer."""
    if path is not None:
        for attempt in range(2):
            try:
                db = _open_file(path)
                return db, path.stat().st_ino
            except sqlite3.DatabaseError as exc:
                if attempt or not _damage(exc):
                    break
                try:
                    for f in _files(path):
                        f.unlink(missing_ok=True)
                except OSError:
                    break
            except OSError:
                break
    return _memory(), None


def _memory() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    _prepare(db)
    return db


def _open_file(path: Path) -> sqlite3.Connection:
    _own_folder(path.parent)
    _only_own(path)
    db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=WAIT_MS / 1000)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute(f"PRAGMA busy_timeout = {WAIT_MS}")
        _prepare(db)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection) -> None:
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        if row is None or row[0] != str(FORMAT):
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                db.execute(f'DROP TABLE IF EXISTS "{name}"')
        for statement in filter(str.strip, _TABLES.split(";")):
            db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT),))
        db.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        raise


def _files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _own_folder(folder: Path) -> None:
    """The index's folder is this user's and no one else may write in it: otherwise another
    user could put a file there between the check of its owner and its opening."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = folder.stat()
    if st.st_uid != os.getuid():
        raise PermissionError(f"{folder} is not this user's")
    if st.st_mode & 0o022:
        folder.chmod(st.st_mode & 0o755)


def _only_own(path: Path) -> None:
    for f in _files(path):
        try:
            if f.stat().st_uid != os.getuid():
                f.unlink()
        except FileNotFoundError:
            pass


def _rows(items: Iterable[tuple[str, str, dict | str]]) -> Iterator[tuple[str, str, str, str]]:
    # (the ids come from the tree's paths, already checked: the type is what precedes the dash)
    return ((rid, rid.partition("-")[0], blob, _text(doc)) for rid, blob, doc in items)


def _text(doc: dict | str) -> str:
    """What the file keeps of a record: the text of its file (a record given as a dict is one
    this process writes, in the canonical form it is committed in)."""
    return doc if isinstance(doc, str) else canonical.dumps(doc).decode("utf-8")


_INDEXED_FIELD = re.compile(r"json_extract\(doc, '([^']*)'\)")


def _blob_id(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    digest = hashlib.sha1(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def _plain(value: Any) -> bool:
    """A value SQLite compares as Python does (bools and None are left to Python)."""
    return isinstance(value, (str, int, float)) and not isinstance(value, bool) and value == value


_SQL_COMPARE = {"gte": ">=", "lte": "<=", "gt": ">", "lt": "<"}
_OPS = {
    "gte": lambda q, v: q >= v, "lte": lambda q, v: q <= v, "gt": lambda q, v: q > v, "lt": lambda q, v: q < v,
    "ne": lambda q, v: q != v, "in": lambda q, v: q.one_of(list(v)),
    "contains": lambda q, v: q.test(lambda arr: isinstance(arr, list) and v in arr),
}


def _operator(key: str) -> str | None:
    parts = key.replace(".", "__").split("__")
    return parts[-1] if parts[-1] in _OPS and len(parts) > 1 else None


def _field(record: dict, parts: list[str]) -> Any:
    """The value at a nested field, None where there is none."""
    value: Any = record
    for part in parts:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text_fields(filters: dict[str, Any]) -> Callable[[dict], bool] | None:
    """When every filter compares a field with text (equal, a range, one of several), what a row
    SQLite found must still be for Python to agree: each field a text. SQLite compares JSON text
    as Python compares str (UTF-8 bytes in code point order), but it reads an object or a list as
    its JSON text and puts every number before any text, where Python finds neither equal nor in
    order. This instead of the general condition: a fifth of a query of thousands of rows."""
    fields = []
    for key, value in filters.items():
        parts = key.replace(".", "__").split("__")
        op = parts.pop() if parts[-1] in _OPS and len(parts) > 1 else None
        if not all(_NAME.match(p) for p in parts):
            return None
        if op is None or op in _SQL_COMPARE:
            if type(value) is not str:
                return None
        elif op == "in":
            if not isinstance(value, (list, tuple, set, frozenset)) or not all(type(v) is str for v in value):
                return None
        else:
            return None
        fields.append(parts)
    if not fields:
        return None

    def agrees(record: dict) -> bool:
        for parts in fields:   # (loops written out: this runs for every row of a large answer)
            value: Any = record
            for part in parts:
                value = value.get(part) if type(value) is dict else None
            if type(value) is not str:
                return False
        return True
    return agrees


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


def parse_value(text: str) -> Any:
    """A --where value from the shell: JSON when it parses (numbers, true), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text
