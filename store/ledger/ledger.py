"""The ledger: records in git, one commit per change, safe with many writers."""
from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import copy
import errno
import hashlib
import fcntl
import json
import os
import pwd
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import git

from store.core import canonical, collector, i18n, ids, memory
from store.ledger import hooks, memo, search
from store.rules import checks as rules, cleartext, protected
from store.core.describe import summary
from store.core.errors import (BangfuError, Conflict, InvalidRecord, NewerLedger, NotALedger, ReadOnly, RecordNotFound, UnreadableRecord, HandEdited,
                               Referenced, StorageError)
from store.core.findings import Finding, dotted, errors
from store.ledger.gitstore import EMPTY_TREE, GitFailed, GitStore, Person, clear_stale_lock
from store.ledger.index import Everything, Index
from store.rules.schema import PROJECT_SCHEMAS, Schemas
from store.core.trailers import Trailers

CONFIG_FILE = "bangfu.json"
SCHEMA_DIR = "schemas"
RECORDS = ids.RECORDS_DIR
FORMAT = ids.LATEST   # the layout of the record files a new ledger gets (store/core/ids.py)
SCHEMA_VERSION = 2
MAX_ATTEMPTS = 30
MANY_CHANGES = 1000   # a save of this many records is made with the collector held (store/core/collector.py)
SLICE = 2000   # ids a text search picks out of a list between asks whether to stop


class _Unset:
    def __repr__(self) -> str:
        return "NEW"


NEW = _Unset()  # base of a record that must not exist yet

T = TypeVar("T")


class Matches(list):
    """The ids a search found, and how many records of their types it did not see (`unsearched`:
    their search text is still being made; 0 when it saw every one)."""

    def __init__(self, found: Iterable[str] = (), unsearched: int = 0) -> None:
        super().__init__(found)
        self.unsearched = unsearched


@dataclass
class Saved:
    id: str
    commit: str | None          # None when nothing changed (no commit made)
    version: str | None         # blob id of the record as now committed (None once deleted)
    warnings: list[Finding] = field(default_factory=list)


@dataclass
class Change:
    """One record to write (record=None deletes it) and the version it was based on."""
    id: str
    record: dict | None
    base: str | None | _Unset = NEW


class Ledger:
    def __init__(self, path: Path, *, read_only: bool = False):
        try:
            self.git = GitStore(path)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotALedger(path=str(path)) from None
        self.path = Path(path)
        self.read_only = read_only
        self._index: Index | None = None   # opened on first use (`index`): reading history never needs it
        self._index_ready = False
        # (records read, records to read) while the index is made from every record, as on the
        # first opening without a cache (15 s at a million records): the dashboard says how far.
        self.reading: tuple[int, int] | None = None
        self._schemas: dict[str, Schemas] = {}      # schemas tree id -> Schemas
        self._schemas_at: dict[str, str] = {}       # commit -> schemas tree id
        self._tip: str | None = None
        self._author: Person | None = None
        self._lock = threading.RLock()
        self.keys = None  # the ledger's KeyStore when this user holds it (privacy layer)
        self._cache_dir: Path | None = None
        tip = self.git.tip()
        config = self._config_at(tip) if tip else None
        if config is None:
            raise NotALedger(path=str(path))
        self._check_format(config)
        self.config = config
        self._tip = tip

    def _check_format(self, config: dict) -> None:
        """A ledger laid out in a format this Bangfu does not know is refused before anything
        is read or written in it: a save in the wrong layout would put a second copy of a record."""
        if ids.layout_of(config) not in ids.LAYOUTS:
            raise NewerLedger(path=str(self.path), format=json.dumps(config.get("format"), ensure_ascii=False),
                              known=max(ids.LAYOUTS))

    @property
    def layout(self) -> int:
        """Where this ledger keeps its record files (`format` in bangfu.json: store/core/ids.py),
        as of the tip this process last saw."""
        return ids.layout_of(self.config)

    def _config_at(self, commit: str) -> dict | None:
        """bangfu.json as a commit has it (None where it has none)."""
        blob = self.git.lookup(self.git.commit_tree(commit), CONFIG_FILE)
        return json.loads(self.git.read_blob(blob)) if blob else None

    # -- creating and finding ledgers ----------------------------------------
    @classmethod
    def init(cls, path: Path | str, *, worktree: bool = False, shared: bool = False, group: str | None = None,
             site: str | None = None, name: str | None = None, author: Person | None = None,
             schemas_dir: Path = PROJECT_SCHEMAS) -> "Ledger":
        path = Path(path)
        store = new_repository(path, worktree=worktree, shared=shared, group=group)
        for key, value in (("core.logAllRefUpdates", "always"), ("gc.writeCommitGraph", "true"),
                           ("core.commitGraph", "true"), ("fetch.writeCommitGraph", "true"),
                           ("receive.denyNonFastForwards", "true"), ("core.quotePath", "false")):
            store.run("config", key, value)
        if site:
            store.run("config", "bangfu.site", site)
        config = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "ledger_id": ids.new_id("event").split("-")[1],
                  "name": name or path.resolve().name}
        files = {CONFIG_FILE: canonical.dumps(config)}
        for schema in sorted(schemas_dir.glob("*.json")):
            files[f"{SCHEMA_DIR}/{schema.name}"] = schema.read_bytes()
        setup = hooks.setup()  # merge driver for plain git, and the hub's hook (store.sync)
        files.update(setup.files())
        tree = store.write_tree(None, {p: store.write("blob", data) for p, data in files.items()})
        who = author or default_author(store)
        message = Trailers.message("ledger: init", {"Action": "init", "Schema-Version": str(SCHEMA_VERSION),
                                                    "Site": site or ""})
        commit = store.make_commit(tree, [], who, message)
        if not store.swap_ref(commit, None, "bangfu: init"):
            raise StorageError(path=str(path), detail="branch main already exists")
        setup.configure(store, shared)
        if shared:   # (what the set-up wrote with this process's umask: info/attributes, the hook)
            store.sharing.apply(store.gitdir)
        if worktree:
            store.run("read-tree", "-u", "--reset", "HEAD", env={"GIT_WORK_TREE": str(store.worktree)})
        store.close()
        return cls(path)

    @classmethod
    def open(cls, path: Path | str | None = None, *, read_only: bool = False) -> "Ledger":
        """The ledger at path, else $BANGFU_LEDGER, else the one around the current directory."""
        chosen = path or os.environ.get("BANGFU_LEDGER")
        if chosen:
            target = Path(chosen)
            if not target.exists():
                raise NotALedger(path=str(target))
            return cls(target, read_only=read_only)
        here = Path.cwd()
        for candidate in [here, *here.parents]:
            if (candidate / ".git").exists() or (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
                return cls(candidate, read_only=read_only)
        raise NotALedger(path=str(here))

    def close(self) -> None:
        self.git.close()
        if self._index is not None:
            self._index.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity and settings ----------------------------------------------
    @property
    def site(self) -> str:
        return self.git.config("bangfu.site") or socket.gethostname()

    def author(self) -> Person:
        if self._author is None:
            self._author = default_author(self.git)
        return self._author

    def schemas(self, commit: str | None = None) -> Schemas:
        """The schemas stored in the ledger at a commit (the tip by default)."""
        commit = commit or self.tip
        if commit in self._schemas_at:
            return self._schemas[self._schemas_at[commit]]
        tree = self.git.commit_tree(commit)
        sha = self.git.lookup(tree, SCHEMA_DIR)
        if sha not in self._schemas:
            files = {name: self.git.read_blob(b.hex()) for b, _m, name in self.git.tree_entries(sha)} if sha else {}
            self._schemas[sha] = Schemas(files) if files else Schemas.from_dir()
        if len(self._schemas_at) > 10000:
            self._schemas_at.clear()
        self._schemas_at[commit] = sha   # last: a reader in another thread that finds the commit finds its schemas
        return self._schemas[sha]

    # -- reading -----------------------------------------------------------
    @property
    def tip(self) -> str:
        return self._tip

    @property
    def cache_dir(self) -> Path:
        """Where this user's caches of the ledger live (the index, remembered figures): in the
        repository when only this user can write to it (and is not reading it read-only), else
        in the user's own cache folder. A
        cache is a pickle, and a pickle another user could write would run as whoever loads it."""
        if self._cache_dir is None:
            gitdir = self.git.gitdir
            try:
                st = gitdir.stat()
                private = st.st_uid == os.getuid() and not st.st_mode & 0o022 and not self.read_only
            except OSError:
                private = False   # (read-only: nothing is written anywhere in the repository)
            if private:
                self._cache_dir = gitdir / "bangfu"
            else:
                base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                where = f"{gitdir.resolve()}\0{self.config.get('ledger_id', '')}"   # (another ledger may come to this path)
                self._cache_dir = base / "bangfu" / hashlib.sha1(where.encode()).hexdigest()[:16]
        return self._cache_dir

    def _cache_path(self) -> Path:
        return self.cache_dir / "index.sqlite"

    @property
    def index(self) -> Index:
        """The records index, loaded (from its cache, or from the tree) the first time it is needed."""
        if not self._index_ready:
            with self._lock:
                if not self._index_ready:
                    self._open_index(self._tip)
                    self._index_ready = True
        return self._index

    @property
    def index_loaded(self) -> bool:
        """Whether the records have been read into the index yet (remembered figures need not)."""
        return self._index_ready

    def _open_index(self, tip: str) -> None:
        self._index = Index(self._cache_path(), reread=self._move_index)
        self._follow(self._move_index()[0])

    def _move_index(self, known: tuple[str, str, list] | None = None, saved: bool = True
                    ) -> tuple[str, tuple[str, list] | None]:
        """Bring the shared index to the branch tip (never back: the tip is read again inside the
        index's lock); `known` is (tree, tree, changes between them) when this process already
        knows them (its own save; `saved` false: a commit it made of records written elsewhere,
        a sync's merge). Returns the tip and, when this process worked out the changes from git,
        (the tree they start from, the changes)."""
        worked_out: list = []
        tips: list[str] = []

        def target() -> str:
            tips.append(self.git.tip())
            return self._records_tree(tips[-1])

        def changes_from(old: str, new: str) -> list | None:
            if known is not None and known[:2] == (old, new):
                return known[2]
            try:
                worked_out[:] = [(old, self._changes(old, new))]
            except GitFailed:
                # The index's tree is not in this repository (history rewritten and pruned,
                # or another ledger once stood at this path): read everything afresh.
                return None
            return worked_out[0][1]

        def everything(tree: str) -> Everything:
            broken: dict[str, str] = {}
            layout = self._layout_at(tips[-1])
            counted = [0]
            return Everything(listed=self._listed(tree, broken, counted),
                              read=lambda pairs: self._read(pairs, counted[0], broken, layout),
                              broken=broken, judge=self._problem, path_of=lambda rid: ids.path_of(rid, layout))

        try:
            self._index.move(target, changes_from, everything, own=known[:2] if known is not None and saved else None)
        finally:
            self.reading = None
        return tips[-1], (worked_out[0] if worked_out else None)

    def _records_tree(self, commit: str) -> str:
        return self.git.lookup(self.git.commit_tree(commit), RECORDS) or EMPTY_TREE

    def _layout_at(self, commit: str) -> int:
        return ids.layout_of(self._config_at(commit) or self.config)

    def _listed(self, records_tree: str, broken: dict[str, str], counted: list[int]) -> Iterator[tuple[str, str]]:
        """(id, blob) of every record file of a tree, in the tree's order, read from git's listing
        a piece at a time (`counted[0]`: how many so far); files that are not at a record's path go
        into `broken`. A dashboard's event loop runs beside this, in another thread: no one call
        may hold the interpreter long (one match over the 100 MB listing of a million paths held
        it 1.1-1.5 s, and no frame was painted meanwhile)."""
        self.reading = (0, 0)   # (listing them)
        for piece in self.git.ls_tree_pieces(records_tree):
            found = ids.LISTED_RECORD.findall(piece)
            if len(found) == piece.count("\0"):
                counted[0] += len(found)
                for blob, _rtype, rid in found:
                    yield rid, blob
                continue
            for entry in piece.split("\0")[:-1]:   # a file that is not at a record's path: one by one to name it
                meta, _, path = entry.partition("\t")
                rid = ids.id_from_path(f"{RECORDS}/{path}", check_shard=False)
                if rid is None:
                    broken[f"{RECORDS}/{path}"] = "path"
                else:
                    counted[0] += 1
                    yield rid, meta.split()[2]

    def _read(self, listed: Iterator[tuple[str, str]], total: int, broken: dict[str, str], layout: int
              ) -> Iterator[tuple[str, str, str]]:
        """(id, blob, text) of the records `listed` names, in that order, streamed from one `git
        cat-file --batch` while the index stores them; a text that is not UTF-8 goes into `broken`
        under the record's path in `layout`. The texts are stored as they are: the index checks
        them all at once and asks `_problem` about those that are not a record."""
        rids: collections.deque[str] = collections.deque()

        def blobs() -> Iterator[str]:
            for rid, blob in listed:
                rids.append(rid)
                yield blob

        for n, (blob, data) in enumerate(self.git.read_blobs(blobs())):
            if not n & 4095:
                self.reading = (n, total)
            rid = rids.popleft()
            try:
                yield rid, blob, data.decode("utf-8")
            except UnicodeDecodeError as exc:
                broken[ids.path_of(rid, layout)] = f"json: {exc}"
        self.reading = (total, total)   # (the index then sorts its lookups and checks the texts)

    @staticmethod
    def _problem(rid: str, text: str) -> str | None:
        return _parse(text.encode("utf-8"), rid)[1]

    def _changes(self, old_tree: str, new_tree: str) -> list[tuple[str, str | None, str | None]]:
        """What differs between two trees, as changes for the index: (id, blob, the file's text),
        None for a record gone (files that are not records are noted in the index's `broken`)."""
        changes = []
        paths = list(self.git.diff_trees(old_tree, new_tree))
        blobs = [b for _p, b in paths if b]
        contents = dict(self.git.read_blobs(sorted(set(blobs))))
        for rel, blob in paths:
            path = f"{RECORDS}/{rel}"
            rid = ids.id_from_path(path, check_shard=False)
            self._index.broken.pop(path, None)
            if rid is None:
                if blob:
                    self._index.broken[path] = "path"
                continue
            text = None
            if blob:
                problem = _parse(contents[blob], rid)[1]
                if problem:
                    self._index.broken[path] = problem
                    blob = None
                else:
                    text = contents[blob].decode("utf-8")
            changes.append((rid, blob, text))
        return changes

    def refresh(self) -> list[str]:
        """Bring the index to the branch tip (another writer or a sync moved it). Returns changed ids."""
        tip = self.git.tip()
        if tip == self._tip:
            return []
        with self._lock:
            if not self._index_ready:  # nothing read yet: the index will load at the new tip
                self._follow(tip)
                return []
            old = self._records_tree(self._tip)
            tip, worked_out = self._move_index()
            new = self._records_tree(tip)
            # What changed for this process: from the tree it last saw (another process may
            # have moved the shared index already, or from another tree).
            if worked_out is not None and worked_out[0] == old:
                changed = [rid for rid, _b, _d in worked_out[1]]
            else:
                changed = [rid for path, _blob in self.git.diff_trees(old, new)
                           if (rid := ids.id_from_path(f"{RECORDS}/{path}", check_shard=False))]
            self._follow(tip)
            return changed

    def _follow(self, tip: str) -> None:
        """This process now stands at `tip`, made elsewhere. The settings the guards apply move with
        it: a term another process closed (close-term) is closed for this one's next save, a ledger
        moved to the new layout (upgrade-layout) is written in it."""
        if tip != self._tip:
            config = self._config_at(tip) or self.config
            self._check_format(config)   # (moved on to a newer layout by a newer Bangfu)
            self.config = config
        self._tip = tip

    def move_to(self, commit: str, expected: str, reason: str,
                written: list[tuple[str, str | None, dict | None]] | None = None) -> bool:
        """Move the branch to a commit made elsewhere (a sync's fast-forward or merge commit)
        if it is still at `expected`; then follow it like any save. False if someone saved first.
        `written`: (id, blob, record; None: deleted) of each record the commit changes against
        `expected`, when the caller knows them (a merge: reading them back from git took a tenth
        of a second at a million records)."""
        if self.read_only:
            raise ReadOnly(path=str(self.path))
        with self._lock:
            if not self.git.swap_ref(commit, expected, f"bangfu: {reason}"[:200]):
                return False
            if written is None or not self._index_ready or self._tip != expected:
                self.refresh()
            else:
                self._move_index(known=(self._records_tree(expected), self._records_tree(commit), written), saved=False)
                self._follow(commit)   # (the index may be further on: the next refresh says what else changed)
            if self.git.worktree is not None:
                self._sync_worktree()
            return True

    def get(self, record_id: str) -> dict:
        ids.check_id(record_id)
        with self._lock:
            self.refresh()
            doc = self.index.get(record_id)
            if doc is None:
                path = ids.path_of(record_id, self.layout)
                if path in self.index.broken:
                    raise UnreadableRecord(record=record_id, path=path, detail=self.index.broken[path])
                raise RecordNotFound(record=record_id)
            return copy.deepcopy(doc)

    def peek(self, record_ids) -> list[dict | None]:
        """Many records at once, as stored (not copies: read them, never change them). For
        dashboards that read thousands of records: one refresh and one lock, not one each."""
        with self._lock:
            self.refresh()
            return [self.index.get(rid) for rid in record_ids]

    def version(self, record_id: str) -> str | None:
        """The blob id of the record as committed at the tip: what an edit starts from."""
        with self._lock:
            self.refresh()
            return self.index.blobs.get(record_id)

    def query(self, record_type: str, text: str | None = None, **filters: Any) -> list[dict]:
        """Records of a type matching the filters (shallow copies: treat nested values as read-only)."""
        with self._lock:  # a refresh in another thread must not change the index mid-scan
            self.refresh()
            return self.index.query(record_type, text=text, **filters)

    def scan(self, record_type: str, **filters: Any) -> list[dict]:
        """`query` without the copies: the records as stored, for readers that never change them
        (the dashboard's figures read every record of a type; copying them took longer)."""
        with self._lock:
            self.refresh()
            return self.index.query(record_type, copies=False, **filters)

    def walk(self, record_type: str, **filters: Any) -> Iterator[dict]:
        """Every record of a type (matching `query`'s filters, when given) as stored (never change
        them), in the order of their ids, read a page at a time: for figures that go once over all
        the students of a county's decade, or a term's payments, which held at once take hundreds
        of MB. Walk to the end: the ledger stays at one version (its lock held) until then."""
        with self._lock:
            self.refresh()
            yield from self.index.all(record_type, **filters)

    def distinct(self, record_type: str, field: str) -> list:
        """The values a field of a type takes, each once, in order (numbers, then text)."""
        with self._lock:
            self.refresh()
            return self.index.distinct(record_type, field)

    def matching(self, record_ids: list[str], text: str, stop: Callable[[], bool] = lambda: False,
                 types: list[str] | None = None, whole: bool = True) -> Matches:
        """The ids, in the order given, of the records whose text holds `text` (pinyin initials too),
        found in one state of the ledger, then picked out of the list a slice at a time (`stop`
        is asked between them: the next keystroke's search has begun). `types`: those of the ids,
        when the caller knows them (working them out reads every id: 100 ms at 400,000).

        The first search of a type makes its text index (minutes at a million records): with
        `whole=False` the answer comes at once from the records whose text is made, and says how
        many of that type it did not see (`unsearched`) while the rest is being made."""
        types = types or sorted({rid.split("-", 1)[0] for rid in record_ids})
        with self._lock:
            hits, unseen = self.index.text_hits(types, text, whole)
        found = Matches(unsearched=unseen)
        for start in range(0, len(record_ids), SLICE):
            if stop():
                break
            found += filter(hits.__contains__, record_ids[start:start + SLICE])
        return found

    def prepare_search(self, record_type: str, stop: Callable[[], bool] = lambda: False) -> None:
        """Make the text index of a type before the first search needs it."""
        self.index.prepare_texts(record_type, stop)

    def find(self, record_type: str, **equal: Any) -> list[dict]:
        with self._lock:
            return self.index.find(record_type, **equal)

    def count(self, record_type: str | None = None) -> int:
        with self._lock:
            self.refresh()
            return self.index.count(record_type)

    @property
    def broken(self) -> dict[str, str]:
        return dict(self.index.broken)

    def remembered(self, name: str, key: tuple, work_out: Callable[[], T], *,
                   apart: Callable[[], list[str] | None] = lambda: None, stop: Callable[[], bool] = lambda: False) -> T:
        """work_out() for the ledger at its tip, kept on disk under the tip's tree id: asked again
        for the same version (in this process or the next) it answers without reading a record.

        `apart()`, asked when nothing is kept, may name a Python module and its arguments that work
        the same value out in a process of their own, keep it, and print the commit they worked
        from (`store/figures/apart.py`): the value is then read back from what they kept, for that
        commit (or from the file they name after it, handed over and not kept where the ledger moved
        while they worked, as a value worked out here is then answered and not kept), and the
        memory of the working-out goes back to the system with their process (at a
        county's decade, 250,000 students walked while a dashboard shows the last figures; worked
        out in the dashboard's own process, it grew by 170 MB and kept most of it). Where that
        process fails or could not keep the value, it is worked out here. `stop()`: the value is no
        longer wanted (a newer one was asked for): that process is ended and `Superseded` raised."""
        tip = self.tip
        version = self._version(tip, name, key)
        value = memo.recall(self.cache_dir / "memo", version)
        if value is None and (args := apart()):
            worked = _worked_apart(args, stop)
            if worked is not None:
                commit, handed = worked
                value = memo.take(handed) if handed else \
                    memo.recall(self.cache_dir / "memo", self._version(commit, name, key))
        if value is None:
            value = work_out()
            memory.give_back()   # (what the working-out freed, before the pickle's own memory is asked for)
            if self.tip == tip and memo.keep(self.cache_dir / "memo", version, value):   # (not when the index moved on meanwhile)
                # What is answered is read back from what is kept, once the value worked out is
                # gone: its objects were made among the pages of every student read for it, and
                # held for hours they kept most of that memory from going back to the system (a
                # dashboard at a county's decade: 224 MB resident after the figures, 166 MB read back).
                value = None
                memory.give_back()
                value = memo.recall(self.cache_dir / "memo", version)
                if value is None:   # (pruned by another process meanwhile)
                    value = work_out()
        return value

    def remembers(self, name: str, key: tuple, at: str | None = None) -> bool:
        """Whether `remembered` would answer from disk for the ledger at its tip (or at commit `at`)."""
        return memo.holds(self.cache_dir / "memo", self._version(at or self.tip, name, key))

    def _version(self, tip: str, name: str, key: tuple) -> tuple:
        return (name, self.git.commit_tree(tip), *key)

    def preload(self) -> threading.Thread:
        """Start loading the index in a thread now (git reads the records on another core
        while the caller gets on with something else), then what a first save needs (the
        schemas' validators): a save made after it no longer pays for it."""
        thread = threading.Thread(target=self._preload, name="index-preload", daemon=True)
        thread.start()
        return thread

    def _preload(self) -> None:
        try:
            self.index
            self.schemas().warm()
            import store.ledger.signing  # noqa: F401  (the commit's signing, imported by the first save)
            search.pypinyin()   # (a save makes its record's search text again, names in pinyin)
            # ... and finds its enumerated values among the messages, which are read whole: 6 ms
            # from their JSON, 0.5 s from the TOML (at 1M, most of the first save of a process
            # that had shown no message yet, as the bench's).
            i18n.catalogue()
        except Exception:
            pass  # whoever reads next meets the same problem and reports it

    # -- checking ------------------------------------------------------------
    def check(self, record: dict, source=None) -> list[Finding]:
        """Schema findings, then (for a record that fits its schema) the rules' findings; `source`
        is the ledger as the rules see it (the index, or the index as a save's checks read it)."""
        schemas = self.schemas()
        found = schemas.check(record)
        if errors(found):
            return found
        return found + rules.check(record, self.index if source is None else source, schemas=schemas)

    # -- writing ------------------------------------------------------------
    def put(self, record: dict, *, base: str | None | _Unset = NEW, author: Person | None = None,
            action: str | None = None, message: str | None = None) -> Saved:
        """Validate and commit one record. `base` is the version the edit started from
        (`NEW` for a record that must not exist yet)."""
        record = copy.deepcopy(record)
        if not record.get("id"):
            record["id"] = ids.new_id(str(record.get("type", "")))
        return self.commit([Change(record["id"], record, base)], author=author, action=action, message=message)[0]

    def delete(self, record_id: str, *, reason: str, base: str | None | _Unset = None,
               author: Person | None = None) -> Saved:
        ids.check_id(record_id)
        if base is None:
            base = self.version(record_id)
            if base is None:
                raise RecordNotFound(record=record_id)
        return self.commit([Change(record_id, None, base)], author=author, action="delete",
                           extra_trailers={"Reason": reason})[0]

    def locked(self, record_id: str) -> list[Finding]:
        """Why no change of the record may be made here, whatever it would say: a closed term's
        payment, an inspected plan's records, an approved batch (the guards of the layers above);
        empty when it may be changed. Asked before a form is opened on it."""
        return self._guarded({record_id: None}, self.index.get)

    def _guarded(self, records: dict[str, dict | None], before: Callable[[str], dict | None]) -> list[Finding]:
        """What the guards registered by the layers above (store/ledger/hooks.py) refuse of these
        changes (id -> the record after, None: deleted; `before` gives it as it stands)."""
        out: list[Finding] = []
        for guard, types in hooks.guards():
            mine = [(rid, before(rid), doc) for rid, doc in records.items()
                    if ids.type_of(rid) in types or (doc or {}).get("type") in types]
            out += guard(self, mine) if mine else []
        return out

    def commit(self, changes: list[Change], *, author: Person | None = None, action: str | None = None,
               message: str | None = None, extra_trailers: dict[str, str] | None = None,
               checked: bool = True) -> list[Saved]:
        """Commit several record changes as one commit (all or nothing), with compare-and-swap.
        checked=False leaves out the schemas and rules (bases are checked and identifiers sealed
        all the same): only for records valid by construction, the demo generator's, whose output
        the tests check; at a million records the checks would take most of an hour."""
        if self.read_only:
            raise ReadOnly(path=str(self.path))
        who = author or self.author()
        if self.git.worktree is not None:
            self._refuse_hand_edits([ids.path_of(c.id, self.layout) for c in changes])
        with self._lock, collector.held(len(changes) >= MANY_CHANGES):
            for tip in self._attempts(changes[0].id):
                # From the tip as it is now: a record another writer touched since fails its base
                # check here (a conflict); anything else is simply re-applied on top of theirs.
                prepared, saved, sealed = self._prepare(changes, checked)
                if not prepared:  # every record already committed as it is: no empty commit
                    return saved
                # Trailers name only what the commit changes: an audit holds them to the files.
                trailers = self._trailers([c for c in changes if ids.path_of(c.id, self.layout) in prepared], action,
                                          extra_trailers)
                done = self._write_commit(tip, prepared, message or self._title(changes, action), trailers, who)
                if done:
                    commit, tree, blobs = done
                    self._after_commit(tip, commit, tree, sealed, blobs)
                    if len(blobs) > 1000:  # a bulk import: pack its loose objects now, in the background
                        self.git.maybe_gc(chance=1.0)
                    for s in saved:
                        s.commit = commit
                    return saved
        raise AssertionError("unreachable")  # _attempts raises when it gives up

    def commit_files(self, files: dict[str, bytes | None], title: str, trailers: dict[str, Any],
                     author: Person | None = None) -> str:
        """Commit ledger files that are not records (settings kept in the tree, such as
        bangfu.json or allowed_signers), with the same compare-and-swap as records."""
        if self.read_only:
            raise ReadOnly(path=str(self.path))
        who = author or self.author()
        with self._lock:
            for tip in self._attempts(CONFIG_FILE):
                done = self._write_commit(tip, files, title, trailers, who)
                if done:
                    self._tip = done[0]
                    if CONFIG_FILE in files and files[CONFIG_FILE] is not None:
                        self.config = json.loads(files[CONFIG_FILE])
                    if self.git.worktree is not None:
                        self._sync_worktree()
                    return done[0]
        raise AssertionError("unreachable")

    def _attempts(self, record: str) -> Iterator[str]:
        """The tip to build on, once per try; between tries another writer won the race."""
        for attempt in range(MAX_ATTEMPTS):
            self.refresh()
            yield self._tip
            time.sleep(random.uniform(0.001, 0.004) * (attempt + 1))
        raise Conflict(record, key="error.conflict_busy")

    def _write_commit(self, tip: str, files: dict[str, bytes | None], title: str, trailers: dict[str, Any],
                      who: Person) -> tuple[str, str, dict[str, str | None]] | None:
        """Blobs, trees and a commit on top of tip, then the compare-and-swap of the branch.
        (commit, tree, path -> blob) when it moved, None when another writer moved it first."""
        contents = [d for d in files.values() if d is not None]
        try:
            # Many blobs: git stores them (fast-import, 0.7 s of its CPU for a disbursement's 50,000)
            # while the trees and the commit are made here, from the blobs' ids (their hashes, known
            # before git has them); nothing names the commit until the branch moves, after git is done.
            many = len(contents) >= self.git.BULK
            with concurrent.futures.ThreadPoolExecutor(1) if many else contextlib.nullcontext() as pool:
                stored = pool.submit(self.git.write_blobs, contents) if many else None
                written = iter([canonical.blob_id(d) for d in contents] if many else self.git.write_blobs(contents))
                blobs = {path: (next(written) if data is not None else None) for path, data in files.items()}
                tree = self.git.write_tree(self.git.commit_tree(tip), blobs)
                commit = self.git.make_commit(tree, [tip], who, Trailers.message(title, trailers))
                if stored is not None:
                    stored.result()   # (git's failure to store them is the save's)
            won = self.git.swap_ref(commit, tip, f"bangfu: {title}"[:200], who=who)
        except (OSError, GitFailed) as exc:
            raise StorageError(path=str(self.path), detail=_os_detail(exc)) from None
        return (commit, tree, blobs) if won else None

    def _prepare(self, changes: list[Change], checked: bool = True) -> tuple[dict[str, bytes | None], list[Saved],
                                                                            dict[str, str | None]]:
        """Check bases, seal, validate every record against the ledger as it will be after
        the whole batch (so a batch may add a plan and its visits), and serialise."""
        records: dict[str, dict | None] = {}
        early: dict[str, list[Finding]] = {}
        committed: dict[str, str | None] = {}
        self._prepare_keys(changes)
        versions = self.index.blobs.many([c.id for c in changes])
        for change in changes:
            current = committed[change.id] = versions[change.id]
            expected = None if isinstance(change.base, _Unset) else change.base
            if current != expected:
                raise self._conflict(change.id, current, exists=isinstance(change.base, _Unset))
            if change.record is not None and self.schemas().protected.get(change.record.get("type")):
                early[change.id] = hooks.sealing().warnings(self, change.record)
            records[change.id] = None if change.record is None else self._protect(change.record)
        # (a record new to the ledger has no version before: not asked for, 50,000 times)
        guarded = self._guarded(records, lambda rid: self.index.get(rid) if committed[rid] else None)
        if guarded:
            raise InvalidRecord(guarded, record=", ".join(sorted({f.record for f in guarded})))
        problems: list[Finding] = []
        warnings: dict[str, list[Finding]] = {}
        if checked:
            self._check_batch(records, problems, warnings)
        for rid, found in early.items():
            warnings[rid] = found + warnings.get(rid, [])
        if problems:
            raise InvalidRecord(problems, record=", ".join(sorted({f.record for f in problems})))
        prepared: dict[str, bytes | None] = {}
        saved: list[Saved] = []
        kept: dict[str, str | None] = {}
        for rid, doc in records.items():
            current = committed[rid]
            data = None if doc is None else canonical.dumps(doc)
            blob = None if data is None else canonical.blob_id(data)
            if blob is not None and blob == current:
                saved.append(Saved(rid, None, current, warnings.get(rid, [])))
                continue
            prepared[ids.path_of(rid, self.layout)] = data
            # The index keeps the text of the file written (as a reload would give it; read back
            # when asked for): never the caller's own dict.
            kept[rid] = None if data is None else data.decode("utf-8")
            saved.append(Saved(rid, None, blob, warnings.get(rid, [])))
        return prepared, saved, kept

    def _check_batch(self, records: dict[str, dict | None], problems: list[Finding],
                     warnings: dict[str, list[Finding]]) -> None:
        gone = {rid: self.index.get(rid) for rid, doc in records.items() if doc is None}
        with self.index.trial(records):
            source = rules.source_for([doc for doc in records.values() if doc is not None], self.index,
                                      self.schemas())
            for rid, doc in records.items():
                if doc is None:
                    refs = rules.referrers(rid, self.index, self.schemas())
                    if refs:
                        raise Referenced(rid, [(r, dotted(p) if isinstance(p, tuple) else str(p)) for r, p in refs])
                    if gone[rid]:
                        problems.extend(errors(rules.readers_broken(gone[rid], self.index, self.schemas())))
                    continue
                found = self.check(doc, source)
                problems.extend(errors(found))
                warnings[rid] = [f for f in found if f.level != "error"]

    def _prepare_keys(self, changes: list[Change]) -> None:
        if any(c.record is not None and protected.field_paths(c.record, self.schemas()) for c in changes):
            hooks.sealing().prepare(self, changes)

    def _protect(self, record: dict) -> dict:
        """Seal personal identifiers before anything is written (store/ledger/hooks.py): the
        record as it may be committed, perhaps the caller's own dict (read, never changed)."""
        if not self.schemas().protected.get(record.get("type")):
            return record
        return hooks.sealing().seal(self, record)

    def _after_commit(self, parent: str, commit: str, tree: str, records: dict[str, str | None],
                      blobs: dict[str, str | None]) -> None:
        # The index was at the parent: move it by what we just wrote instead of reading it back
        # (unless another process has moved it meanwhile).
        layout = self.layout
        written = [(rid, blobs[ids.path_of(rid, layout)], records[rid]) for rid in records if ids.path_of(rid, layout) in blobs]
        self._move_index(known=(self._records_tree(parent), self.git.lookup(tree, RECORDS) or EMPTY_TREE, written))
        self._tip = commit   # (the index may be further on: the next refresh says what else changed)
        if self.git.worktree is not None:
            self._sync_worktree()
        self.git.maybe_gc()

    def _refuse_hand_edits(self, paths: list[str]) -> None:
        """A record file edited by hand in the working tree and not committed: a save of that
        record would leave the edit staged as a reversal of the save. Refused; both are kept."""
        out = self.git.run("status", "--porcelain", "-z", "--untracked-files=no", "--",
                           *(f":(top){p}" for p in paths),
                           env={"GIT_WORK_TREE": str(self.git.worktree)}, check=False)
        dirty = [entry[3:].decode("utf-8", "surrogateescape") for entry in out.split(b"\0") if len(entry) > 3]
        if dirty:
            raise HandEdited(record=ids.id_from_path(dirty[0], check_shard=False) or dirty[0], at=dirty[0])

    def _sync_worktree(self) -> None:
        """Keep a ledger with a working tree clean: move index and files to the new tip."""
        lock = self.git.gitdir / "bangfu-worktree.lock"
        with open(lock, "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            env = {"GIT_WORK_TREE": str(self.git.worktree)}
            clear_stale_lock(self.git.gitdir / "index.lock")
            try:
                current = self.git.run("write-tree", env=env).decode().strip()
                self.git.run("read-tree", "-m", "-u", current, "HEAD", env=env)
            except GitFailed:
                # Hand edits in the working tree block the update; the commit stands.
                pass

    def _conflict(self, record_id: str, current: str | None, exists: bool) -> Conflict:
        last = self.last_change(record_id)
        key = "error.conflict_exists" if exists and current is not None else "error.conflict"
        theirs = copy.deepcopy(self.index.get(record_id)) if current else None
        return Conflict(record_id, by=last.get("author", "?"), at=last.get("date", "?"),
                        commit=last.get("commit", "?"), theirs=theirs, key=key)

    def _trailers(self, changes: list[Change], action: str | None, extra: dict[str, str] | None) -> dict:
        types = sorted({ids.type_of(c.id) for c in changes})
        if action is None:
            action = "delete" if changes[0].record is None else ("add" if isinstance(changes[0].base, _Unset) else "edit")
        trailers: dict[str, Any] = {"Record-Type": types if len(types) > 1 else types[0],
                                    "Record-Id": [c.id for c in changes], "Action": action,
                                    "Schema-Version": str(self.config.get("schema_version", SCHEMA_VERSION)),
                                    "Site": self.site}
        trailers.update(extra or {})
        return trailers

    def _title(self, changes: list[Change], action: str | None) -> str:
        if len(changes) == 1:
            c = changes[0]
            act = action or ("delete" if c.record is None else ("add" if isinstance(c.base, _Unset) else "edit"))
            record = c.record if c.record is not None else (self.index.get(c.id) or {"id": c.id})
            # A title names the record by its words (a student's name on a payment): an identifier
            # an older version let into them is masked here, not refused with the save.
            return cleartext.mask_text(summary(record, act, self))
        types = sorted({ids.type_of(c.id) for c in changes})
        return f"{'/'.join(types)}: {action or 'change'} {len(changes)} records"

    # -- history ------------------------------------------------------------
    def history(self, record_id: str, limit: int | None = None) -> list[dict]:
        """The commits that touched a record, newest first."""
        # Every path the record had: its history goes on across the move to another layout, a
        # commit that moved it and left it as it was (`bangfu upgrade-layout`) is none of it.
        found = self.log(limit=limit + 1 if limit else None, paths=ids.paths_of(ids.check_id(record_id)))
        kept = [e for e in found if not self._only_moved(record_id, e)]
        return kept[:limit] if limit else kept

    def _only_moved(self, record_id: str, entry: dict) -> bool:
        if (entry["trailers"].get("Action") or [""])[0] != ids.MOVE_ACTION or len(entry["parents"]) != 1:
            return False
        return self._blob_of(record_id, entry["commit"]) == self._blob_of(record_id, entry["parents"][0])

    def _blob_of(self, record_id: str, commit: str) -> str | None:
        tree = self.git.commit_tree(commit)
        return next((sha for path in ids.paths_of(record_id) if (sha := self.git.lookup(tree, path))), None)

    def log(self, limit: int | None = None, paths: list[str] | None = None) -> list[dict]:
        """Commits newest first: commit, author, email, date, title, message, trailers."""
        args = ["log", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%P%x1f%B%x1e", "--no-renames"]
        if limit:
            args.append(f"-n{limit}")
        if paths:
            # Without it git hides an edit made at another site when a merge kept our side.
            args.append("--full-history")
        args.append(self.tip)
        if paths:
            # (a record's every path: its history goes on across a move to another layout)
            args += ["--", *paths]
        out = self.git.run(*args).decode("utf-8", "replace")
        entries = []
        for chunk in out.split("\x1e"):
            chunk = chunk.strip("\n")
            if not chunk:
                continue
            commit, name, email, date, parents, body = chunk.split("\x1f", 5)
            entries.append({"commit": commit, "author": name, "email": email, "date": date,
                            "parents": parents.split(), "title": body.strip().split("\n", 1)[0],
                            "message": body.strip(), "trailers": Trailers.parse(body)})
        return entries

    def last_change(self, record_id: str) -> dict:
        found = self.history(record_id, limit=1)
        return found[0] if found else {}

    def read_at(self, record_id: str, commit: str) -> dict | None:
        """The record as it was at a commit (None where it did not exist)."""
        sha = self._blob_of(record_id, commit)
        if sha is None:
            return None
        doc, problem = _parse(self.git.read_blob(sha), record_id)
        return doc

    def records(self, record_type: str) -> Iterator[dict]:
        with self._lock:
            self.refresh()
            return iter(list(self.index.all(record_type)))


class Superseded(Exception):
    """A value worked out apart (`Ledger.remembered`) stopped being wanted before it was done."""


def _worked_apart(args: list[str], stop: Callable[[], bool]) -> tuple[str, Path | None] | None:
    """Run `python -m args...` and wait for it: the commit it printed and the file it handed the
    value over in (None: kept), None where it failed."""
    root = str(Path(__file__).resolve().parents[2])   # (the folder holding store/, wherever Bangfu runs from)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    try:
        proc = subprocess.Popen([sys.executable, "-m", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=env)
    except OSError:
        return None
    with proc:
        while True:
            try:
                out, _ = proc.communicate(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stop():
                    proc.kill()
                    proc.wait()
                    raise Superseded() from None
    commit, _, handed = out.decode("utf-8", "replace").strip().partition(" ")
    if proc.returncode != 0 or len(commit) not in (40, 64):
        return None
    return commit, Path(handed) if handed else None


def _parse(data: bytes, rid: str) -> tuple[dict | None, str | None]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, f"json: {exc}"
    return _checked(doc, rid)


def _checked(doc, rid: str) -> tuple[dict | None, str | None]:
    if not isinstance(doc, dict):
        return None, "json: not an object"
    if doc.get("id") != rid:
        return None, f"id: {doc.get('id')!r}"
    return doc, None


def _os_detail(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return i18n.t("error.disk_full")
    if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
        return i18n.t("error.no_permission")
    if isinstance(exc, GitFailed):
        return exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else str(exc)
    return str(exc)


def default_author(store: GitStore) -> Person:
    """The person saving: who they say they are (GIT_AUTHOR_NAME, their own git settings, or the
    ledger's when it is theirs alone), else their account on this machine. The machine's git
    settings (/etc/gitconfig) and a shared ledger's own are everyone's who works there: several
    coordinators on one server would all be authored by the one name they hold."""
    mine = ("global", "command") if store.sharing else ("global", "command", "local", "worktree")

    def own(key: str) -> str | None:
        return next((value for scope, value in reversed(store.config_by_scope(key)) if scope in mine and value), None)

    name = os.environ.get("GIT_AUTHOR_NAME") or own("user.name")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or own("user.email")
    account = pwd.getpwuid(os.getuid()).pw_name
    return Person(name or account, email or f"{account}@{socket.gethostname()}")


SHARED_MODE = "0660"   # core.sharedRepository of a shared ledger: its group reads and writes, nobody else


def new_repository(path: Path, *, worktree: bool = False, shared: bool = False, group: str | None = None) -> GitStore:
    """An empty repository for a ledger. Shared: every file and folder readable and writable by
    its group and by nobody else, whatever the umask of whoever writes (git's
    core.sharedRepository, which GitStore follows too), the folders set-group-id so all that is
    made in them stays in `group` (default: the group the parent folder gives)."""
    if path.exists() and any(path.iterdir()):
        raise BangfuError("error.init_not_empty", path=str(path))
    gid = group_id(group) if group else None
    args = ["git", "init", "-q", "-b", "main"]
    if not worktree:
        args.append("--bare")
    if shared:
        args.append(f"--shared={SHARED_MODE}")
    args.append(str(path))
    proc = subprocess.run(args, capture_output=True)
    if proc.returncode != 0:
        raise StorageError(path=str(path), detail=proc.stderr.decode(errors="replace").strip())
    if gid is not None:
        for here, folders, files in os.walk(path):
            for name in ["", *folders, *files]:
                os.chown(os.path.join(here, name) if name else here, -1, gid)
    if shared and worktree:
        os.chmod(path, 0o2770)   # (git shares the .git folder; the records checked out are as private)
    return GitStore(path)


def group_id(name: str) -> int:
    """The id of a group this user may give files to (a member, or root)."""
    import grp
    try:
        gid = grp.getgrnam(name).gr_gid
    except KeyError:
        raise BangfuError("error.no_such_group", group=name) from None
    if os.geteuid() != 0 and gid != os.getegid() and gid not in os.getgroups():
        raise BangfuError("error.not_in_group", group=name)
    return gid
