"""Sync between sites through any git remote: fetch, merge record by record, push.

Git is the engine: remotes and transports (local paths, ssh://, git://) are git's own;
`git fetch` fills `refs/remotes/<name>/main`, the merge is `store.merge`, and `git push`
never forces: when the hub moved meanwhile, sync fetches, merges and tries again.

Every step leaves a valid ledger on both ends, so a sync cut off anywhere (network
gone, process killed) is completed by the next one: a fetch only moves a tracking ref,
the merge moves the local branch with a compare-and-swap once the merge commit exists,
and the hub takes a push whole or not at all.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from store.core import i18n, ids
from store.core.errors import BangfuError, UsageError
from store.ledger.gitstore import BRANCH, EMPTY_TREE, GitStore
from store.ledger import hooks
from store.ledger.ledger import Ledger, new_repository

MAX_ATTEMPTS = 6
ATTRIBUTES = b"records/**/*.json merge=bangfu\n"
GITATTRIBUTES = b"# Records merge field by field (bangfu merge-driver); see bangfu sync --setup.\n" + ATTRIBUTES
DRIVER_KEY = "merge.bangfu.driver"
_REMOTE_NAME = re.compile(r"^[^\W_][\w.-]{0,63}$")  # letters of any script: 县中心 is a fine name
_PROGRESS = re.compile(r"^(Counting|Compressing|Receiving|Resolving|Writing|Enumerating) (objects|deltas):\s+(\d+)%")

# The hub's ref moved between our fetch and its update: someone else pushed first.
_MOVED = ("cannot lock ref", "failed to update ref", "failed to lock", "stale info", "incorrect old value")

Progress = Callable[[str, dict], None]   # (message key, parameters)


def progress_text(key: str, params: dict) -> str:
    """A progress report in the user's language (the CLI prints it; the TUI shows it)."""
    if key == "sync.progress":
        return i18n.t(key, step=i18n.t(f"sync.step.{params['step']}"), percent=params["percent"])
    return i18n.t(key, **params)


class SyncError(BangfuError):
    key = "sync.failed"


class PushRefused(BangfuError):
    """The hub refused the push; `lines` is what its hook said."""
    key = "sync.push_refused"

    def __init__(self, remote: str, lines: list[str]):
        super().__init__(remote=remote, detail="\n".join(lines) or "-")
        self.lines = lines


# -- setting a repository up ---------------------------------------------------------

def tree_files() -> dict[str, bytes]:
    """Files every ledger carries in its tree (written by Ledger.init)."""
    return {".gitattributes": GITATTRIBUTES}


def configure(store: GitStore, *, hub: bool = False) -> None:
    """What a ledger repository needs beyond its tree; git config does not travel with a
    clone, so a clone runs this too (`bangfu sync --setup`, or the first `bangfu sync`)."""
    store.set_config("merge.bangfu.name", "Bangfu: merge records field by field")
    store.set_config(DRIVER_KEY, f"{shlex.quote(sys.executable)} -m bangfu merge-driver %O %A %B %P")
    # A bare repository reads attributes only from info/attributes, not from its tree.
    info = store.gitdir / "info"
    info.mkdir(exist_ok=True)
    attributes = info / "attributes"
    existing = attributes.read_bytes() if attributes.exists() else b""
    if ATTRIBUTES not in existing:
        attributes.write_bytes(existing + (b"" if not existing or existing.endswith(b"\n") else b"\n") + ATTRIBUTES)
    for key, value in (("core.logAllRefUpdates", "always"), ("core.quotePath", "false")):
        store.set_config(key, value)
    if hub:
        from store.sync import hub as hub_module
        hub_module.install(store)
    if store.sharing:   # (files just written with this process's umask: the attributes, the hook)
        store.sharing.apply(store.gitdir)


hooks.register_setup(hooks.Setup(files=tree_files, configure=lambda store, shared: configure(store, hub=shared)))


def is_configured(store: GitStore) -> bool:
    return bool(store.run("config", "--get", DRIVER_KEY, check=False).strip())


def clone(url: str, path: Path | str, *, site: str | None = None, remote: str = "hub",
          worktree: bool = False) -> Ledger:
    """A new site: a copy of the ledger at url, set up to sync with it."""
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise BangfuError("error.init_not_empty", path=str(path))
    args = ["git", "clone", "-q", "--no-tags", "--origin", remote, _url(url), str(path)]
    if not worktree:
        args.insert(2, "--bare")
    proc = subprocess.run(args, capture_output=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    if proc.returncode != 0:
        raise SyncError("sync.clone_failed", url=url, detail=_last_line(proc.stderr))
    store = GitStore(path)
    store.run("config", f"remote.{remote}.fetch", f"+refs/heads/main:refs/remotes/{remote}/main")
    store.run("config", f"remote.{remote}.tagOpt", "--no-tags")
    store.run("fetch", "-q", remote)
    if site:
        store.set_config("bangfu.site", site)
    configure(store)
    store.close()
    ledger = Ledger(path)
    _mark_synced(ledger, remote)
    return ledger


def publish(path: Path | str, source: Ledger, *, shared: bool = True, group: str | None = None,
            remote: str = "hub") -> Ledger:
    """An existing ledger published as a hub at path: a new bare repository holding its whole
    history, protected by the hub's hook (shared with a group when asked), and the ledger set
    up to sync with it under the name `remote`."""
    path = Path(path)
    # A remote of that name already naming this very place (the empty hub it was made for) is kept.
    named = next((r for r in remotes(source) if r.name == remote), None)
    if named and named.url != _url(str(path)):
        raise UsageError("sync.remote_exists", name=remote)
    store = new_repository(path, shared=shared, group=group)
    try:
        store.run("fetch", "-q", "--no-tags", str(source.git.gitdir.resolve()), f"+{BRANCH}:{BRANCH}")
        for key, value in (("gc.writeCommitGraph", "true"), ("core.commitGraph", "true")):
            store.set_config(key, value)
        configure(store, hub=True)
        store.write_commit_graph()
    finally:
        store.close()
    if named is None:
        add_remote(source, remote, str(path.resolve()))
    source.git.run("fetch", "-q", remote)
    _mark_synced(source, remote)
    return Ledger(path)


# -- remotes ---------------------------------------------------------------------

@dataclass
class Remote:
    name: str
    url: str


def remotes(ledger: Ledger) -> list[Remote]:
    out = ledger.git.run("config", "--get-regexp", r"^remote\..*\.url$", check=False).decode()
    found = []
    for line in out.splitlines():
        key, _, url = line.partition(" ")
        found.append(Remote(key[len("remote."):-len(".url")], url))
    return sorted(found, key=lambda r: r.name)


def add_remote(ledger: Ledger, name: str, url: str) -> Remote:
    if not _REMOTE_NAME.match(name):
        raise UsageError("sync.bad_remote_name", name=name)
    if any(r.name == name for r in remotes(ledger)):
        raise UsageError("sync.remote_exists", name=name)
    url = _url(url)
    ledger.git.run("remote", "add", "--no-tags", name, url)
    ledger.git.run("config", "--replace-all", f"remote.{name}.fetch", f"+refs/heads/main:refs/remotes/{name}/main")
    return Remote(name, url)


def remove_remote(ledger: Ledger, name: str) -> None:
    _remote(ledger, name)
    ledger.git.run("remote", "remove", name)


def _url(url: str) -> str:
    """A local path is kept absolute: git runs in the repository folder, not where the user typed."""
    if "://" in url or re.match(r"^[^/]+@[^/:]+:", url) or url.startswith(("ext::", "fd::")):
        return url
    return str(Path(url).expanduser().resolve())


def _remote(ledger: Ledger, name: str | None) -> Remote:
    known = remotes(ledger)
    if name is not None:
        for r in known:
            if r.name == name:
                return r
        raise UsageError("sync.no_such_remote", name=name, known="、".join(r.name for r in known) or "-")
    preferred = ledger.git.run("config", "--get", "bangfu.remote", check=False).decode().strip()
    for want in (preferred, "hub", "origin"):
        for r in known:
            if r.name == want:
                return r
    if len(known) == 1:
        return known[0]
    raise UsageError("sync.which_remote" if known else "sync.no_remotes", known="、".join(r.name for r in known))


def tracking(name: str) -> str:
    return f"refs/remotes/{name}/main"


# -- one sync --------------------------------------------------------------------------

@dataclass
class Counts:
    added: int = 0
    changed: int = 0
    deleted: int = 0
    by: dict[str, int] = field(default_factory=dict)   # author -> records touched

    @property
    def total(self) -> int:
        return self.added + self.changed + self.deleted

    def tally(self, was: object, now: object) -> None:
        """One record counted from its version before (None: it was not there) to after (None: gone)."""
        if was is None:
            self.added += 1
        elif now is None:
            self.deleted += 1
        else:
            self.changed += 1


@dataclass
class SyncResult:
    remote: str
    url: str
    before: str
    after: str
    incoming: Counts
    outgoing: Counts
    merged: bool = False
    fast_forward: bool = False
    pushed: bool = False
    attempts: int = 1
    conflicts: list[str] = field(default_factory=list)    # conflict events this sync wrote
    open_conflicts: int = 0

    def as_json(self) -> dict:
        return asdict(self)


def sync(ledger: Ledger, remote: str | None = None, *, progress: Progress | None = None) -> SyncResult:
    """Fetch, merge and push until the remote holds this site's tip (or refuses it)."""
    from store.sync.conflicts import list_conflicts
    from store.sync.integrate import merge_into

    say = progress or (lambda key, params: None)
    target = _remote(ledger, remote)
    if not is_configured(ledger.git):
        configure(ledger.git)
    ledger.refresh()
    before = ledger.tip
    result = SyncResult(target.name, target.url, before, before, Counts(), Counts())
    theirs = None
    outcomes = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        result.attempts = attempt
        say("sync.fetching", {"remote": target.name, "url": target.url})
        theirs = fetch(ledger, target.name, say)
        ledger.refresh()
        mine = ledger.tip
        if theirs and theirs != mine and not is_ancestor(ledger.git, theirs, mine):
            if is_ancestor(ledger.git, mine, theirs):
                say("sync.fast_forward", {"remote": target.name})
                if not ledger.move_to(theirs, mine, f"sync: fast-forward to {target.name}"):
                    continue  # a local save came in between: go again
                result.fast_forward = True
            else:
                say("sync.merging", {"remote": target.name})
                outcome = merge_into(ledger, theirs, remote=target.name)
                outcomes.append(outcome)
                result.merged = True
                result.conflicts += outcome.conflicts
        if ledger.tip == theirs:
            break
        say("sync.pushing", {"remote": target.name})
        if push(ledger, target.name, say):
            result.pushed = True
            break
        say("sync.remote_moved", {"remote": target.name})  # the hub moved meanwhile: fetch, merge, retry
    else:
        raise SyncError("sync.busy", remote=target.name)
    result.after = ledger.tip
    _mark_synced(ledger, target.name)
    from store.privacy import acts as privacy
    privacy.erase_pending(ledger)    # erasures made at another site destroy the keys here too
    # One merge made the whole difference on both sides: it says what differs, git says who.
    one = outcomes[0] if len(outcomes) == 1 and not result.fast_forward else None
    known = (one.sides if one and (one.mine, one.theirs, one.commit) == (before, theirs, result.after) else None)
    result.incoming = changes(ledger, before, result.after, _kinds(known, 0) if known is not None else None)
    result.outgoing = (changes(ledger, theirs, result.after, _kinds(known, 1) if known is not None else None)
                       if result.pushed else Counts())
    result.open_conflicts = len(list_conflicts(ledger))
    return result


def is_ancestor(store: GitStore, a: str, b: str) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", a, b], cwd=store.gitdir, capture_output=True)
    return proc.returncode == 0


def fetch(ledger: Ledger, name: str, say: Progress) -> str | None:
    """Fetch the remote's main into its tracking ref; returns that commit (None: the remote is empty)."""
    argv = ["fetch", "--progress", "--no-tags", name, f"+refs/heads/main:{tracking(name)}"]
    code, _out, err = _git_streamed(ledger.git, argv, say)
    if code != 0 and "cannot lock ref" in err and _left_behind(ledger.git.gitdir / f"{tracking(name)}.lock"):
        code, _out, err = _git_streamed(ledger.git, argv, say)
    if code != 0:
        if "couldn't find remote ref" in err:
            return None
        raise SyncError("sync.fetch_failed", remote=name, detail=_last_line(err.encode()))
    return ledger.git.tip(tracking(name))


def _left_behind(lock: Path) -> bool:
    """Whether the tracking ref's lock was left by a fetch that was killed (and is now gone): git
    holds it for the milliseconds of moving the ref, so one unchanged a second later is nobody's.
    Another sync fetching meanwhile (two coordinators on one ledger) takes a new one."""
    try:
        before = lock.stat()
        time.sleep(STALE_AFTER)
        after = lock.stat()
    except FileNotFoundError:
        return True   # (the other fetch is done: try again)
    if (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns):
        return False
    with contextlib.suppress(FileNotFoundError):
        lock.unlink()
    return True


STALE_AFTER = 1.0   # seconds


def push(ledger: Ledger, name: str, say: Progress) -> bool:
    """Push main (never forced). False when the remote moved meanwhile; PushRefused when its hook said no."""
    code, out, err = _git_streamed(ledger.git, ["push", "--progress", "--porcelain", name,
                                                f"{BRANCH}:{BRANCH}"], say)
    statuses = [line.split("\t") for line in out.splitlines() if line[:1] in " +-*!=" and "\t" in line]
    hub_says = [line[len("remote: "):].rstrip() for line in err.splitlines() if line.startswith("remote: ")]
    for flag, *rest in statuses:
        summary = rest[1] if len(rest) > 1 else ""
        if flag == "!":
            if "remote rejected" in summary and not any(w in summary for w in _MOVED):
                raise PushRefused(name, [line for line in hub_says if line.strip()] or [summary])
            return False  # fetch first / non-fast-forward: someone else pushed
    if code != 0:
        if "fetch first" in err or "non-fast-forward" in err:
            return False
        raise SyncError("sync.push_failed", remote=name, detail=_last_line(err.encode()))
    ledger.git.run("update-ref", "-m", "bangfu: pushed", tracking(name), ledger.tip)
    return True


def _git_streamed(store: GitStore, args: list[str], say: Progress) -> tuple[int, str, str]:
    """Run git, passing its progress on as it comes; returns (exit code, stdout, stderr)."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = subprocess.Popen(["git", *args], cwd=store.gitdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    seen: list[bytes] = []
    buf = b""
    last = None
    while True:
        chunk = proc.stderr.read1(4096) if hasattr(proc.stderr, "read1") else proc.stderr.read(4096)
        if not chunk:
            break
        buf += chunk
        *lines, buf = re.split(rb"[\r\n]", buf)
        for line in lines:
            text = line.decode("utf-8", "replace")
            match = _PROGRESS.match(text.removeprefix("remote: "))
            if match:
                step = (match.group(1).lower(), int(match.group(3)))
                if step != last:
                    say("sync.progress", {"step": match.group(1).lower(), "percent": step[1]})
                    last = step
            elif line.strip():
                seen.append(line)
    if buf.strip():
        seen.append(buf)
    out = proc.stdout.read().decode("utf-8", "replace")
    code = proc.wait()
    return code, out, b"\n".join(seen).decode("utf-8", "replace")


def _last_line(err: bytes) -> str:
    lines = [line for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:", "ssh:"))]
    return (fatal or lines or ["?"])[-1].strip()


def _mark_synced(ledger: Ledger, name: str) -> None:
    # In git config, not in the tree: when a site last synced is no business of the others.
    now = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    ledger.git.run("config", f"remote.{name}.bangfuSynced", f"{now} {ledger.tip}")


# -- what came in and went out -------------------------------------------------------------

def changes(ledger: Ledger, old: str | None, new: str, kinds: Counts | None = None) -> Counts:
    """Records added, changed, deleted between two commits (None: nothing), and by whom
    (`kinds`: the first three, when the caller knows them; git is then asked only who)."""
    from store.sync.conflicts import conflict_event

    counts = Counts()
    if old == new:
        return counts
    if kinds is not None:
        counts.added, counts.changed, counts.deleted = kinds.added, kinds.changed, kinds.deleted
    else:
        # (by id: a record moved to another layout is no record added and none deleted)
        trees = (ledger.git.commit_tree(old) if old else EMPTY_TREE, ledger.git.commit_tree(new))
        for path, (before, after) in ledger.git.diff_tree_pairs([trees])[trees].items():
            if not path.startswith(ids.RECORDS_DIR + "/"):
                continue
            rid = ids.id_from_path(path, check_shard=False)
            if rid and ids.type_of(rid) == "event" and conflict_event(ledger.index.get(rid)):
                continue
            counts.tally(before, after)
    log = ledger.git.run("log", "--no-merges", "--format=%x01%an%x02%(trailers:key=Action,valueonly,separator=%x2C)",
                         "--name-only", f"{old}..{new}" if old else new, "--", ids.RECORDS_DIR).decode("utf-8", "replace")
    for chunk in log.split("\x01")[1:]:
        head, *paths = [line for line in chunk.splitlines() if line.strip()]
        author, _, action = head.partition("\x02")
        if action.strip() != ids.MOVE_ACTION:   # (moving every record to another layout changed none)
            counts.by[author] = counts.by.get(author, 0) + len(paths)
    return counts


def _kinds(sides: dict[str, tuple[dict | None, dict | None, dict | None]], side: int) -> Counts:
    """Added, changed, deleted from one side's records (0: mine, 1: theirs) to the merged ones."""
    from store.sync.conflicts import conflict_event
    from store.sync.merge import same

    counts = Counts()
    for rid, states in sides.items():
        was, now = states[side], states[2]
        if same(was, now) or conflict_event(now) or conflict_event(was):
            continue
        counts.tally(was, now)
    return counts


# -- status ----------------------------------------------------------------------

@dataclass
class RemoteStatus:
    name: str
    url: str
    ahead: int | None          # commits here the remote lacks (as of the last fetch)
    behind: int | None         # commits there this site lacks
    last_sync: str | None      # ISO time of the last successful sync
    last_commit: str | None


@dataclass
class Status:
    site: str
    tip: str
    remotes: list[RemoteStatus]
    conflicts: int

    def as_json(self) -> dict:
        return asdict(self)


def status(ledger: Ledger) -> Status:
    """Ahead/behind per remote (no network: as of the last fetch), last sync, open conflicts."""
    from store.sync.conflicts import list_conflicts

    ledger.refresh()
    rows = []
    for r in remotes(ledger):
        ahead = behind = None
        if ledger.git.tip(tracking(r.name)):
            counted = ledger.git.run("rev-list", "--left-right", "--count", f"{BRANCH}...{tracking(r.name)}",
                                     check=False).decode().split()
            if len(counted) == 2:
                ahead, behind = int(counted[0]), int(counted[1])
        mark = ledger.git.run("config", "--get", f"remote.{r.name}.bangfuSynced", check=False).decode().split()
        rows.append(RemoteStatus(r.name, r.url, ahead, behind, mark[0] if mark else None,
                                 mark[1] if len(mark) > 1 else None))
    return Status(ledger.site, ledger.tip, rows, len(list_conflicts(ledger)))

