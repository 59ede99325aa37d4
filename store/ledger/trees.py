"""Tree objects as git stores them, kept in the process under their ids and changed by splicing.

At a million records the folder a record lives in (`records/visit/00`) holds about 1,500 entries.
A save that parsed that folder into an entry each, sorted the entries and joined them again spent
more time on it than on everything else it does, and that time grew with the ledger. Here a save
finds the entries it changes by bisecting the folder's names and writes the new folder as the old
bytes with those entries replaced, inserted or cut out: the bytes git reads are the same as before.

A tree never changes under its id, so a tree kept under its id can never be stale, whatever other
processes do to the branch; the kept trees are bounded by their size only.
"""
from __future__ import annotations

import bisect
import functools
import re
import threading
from collections import OrderedDict
from itertools import accumulate

TREE_MODE = 0o040000

# One entry of a raw tree: octal mode, space, name, NUL, 20-byte id. Entries follow each other
# with nothing between them, so one entry's match ends where the next begins.
_ENTRY = re.compile(rb"([0-7]+) ([^\0]*)\0(.{20})", re.S)


class BadTree(ValueError):
    pass


_FOLDER = (b"40000", b"040000")   # (the second from old writers; `git fsck` warns of it)


def _key(name: bytes, mode: int) -> bytes:
    # git orders a tree's entries as if folder names ended in '/'.
    return name + b"/" if mode == TREE_MODE else name


class Tree:
    """The bytes of one tree object, with its entries' sort keys and offsets worked out when
    first asked for (a tree written by a save is often never changed again in this process)."""
    __slots__ = ("raw", "_keys", "_starts")

    def __init__(self, raw: bytes, keys: list[bytes] | None = None, starts: list[int] | None = None):
        self.raw = raw
        self._keys = keys
        self._starts = starts

    def _index(self) -> tuple:
        if self._keys is None:
            size = self.raw.find(b"\0") + 21
            if size > 21 and len(self.raw) % size == 0 and _files_of_one_length(size).fullmatch(self.raw):
                starts, keys = range(0, len(self.raw) + 1, size), _Names(self.raw, size)
            else:
                # (in C as far as it goes: a loop over 1,500 matches in Python took three times as long)
                found = _ENTRY.findall(self.raw)
                starts = [0, *accumulate([len(mode) + len(name) + 22 for mode, name, _sha in found])]
                if starts[-1] != len(self.raw):   # (matches skipped bytes that are no entry)
                    raise BadTree(f"{len(self.raw) - starts[-1]} bytes of no tree entry")
                keys = [name + b"/" if mode in _FOLDER else name for mode, name, _sha in found]
            self._starts = starts
            self._keys = keys   # (last: another thread that finds the keys finds the offsets too)
        return self._keys, self._starts

    def entries(self) -> list[tuple[bytes, int, str]]:
        """(binary id, mode, name) of each entry, in the tree's order."""
        self._index()   # (checks the bytes are entries end to end)
        return [(sha, int(mode, 8), name.decode("utf-8", "surrogateescape"))
                for mode, name, sha in _ENTRY.findall(self.raw)]

    def find(self, name: str) -> tuple[int, bytes] | None:
        """(mode, binary id) of the entry called name, or None."""
        at = self._position(name.encode("utf-8", "surrogateescape"))
        if at is None:
            return None
        m = _ENTRY.match(self.raw, self._starts[at])
        return int(m.group(1), 8), m.group(3)

    def _position(self, name: bytes) -> int | None:
        keys, _ = self._index()
        for key in (name, name + b"/"):
            at = bisect.bisect_left(keys, key)
            if at < len(keys) and keys[at] == key:
                return at
        return None

    def changed(self, changes: dict[str, tuple[int, bytes] | None]) -> "Tree":
        """This tree with each named entry set to (mode, binary id), or cut out where None."""
        keys, starts = self._index()
        cuts: list[tuple[int, int, bytes, bytes]] = []   # (entry index, 0 insert / 1 cut, key, bytes)
        cut_keys: set[bytes] = set()
        new_keys: set[bytes] = set()
        for name, entry in changes.items():
            raw_name = name.encode("utf-8", "surrogateescape")
            old = self._position(raw_name)
            if old is not None:
                cuts.append((old, 1, b"", b""))
                cut_keys.add(keys[old])
            if entry is not None:
                mode, sha = entry
                key = _key(raw_name, mode)
                new_keys.add(key)
                cuts.append((bisect.bisect_left(keys, key), 0, key, b"%o %s\0%s" % (mode, raw_name, sha)))
        cuts.sort()
        pieces = []
        pos = 0
        for at, cut, _key_, data in cuts:
            pieces.append(self.raw[pos:starts[at]])
            if cut:
                pos = starts[at + 1]
            else:
                pieces.append(data)
                pos = starts[at]
        pieces.append(self.raw[pos:])
        raw = b"".join(pieces)
        if new_keys == cut_keys and len(raw) == len(self.raw):
            # The same names, each entry as long as before (a name's mode is six digits for a
            # file, five for a folder; a folder an old writer gave six, 040000, is one shorter
            # once written again): the same keys at the same offsets.
            return Tree(raw, keys.of(raw) if isinstance(keys, _Names) else keys, starts)
        return Tree(raw)


class _Names:
    """The names of a tree whose entries are all files with names of one length (a record's
    folder: each name is an id and '.json'), read from the bytes where a bisection looks: at 1,500
    entries, nothing made for each entry is a third of the time of a save's first look."""
    __slots__ = ("raw", "size")

    def __init__(self, raw: bytes, size: int):
        self.raw, self.size = raw, size

    def of(self, raw: bytes) -> "_Names":
        return _Names(raw, self.size)

    def __len__(self) -> int:
        return len(self.raw) // self.size

    def __getitem__(self, at: int) -> bytes:
        if not 0 <= at < len(self):
            raise IndexError(at)
        start = at * self.size
        return self.raw[start + 7:start + self.size - 21]


@functools.lru_cache(maxsize=16)
def _files_of_one_length(size: int) -> re.Pattern:
    # Entries of `size` bytes end to end, each a file's (a six-digit mode beginning with 1: a
    # folder's is 40000) whose name has no NUL: then the n-th entry starts at n * size.
    return re.compile(rb"(?:1[0-7]{5} [^\0]{%d}\0.{20})*" % (size - 28), re.S)


class KeptTrees:
    """Trees by id, the least recently used dropped first beyond a budget of bytes."""

    def __init__(self, budget: int):
        self.budget = budget
        self._trees: OrderedDict[str, Tree] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    @staticmethod
    def _weight_of(tree: Tree) -> int:
        # The bytes, and about as much again twice for the keys and offsets once worked out.
        return 3 * len(tree.raw) + 200

    def get(self, sha: str) -> Tree | None:
        with self._lock:
            tree = self._trees.get(sha)
            if tree is not None:
                self._trees.move_to_end(sha)
            return tree

    def put(self, sha: str, tree: Tree) -> None:
        with self._lock:
            old = self._trees.pop(sha, None)
            if old is not None:
                self._weight -= self._weight_of(old)
            self._trees[sha] = tree
            self._weight += self._weight_of(tree)
            while self._weight > self.budget and len(self._trees) > 1:
                _sha, dropped = self._trees.popitem(last=False)
                self._weight -= self._weight_of(dropped)

    def __len__(self) -> int:
        return len(self._trees)

    def __contains__(self, sha: str) -> bool:
        return sha in self._trees
