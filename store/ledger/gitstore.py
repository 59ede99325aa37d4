"""The ledger's git database: objects, trees, commits and the compare-and-swap ref update.

Writes never touch an index or a working tree: a save writes a few loose objects
(the record's blob, the trees on its path, the commit) and then moves the branch
with `git update-ref NEW OLD`, which fails if another writer moved it first.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Iterable, Iterator

import git
from gitdb.base import IStream
from gitdb.db.loose import LooseObjectDB
from gitdb.util import LockedFD
from git.refs.log import RefLogEntry
from git.util import Actor

BRANCH = "refs/heads/main"
ZERO = "0" * 40
TREE_MODE = 0o040000
BLOB_MODE = 0o100644
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    def signature(self, when: float | None = None) -> bytes:
        when = time.time() if when is None else when
        offset = -time.altzone if time.localtime(when).tm_isdst > 0 else -time.timezone
        sign = "+" if offset >= 0 else "-"
        tz = f"{sign}{abs(offset) // 3600:02d}{abs(offset) % 3600 // 60:02d}"
        # Names come from users: a newline or angle bracket would forge header lines.
        name = re.sub(r"[<>\n\r]", "", self.name).strip() or "unknown"
        email = re.sub(r"[<>\n\r ]", "", self.email)
        return f"{name} <{email}> {int(when)} {tz}".encode()


class GitStore:
    """One ledger repository (bare or not). Thread-safe; one per process is enough."""

    def __init__(self, path: Path):
        self.repo = git.Repo(path)
        self.gitdir = Path(self.repo.git_dir)
        self.bare = self.repo.bare
        self.worktree = None if self.bare else Path(self.repo.working_tree_dir)
        self._lock = threading.RLock()
        self._env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        # Objects are written in-process (GitPython's own store spawns `git hash-object`).
        self._loose = LooseObjectDB(str(self.gitdir / "objects"))
        self._config: dict[str, str] = {}
        self._config_loaded = False
        self._reflog = self.config("core.logAllRefUpdates", "true" if not self.bare else "false") in ("true", "always")
        self._shared = self.config("core.sharedRepository", "false") not in ("false", "umask", "0")
        self._trees: dict[str, list] = {}
        self._commit_trees: dict[str, str] = {}
        # Off while a bulk writer (the demo builder) makes thousands of commits and packs once at the end.
        self.housekeeping = True

    # -- plain git commands -------------------------------------------------
    def run(self, *args: str, input: bytes | None = None, check: bool = True, env: dict | None = None) -> bytes:
        proc = subprocess.run(["git", *args], cwd=self.gitdir, input=input, capture_output=True,
                              env={**self._env, **(env or {})})
        if check and proc.returncode != 0:
            raise GitFailed(args, proc.returncode, proc.stderr.decode(errors="replace"))
        return proc.stdout

    def config(self, key: str, default: str | None = None) -> str | None:
        """A git config value, read once per process (settings do not change under a session)."""
        if not self._config_loaded:
            # One `git config --list` for all settings: git's own rules (GIT_CONFIG_GLOBAL,
            # includes, system file) rather than an imitation of them.
            for item in self.run("config", "--list", "-z", check=False).split(b"\0"):
                name, _, value = item.decode("utf-8", "replace").partition("\n")
                if name:
                    self._config[name.lower()] = value
            self._config_loaded = True
        return self._config.get(key.lower()) or default

    def set_config(self, key: str, value: str) -> None:
        self.run("config", key, value)
        self._config[key.lower()] = value

    # -- refs ---------------------------------------------------------------
    def tip(self, ref: str = BRANCH) -> str | None:
        """The commit the branch points at, read straight from the ref files (no subprocess)."""
        loose = self.gitdir / ref
        try:
            return loose.read_text().strip() or None
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            return None
        try:
            for line in (self.gitdir / "packed-refs").read_text().splitlines():
                if line.endswith(" " + ref) and not line.startswith(("#", "^")):
                    return line.split(" ", 1)[0]
        except FileNotFoundError:
            pass
        return None

    def swap_ref(self, new: str, old: str | None, message: str, ref: str = BRANCH,
                 who: Person | None = None) -> bool:
        """Move ref to new only if it still points at old. False when another writer won.

        The same lock-file protocol as `git update-ref NEW OLD` (and so safe beside it,
        `git gc` and `git push`), done in-process: spawning git costs more than the save."""
        path = self.gitdir / ref
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = LockedFD(str(path))
        try:
            fd = lock.open(write=True)
        except OSError:
            clear_stale_lock(self.gitdir / f"{ref}.lock")
            return False
        try:
            if self.tip(ref) != old:
                lock.rollback()
                return False
            os.write(fd, f"{new}\n".encode())
            if self._reflog:
                actor = Actor(who.name, who.email) if who else Actor("bangfu", "bangfu@localhost")
                entry = RefLogEntry((old or ZERO, new, actor, (int(time.time()), time.altzone), message.split("\n")[0]))
                log = self.gitdir / "logs" / ref
                log.parent.mkdir(parents=True, exist_ok=True)
                with open(log, "ab") as fh:
                    fh.write(entry.format().encode("utf-8"))
            lock.commit()
            if self._shared:
                os.chmod(path, 0o664)
            return True
        except BaseException:
            lock.rollback()
            raise

    # -- objects ------------------------------------------------------------
    def read(self, sha: str) -> tuple[str, bytes]:
        with self._lock:
            info = self.repo.odb.stream(bytes.fromhex(sha))
            return info.type.decode(), info.read()

    def read_blob(self, sha: str) -> bytes:
        return self.read(sha)[1]

    def write(self, kind: str, data: bytes) -> str:
        with self._lock:
            return self._loose.store(IStream(kind.encode(), len(data), BytesIO(data))).binsha.hex()

    BULK = 200  # from this many blobs on, one pack beats a loose file each

    def write_blobs(self, blobs: list[bytes]) -> list[str]:
        """Many blobs at once (a spreadsheet import): `git fast-import` writes them as one pack,
        ~10x faster than a loose object file each. Few blobs go the usual way."""
        if len(blobs) < self.BULK:
            return [self.write("blob", b) for b in blobs]
        stream = b"".join(b"blob\ndata %d\n%s\n" % (len(b), b) for b in blobs) + b"done\n"
        with self._lock:
            self.run("fast-import", "--quiet", "--done", input=stream)
        return [hashlib.sha1(b"blob %d\0%s" % (len(b), b)).hexdigest() for b in blobs]

    def commit_tree(self, sha: str) -> str:
        if sha in self._commit_trees:
            return self._commit_trees[sha]
        kind, data = self.read(sha)
        if kind != "commit":
            raise GitFailed(("cat-file", sha), 1, f"{sha} is a {kind}")
        tree = data[5:45].decode()
        if len(self._commit_trees) > 65536:
            self._commit_trees.clear()
        self._commit_trees[sha] = tree
        return tree

    def commit_info(self, sha: str) -> dict:
        _, data = self.read(sha)
        head, _, message = data.partition(b"\n\n")
        info: dict = {"commit": sha, "parents": [], "message": message.decode("utf-8", "replace")}
        for line in head.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                info["parents"].append(value)
            elif key in ("tree", "author", "committer"):
                info[key] = value
        return info

    # -- trees --------------------------------------------------------------
    def tree_entries(self, sha: str) -> list[tuple[bytes, int, str]]:
        entries = self._trees.get(sha)
        if entries is None:
            entries = parse_tree(self.read(sha)[1]) if sha != EMPTY_TREE else []
            self._remember(sha, entries)
        return entries

    def _remember(self, sha: str, entries: list) -> None:
        # Trees never change, so a cache needs no invalidation, only a bound.
        if len(self._trees) > 2048:
            self._trees.clear()
        self._trees[sha] = entries

    def lookup(self, tree: str, path: str) -> str | None:
        """The object id at path inside tree, or None."""
        sha = tree
        for part in path.strip("/").split("/"):
            for binsha, _mode, name in self.tree_entries(sha):
                if name == part:
                    sha = binsha.hex()
                    break
            else:
                return None
        return sha

    def write_tree(self, base: str | None, changes: dict[str, str | None]) -> str:
        """A new tree: base with each path set to a blob id (None removes it). Empty folders vanish."""
        entries = {name: (binsha, mode) for binsha, mode, name in (self.tree_entries(base) if base else [])}
        here: dict[str, str | None] = {}
        below: dict[str, dict[str, str | None]] = {}
        for path, blob in changes.items():
            head, sep, rest = path.partition("/")
            if sep:
                below.setdefault(head, {})[rest] = blob
            else:
                here[head] = blob
        for name, blob in here.items():
            if blob is None:
                entries.pop(name, None)
            else:
                entries[name] = (bytes.fromhex(blob), BLOB_MODE)
        for name, sub in below.items():
            old = entries.get(name)
            new = self.write_tree(old[0].hex() if old and old[1] == TREE_MODE else None, sub)
            if new == EMPTY_TREE:
                entries.pop(name, None)
            else:
                entries[name] = (bytes.fromhex(new), TREE_MODE)
        if not entries:
            return EMPTY_TREE
        # git orders tree entries as if folder names ended in '/'.
        ordered = sorted(((b, m, n) for n, (b, m) in entries.items()),
                         key=lambda e: e[2].encode() + (b"/" if e[1] == TREE_MODE else b""))
        sha = self.write("tree", b"".join(b"%o %s\0%s" % (m, n.encode(), b) for b, m, n in ordered))
        self._remember(sha, ordered)  # the next save starts from this tree: no need to read it back
        return sha

    def make_commit(self, tree: str, parents: list[str], author: Person, message: str) -> str:
        sig = author.signature()
        lines = [f"tree {tree}".encode()] + [f"parent {p}".encode() for p in parents]
        lines += [b"author " + sig, b"committer " + sig]
        return self.write("commit", self._signed(b"\n".join(lines) + b"\n\n" + message.encode("utf-8")))

    def _signed(self, buffer: bytes) -> bytes:
        # With bangfu.requireSigned every commit this copy writes carries the user's SSH
        # signature (store/ledger/signing.py); a commit that cannot be signed is not written.
        from store.ledger import signing
        if not signing.required(self):
            return buffer
        key = signing.key_of(self)
        if not key:
            raise GitFailed(("commit", "-S"), 1, "bangfu.requireSigned is set but user.signingKey is not")
        try:
            return signing.sign_commit(buffer, key)
        except signing.SigningFailed as exc:
            raise GitFailed(("commit", "-S"), 1, exc.detail) from None

    # -- bulk reading -------------------------------------------------------
    def ls_tree(self, tree: str, prefix: str) -> Iterator[tuple[str, str]]:
        """(path, blob id) of every file below prefix in tree."""
        if tree == EMPTY_TREE:
            return
        out = self.run("ls-tree", "-r", "-z", "--full-tree", tree, *(["--", prefix] if prefix else []))
        for item in out.split(b"\0"):
            if item:
                meta, path = item.split(b"\t", 1)
                yield path.decode("utf-8", "surrogateescape"), meta.split()[2].decode()

    def read_blobs(self, shas: list[str]) -> Iterator[tuple[str, bytes]]:
        """Many blobs through one `git cat-file --batch`, fed from a thread while the whole
        output is read in one go and split in memory (per-object reads cost more than git)."""
        if not shas:
            return
        proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self.gitdir, env=self._env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        request = "".join(s + "\n" for s in shas).encode()

        def feed() -> None:
            try:
                proc.stdin.write(request)
            finally:
                proc.stdin.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        raw = proc.stdout.read()
        feeder.join()
        proc.wait()
        out = memoryview(raw)
        pos = 0
        for _ in shas:
            eol = raw.index(b"\n", pos)
            header = raw[pos:eol].split()
            if len(header) < 3:
                raise GitFailed(("cat-file",), 1, f"missing object {header[0].decode() if header else '?'}")
            size = int(header[2])
            yield header[0].decode(), bytes(out[eol + 1:eol + 1 + size])
            pos = eol + 2 + size

    def read_json_blobs(self, shas: list[str], batch: int = 1 << 17) -> list | None:
        """Many JSON blobs, parsed while git is still streaming them (git works on one core,
        the parser on the other), in the order asked. None when the stream does not parse (a
        file that is not JSON, a missing object): the caller reads them one by one
        (`read_blobs`) to say which. Files written by hand can still pair a value with the
        wrong blob (two broken files that make one value between them), so a caller checks
        what it gets (a record's id against its path) and reads a blob alone when it fails."""
        if not shas:
            return []
        # Each object comes out as ",\n<content>\n": without the first comma the stream is the
        # body of a JSON array, and can be cut into arrays at any "\n,\n" (a line holding only a
        # comma, never inside a canonical record; a file where it is fails to parse, and the
        # caller's slow path reads it alone).
        proc = subprocess.Popen(["git", "cat-file", "--batch=,"], cwd=self.gitdir, env=self._env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        request = "".join(s + "\n" for s in shas).encode()
        _widen_pipe(proc.stdout)

        def feed() -> None:
            try:
                proc.stdin.write(request)
            except OSError:
                pass  # (git stopped early: it said why on its output)
            finally:
                proc.stdin.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        docs: list = []
        pending = bytearray(proc.stdout.read(1))   # the first comma
        ok = pending == b","
        del pending[:]
        try:
            while ok:
                chunk = proc.stdout.read1(1 << 20)
                pending += chunk
                if chunk and len(pending) < batch:
                    continue
                cut = pending.rfind(b"\n,\n") if chunk else len(pending) - 1
                if cut < 0:
                    if not chunk:
                        ok = False
                    continue
                docs.extend(json.loads(b"[" + pending[:cut + 1] + b"]"))
                del pending[:cut + 2]
                if not chunk:
                    break
        except (ValueError, RecursionError):   # (RecursionError: nesting deeper than Python parses)
            ok = False
        finally:
            proc.stdout.close()
            feeder.join()
            proc.wait()
        return docs if ok and len(docs) == len(shas) else None

    def diff_trees(self, old: str, new: str) -> Iterator[tuple[str, str | None]]:
        """(path, new blob id or None when deleted) for each file that differs between two trees."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", old, new)
        parts = out.split(b"\0")
        for meta, path in zip(parts[0::2], parts[1::2]):
            if not meta:
                continue
            fields = meta.split()
            status, new_sha = fields[4].decode(), fields[3].decode()
            yield path.decode("utf-8", "surrogateescape"), None if status == "D" else new_sha

    def walk(self, tip: str, since: str | None = None, first_parent: bool = True
             ) -> Iterator[tuple[str, list[str], list[tuple[str, str | None, str | None]]]]:
        """Oldest first: (commit, parents, [(path, old blob, new blob)]) against the first parent,
        from one streamed `git log` (not a process per commit)."""
        args = ["log", "--reverse", "--raw", "--no-abbrev", "--no-renames", "-z", "--format=%x01%H %P", "-m"]
        if first_parent:
            args.append("--first-parent")
        args.append(f"{since}..{tip}" if since else tip)
        out = self.run(*args)
        for chunk in out.split(b"\x01")[1:]:
            head, _, rest = chunk.partition(b"\0")
            commit, *parents = head.decode().split()
            files = []
            parts = rest.lstrip(b"\n").split(b"\0")
            for meta, path in zip(parts[0::2], parts[1::2]):
                if not meta.startswith(b":"):
                    continue
                fields = meta[1:].split()
                old, new = fields[2].decode(), fields[3].decode()
                files.append((path.decode("utf-8", "surrogateescape"), None if old == ZERO else old,
                              None if new == ZERO else new))
            yield commit, parents, files

    # -- housekeeping -------------------------------------------------------
    def maybe_gc(self, chance: float = 0.02) -> None:
        # `gc --auto` packs loose objects once there are enough of them; asking
        # now and then keeps a busy ledger from bloating without slowing saves.
        # The commit-graph with changed-path filters keeps `git log -- <record>`
        # (a record's history) fast however long the history grows.
        if not self.housekeeping or random.random() >= chance:
            return
        try:
            subprocess.Popen(["sh", "-c", "git gc --auto --quiet; exec " + " ".join(COMMIT_GRAPH)], cwd=self.gitdir,
                             env=self._env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
        except OSError:
            pass  # (no process to spare now: the save is made, packing waits for the next one)

    def pack(self, wait: float = 10.0) -> None:
        """Pack the repository now (`git gc`), waiting up to `wait` seconds for a gc already
        running beside it (another process's automatic one), then leaving the packing to it."""
        give_up = time.monotonic() + wait
        while True:
            proc = subprocess.run(["git", "gc", "--quiet"], cwd=self.gitdir, env=self._env, capture_output=True)
            if proc.returncode == 0 or b"already running" not in proc.stderr or time.monotonic() > give_up:
                return   # (a gc that fails only leaves objects loose: slower to read, never wrong)
            time.sleep(0.2)

    def has_commit_graph(self) -> bool:
        info = self.gitdir / "objects" / "info"
        return (info / "commit-graph").exists() or (info / "commit-graphs" / "commit-graph-chain").exists()

    def write_commit_graph(self) -> None:
        """Write the commit-graph (with changed-path filters) now, e.g. after a fetch or on a fresh clone."""
        self.run(*COMMIT_GRAPH[1:], check=False)

    def close(self) -> None:
        with self._lock:
            self.repo.close()


def parse_tree(data: bytes) -> list[tuple[bytes, int, str]]:
    """(binary id, mode, name) of each entry of a raw tree object."""
    out = []
    pos = 0
    while pos < len(data):
        space = data.index(b" ", pos)
        nul = data.index(b"\0", space)
        out.append((data[nul + 1:nul + 21], int(data[pos:space], 8), data[space + 1:nul].decode("utf-8", "surrogateescape")))
        pos = nul + 21
    return out


STALE_LOCK_SECONDS = 10
COMMIT_GRAPH = ("git", "commit-graph", "write", "--reachable", "--changed-paths", "--split", "--no-progress")


def clear_stale_lock(lock: Path) -> None:
    """git holds a ref or index lock for milliseconds; one that is older was left by a
    writer that was killed, and would block every save after it."""
    try:
        if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
            lock.unlink()
    except FileNotFoundError:
        pass


class GitFailed(RuntimeError):
    def __init__(self, args: Iterable[str], code: int, stderr: str):
        super().__init__(f"git {' '.join(args)} failed ({code}): {stderr.strip()}")
        self.stderr = stderr


def _widen_pipe(stream) -> None:
    """A 64 KiB pipe makes git wait whenever the parser is busy: let it run ahead (Linux lets
    any process raise a pipe to /proc/sys/fs/pipe-max-size, 1 MiB by default)."""
    for size in (1 << 20, 1 << 18):
        try:
            fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, size)
            return
        except (OSError, AttributeError):
            continue
