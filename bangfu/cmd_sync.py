"""Commands between sites: clone, remote, sync, status, conflicts, resolve; and the entry
points git calls (merge-driver, hook pre-receive)."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from store.core import i18n, ids
from store.core.diff import MISSING
from store.core.errors import UsageError
from store.ledger.index import parse_value

from . import output
from .commands import command
from .events import conflict_lines
from .output import data, out


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "clone", "sync.cli.clone")
    p.add_argument("url")
    p.add_argument("path")
    p.add_argument("--site", help=t("cli.init_site"))
    p.add_argument("--remote", default="hub", help=t("sync.cli.clone_remote"))
    p.add_argument("--worktree", action="store_true", help=t("cli.init_worktree"))
    p.set_defaults(handler=cmd_clone)

    p = command(sub, "remote", "sync.cli.remote")
    rsub = p.add_subparsers(dest="remote_command", metavar="add|list|remove")
    r = command(rsub, "add", "sync.cli.remote_add")
    r.add_argument("name")
    r.add_argument("url")
    r.set_defaults(handler=cmd_remote_add)
    r = command(rsub, "list", "sync.cli.remote_list")
    r.set_defaults(handler=cmd_remote_list)
    r = command(rsub, "remove", "sync.cli.remote_remove")
    r.add_argument("name")
    r.set_defaults(handler=cmd_remote_remove)
    p.set_defaults(handler=cmd_remote_list)

    p = command(sub, "sync", "sync.cli.sync")
    p.add_argument("remote", nargs="?")
    p.add_argument("--setup", action="store_true", help=t("sync.cli.sync_setup"))
    p.set_defaults(handler=cmd_sync)

    p = command(sub, "status", "sync.cli.status")
    p.set_defaults(handler=cmd_status)

    p = command(sub, "conflicts", "sync.cli.conflicts")
    p.add_argument("id", nargs="?", help=t("sync.cli.conflicts_id"))
    p.set_defaults(handler=cmd_conflicts)

    p = command(sub, "resolve", "sync.cli.resolve")
    # (`--take mine county=某县` in one: the side, then the fields typed; the id may come last too)
    p.add_argument("id", nargs="?", help=t("sync.cli.conflicts_id"))
    p.add_argument("--take", action="extend", nargs="+", default=[], metavar=("mine|theirs|FIELD=VALUE", "FIELD=VALUE"),
                   help=t("sync.cli.resolve_take"))
    p.set_defaults(handler=cmd_resolve)

    p = command(sub, "unpushed", "unpushed.cli.unpushed")
    p.add_argument("--remote", help=t("unpushed.cli.remote"))
    usub = p.add_subparsers(dest="unpushed_command", metavar="list|set-aside")
    u = command(usub, "list", "unpushed.cli.list")
    u.add_argument("--remote", default=argparse.SUPPRESS, help=t("unpushed.cli.remote"))
    u.set_defaults(handler=cmd_unpushed)
    u = command(usub, "set-aside", "unpushed.cli.set_aside")
    u.add_argument("commits", nargs="+", metavar="COMMIT", help=t("unpushed.cli.commit"))
    u.add_argument("--remote", default=argparse.SUPPRESS, help=t("unpushed.cli.remote"))
    u.set_defaults(handler=cmd_set_aside)
    p.set_defaults(handler=cmd_unpushed)

    # Commands git calls: no help= at all keeps them out of the help (help=SUPPRESS printed "==SUPPRESS==")
    p = sub.add_parser("merge-driver")
    for name in ("base", "mine", "theirs", "path"):
        p.add_argument(name)
    p.set_defaults(handler=cmd_merge_driver)

    p = sub.add_parser("hook")
    p.add_argument("name", choices=["pre-receive"])
    p.set_defaults(handler=cmd_hook)


def _ledger(args: argparse.Namespace):
    from .cmd_records import open_ledger
    return open_ledger(args)


# -- clone and remotes -------------------------------------------------------------

def cmd_clone(args: argparse.Namespace) -> int:
    from store.privacy import acts as privacy
    from store.sync import remote as sync
    ledger = sync.clone(args.url, args.path, site=args.site, remote=args.remote, worktree=args.worktree)
    privacy.attach_keys(ledger)
    if output.JSON:
        data({"path": str(ledger.path.resolve()), "remote": args.remote, "commit": ledger.tip})
    else:
        out(i18n.t("sync.cli.cloned", path=ledger.path.resolve(), remote=args.remote, records=ledger.count()))
    return 0


def cmd_remote_add(args: argparse.Namespace) -> int:
    from store.sync import remote as sync
    remote = sync.add_remote(_ledger(args), args.name, args.url)
    out(i18n.t("sync.cli.remote_added", name=remote.name, url=remote.url))
    return 0


def cmd_remote_list(args: argparse.Namespace) -> int:
    from store.sync import remote as sync
    rows = sync.remotes(_ledger(args))
    if output.JSON:
        data([{"name": r.name, "url": r.url} for r in rows])
    elif rows:
        output.table([[r.name, r.url] for r in rows], [i18n.t("sync.cli.col_remote"), i18n.t("sync.cli.col_url")])
    else:
        output.err(i18n.t("sync.cli.no_remotes_yet"))
    return 0


def cmd_remote_remove(args: argparse.Namespace) -> int:
    from store.sync import remote as sync
    sync.remove_remote(_ledger(args), args.name)
    out(i18n.t("sync.cli.remote_removed", name=args.name))
    return 0


# -- sync -------------------------------------------------------------------------

class _Progress:
    """Stages on their own line; git's percentages overwrite one line on a terminal."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty() and not output.JSON
        self.dirty = False

    def __call__(self, key: str, params: dict) -> None:
        from store.sync.remote import progress_text
        if key == "sync.progress":
            if self.tty:
                sys.stderr.write("\r" + output.printable(progress_text(key, params)) + "\033[K")
                sys.stderr.flush()
                self.dirty = True
            return
        self.done()
        output.err(progress_text(key, params))

    def done(self) -> None:
        if self.dirty:
            sys.stderr.write("\n")
            self.dirty = False


def cmd_sync(args: argparse.Namespace) -> int:
    from store.sync import remote as sync
    ledger = _ledger(args)
    if args.setup:
        sync.configure(ledger.git)
        out(i18n.t("sync.cli.setup_done", path=ledger.path.resolve()))
        if args.remote is None:
            return 0
    progress = _Progress()
    try:
        result = sync.sync(ledger, args.remote, progress=progress)
    finally:
        progress.done()
    if output.JSON:
        data(result.as_json())
        return 0
    if not (result.incoming.total or result.outgoing.total or result.merged or result.pushed or result.fast_forward):
        out(i18n.t("sync.cli.up_to_date", remote=result.remote))
    else:
        out(i18n.t("sync.cli.synced", remote=result.remote, commit=result.after[:10]))
        out(_counts("sync.cli.incoming", result.incoming) if result.incoming.total else i18n.t("sync.cli.nothing_in"))
        out(_counts("sync.cli.outgoing", result.outgoing) if result.outgoing.total else i18n.t("sync.cli.nothing_out"))
    if result.conflicts or result.open_conflicts:
        out(i18n.t("sync.cli.conflicts_summary", new=len(result.conflicts), open=result.open_conflicts))
    if ledger.keys is not None and ledger.keys.hash_late:
        out(i18n.t("privacy.cmd.status_hash_late", count=len(ledger.keys.hash_late)))
    return 0


def _counts(key: str, counts) -> str:
    by = "，".join(i18n.t("sync.cli.by_one", who=who, count=n) for who, n in sorted(counts.by.items(),
                                                                                  key=lambda x: (-x[1], x[0])))
    return i18n.t(key, added=counts.added, changed=counts.changed, deleted=counts.deleted,
                  by=i18n.t("sync.cli.by", list=by) if by else "")


def cmd_status(args: argparse.Namespace) -> int:
    from store.sync import remote as sync
    st = sync.status(_ledger(args))
    if output.JSON:
        data(st.as_json())
        return 0
    out(i18n.t("sync.cli.status_head", site=st.site, commit=st.tip[:10]))
    if st.remotes:
        unknown = i18n.t("sync.cli.unknown")
        output.table([[r.name, r.url, unknown if r.ahead is None else str(r.ahead),
                       unknown if r.behind is None else str(r.behind),
                       (r.last_sync or i18n.t("sync.cli.never")).replace("T", " ")] for r in st.remotes],
                     [i18n.t("sync.cli.col_remote"), i18n.t("sync.cli.col_url"), i18n.t("sync.cli.col_ahead"),
                      i18n.t("sync.cli.col_behind"), i18n.t("sync.cli.col_last_sync")])
    else:
        out(i18n.t("sync.cli.no_remotes_yet"))
    out(i18n.t("sync.cli.status_conflicts", count=st.conflicts))
    return 0


# -- unpushed commits, and setting one aside ---------------------------------------

def cmd_unpushed(args: argparse.Namespace) -> int:
    from store.history import changes
    from store.sync import unpushed
    ledger = _ledger(args)
    remote, revs = unpushed.unpushed(ledger, args.remote)
    waiting = list(changes.walk(ledger.git, revs))
    aside = unpushed.set_aside_refs(ledger)
    made = {a.commit: next(changes.walk(ledger.git, [a.commit, "-n", "1"])) for a in aside}
    if output.JSON:
        data({"remote": remote,
              "unpushed": [_commit_json(ledger, c) for c in waiting],
              "set_aside": [{**_commit_json(ledger, made[a.commit]), "ref": a.ref, "before": a.before}
                            for a in aside]})
        return 0
    if waiting:
        out(i18n.t("unpushed.cli.head", remote=remote, count=len(waiting)))
        for c in waiting:
            _commit_lines(ledger, c)
        output.err(i18n.t("unpushed.cli.hint"))
    else:
        out(i18n.t("unpushed.cli.none", remote=remote))
    if aside:
        out("")
        out(i18n.t("unpushed.cli.aside_head", count=len(aside)))
        for a in aside:
            _commit_lines(ledger, made[a.commit])
            out(i18n.t("unpushed.cli.aside_ref", ref=a.ref))
        output.err(i18n.t("unpushed.cli.aside_hint"))
    return 0


def _commit_lines(ledger, commit) -> None:
    """A commit's line, then each record it changed and how, as `bangfu changes` shows them."""
    from store.history import changes
    from .cmd_audit import _commit_line, _field_lines, _worth_showing
    if commit.is_merge:
        out(_commit_line(commit, "") + "  " + i18n.t("unpushed.cli.merge_line"))
        return
    schemas, names = ledger.schemas(), changes.names_in(ledger)
    found = list(changes.record_changes(ledger.git, [commit]))
    out(_commit_line(commit, found[0].action if found else ""))
    for c in found:
        out(f"  {changes.record_heading(c, ledger)}  [{i18n.t(f'audit.action.{c.action}')}]")
        for line in _field_lines(schemas, c.type, _worth_showing(c), names, "    ", c.new or c.old):
            out(line)


def _commit_json(ledger, commit) -> dict:
    from store.history import changes
    schemas, names = ledger.schemas(), changes.names_in(ledger)
    return {"commit": commit.sha, "author": commit.author, "date": commit.date, "title": commit.title,
            "merge": commit.is_merge,
            "records": [] if commit.is_merge else [changes.as_json(c, schemas, names)
                                                   for c in changes.record_changes(ledger.git, [commit])]}


def cmd_set_aside(args: argparse.Namespace) -> int:
    from store.sync import unpushed
    ledger = _ledger(args)
    progress = _Progress()
    try:
        done = unpushed.set_aside(ledger, args.commits, args.remote, say=progress)
    finally:
        progress.done()
    if output.JSON:
        data({"remote": done.remote, "set_aside": done.set_aside, "replayed": done.replayed, "commit": done.after,
              "refs": done.refs})
        return 0
    out(i18n.t("unpushed.cli.done", commits=" ".join(c[:10] for c in done.set_aside), replayed=len(done.replayed),
               commit=done.after[:10]))
    for ref in done.refs:
        out(i18n.t("unpushed.cli.aside_ref", ref=ref))
    return 0


# -- conflicts -------------------------------------------------------------------

def cmd_conflicts(args: argparse.Namespace) -> int:
    from store.sync.conflicts import list_conflicts
    ledger = _ledger(args)
    found = list_conflicts(ledger)
    if args.id:
        found = [c for c in found if args.id in (c.id, c.record)]
    if output.JSON:
        data([c.as_json() for c in found])
        return 0
    for c in found:
        out(f"{c.id}  {c.record}  {c.label}  [{i18n.t('sync.kind.' + c.kind)}]")
        for line in conflict_lines(ledger, c):
            out(line)
    output.err(i18n.t("sync.cli.conflicts_count", count=len(found)))
    if found:
        output.err(i18n.t("sync.cli.resolve_hint"))
    return 0


def cmd_resolve(args: argparse.Namespace) -> int:
    from store.sync.conflicts import SIDES, Value, list_conflicts, resolve
    if args.id is None and args.take and ids.is_id(args.take[-1]):
        args.id = args.take.pop()     # (`resolve --take mine event-…`: the id typed after the values)
    missing = [name for name, given in (("id", args.id), ("--take", args.take)) if not given]
    if missing:
        raise UsageError("sync.resolve_missing", names=", ".join(missing))
    ledger = _ledger(args)
    ids.check_id(args.id)
    sides = [t for t in args.take if t in SIDES]
    values = [t for t in args.take if t not in SIDES]
    if len(sides) > 1 or any("=" not in v for v in values):
        raise UsageError("sync.resolve_bad_choice", choice=" ".join(args.take))
    if not values:
        choices: Any = sides[0]
    else:
        open_ = [c for c in list_conflicts(ledger) if args.id in (c.id, c.record)]
        choices = {f.name: sides[0] for c in open_ for f in c.fields} if sides else {}
        for item in values:
            name, _, text = item.partition("=")
            choices[name.strip()] = Value(parse_value(text) if text != "" else MISSING)
    saved = resolve(ledger, args.id, choices)
    commit = next((s.commit for s in saved if s.commit), None) or ""
    if output.JSON:
        data({"id": args.id, "commit": commit})
    else:
        out(i18n.t("sync.cli.resolved", id=args.id, commit=commit[:10]))
    return 0


# -- called by git ---------------------------------------------------------------

def cmd_merge_driver(args: argparse.Namespace) -> int:
    from store.sync.integrate import driver
    return driver(args.base, args.mine, args.theirs, args.path)


def cmd_hook(args: argparse.Namespace) -> int:
    from store.sync.hub import run_hook
    return run_hook(sys.stdin.read())
