"""Commands of children's data protection: `key init|export|import|status|rotate|scan`, `reveal`,
`erase`, `migrate-identifiers`. (The public notice is `bangfu export notice`, built by store/privacy/notice.py.)

Passphrases come from the terminal or a file, never from the command line (where `ps` and the
shell history would keep them). Clear values are printed only by `reveal`, after it is recorded.
"""
from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import stat
import sys
from pathlib import Path

from store.core import i18n, ids
from store.rules import fieldnames
from store.privacy import acts as privacy
from store.core.describe import label
from store.core.errors import ReadOnly, UsageError
from store.ledger.ledger import group_id
from store.privacy.keystore import KeyStore
from store.privacy.errors import (ExportCorrupt, KeyFileExists, KeyInitWouldOrphan, KeyFileNotFound, KeyInRepository,
                                  KeyMismatch)

from . import output
from .commands import command, usage
from .cmd_records import open_ledger
from .output import data, out


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    key = command(sub, "key", "privacy.cmd.key")
    key.set_defaults(handler=lambda args: usage(key))
    ks = key.add_subparsers(dest="key_command", metavar="COMMAND")

    p = command(ks, "init", "privacy.cmd.key_init")
    p.add_argument("--group-path", metavar="PATH", help=t("privacy.cmd.key_group_path"))
    p.add_argument("--force", action="store_true", help=t("privacy.cmd.key_force"))
    p.set_defaults(handler=cmd_key_init)

    p = command(ks, "export", "privacy.cmd.key_export")
    p.add_argument("--out", required=True, metavar="FILE", help=t("privacy.cmd.key_out"))
    p.add_argument("--passphrase-file", metavar="FILE", help=t("privacy.cmd.key_passphrase_file"))
    p.add_argument("--group", help=t("privacy.cmd.key_export_group"))
    p.set_defaults(handler=cmd_key_export)

    p = command(ks, "import", "privacy.cmd.key_import")
    p.add_argument("file", help=t("privacy.cmd.key_import_file"))
    p.add_argument("--passphrase-file", metavar="FILE", help=t("privacy.cmd.key_passphrase_file"))
    p.set_defaults(handler=cmd_key_import)

    p = command(ks, "status", "privacy.cmd.key_status")
    p.set_defaults(handler=cmd_key_status)

    p = command(ks, "rotate", "privacy.cmd.key_rotate")
    p.add_argument("--reason", help=t("privacy.cmd.key_reason"))
    p.set_defaults(handler=cmd_key_rotate)

    p = command(ks, "scan", "privacy.cmd.key_scan")
    p.set_defaults(handler=cmd_key_scan)

    p = command(sub, "reveal", "privacy.cmd.reveal")
    p.add_argument("id", help=t("privacy.cmd.reveal_id"))
    p.add_argument("field", help=t("privacy.cmd.reveal_field"))
    p.add_argument("--reason", required=True, help=t("privacy.cmd.key_reason"))
    p.set_defaults(handler=cmd_reveal)

    p = command(sub, "erase", "privacy.cmd.erase")
    p.add_argument("id", help=t("privacy.cmd.reveal_id"))
    p.add_argument("--reason", required=True, help=t("privacy.cmd.key_reason"))
    p.add_argument("--yes", action="store_true", help=t("privacy.cmd.erase_yes"))
    p.set_defaults(handler=cmd_erase)

    p = command(sub, "migrate-identifiers", "privacy.cmd.migrate")
    p.set_defaults(handler=cmd_migrate)


def _writable(ledger) -> None:
    if ledger.read_only:
        raise ReadOnly(path=str(ledger.path))


# ---- passphrases ---------------------------------------------------------------------------------

def _passphrase(args, *, confirm: bool) -> str:
    if args.passphrase_file:
        path = Path(args.passphrase_file).expanduser()
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            text = path.read_text(encoding="utf-8") if not mode & 0o007 else None
        except FileNotFoundError:
            raise UsageError("cli.no_such_file", path=str(path)) from None
        if text is None:
            raise UsageError("privacy.cmd.passphrase_file_unsafe", path=str(path), mode=f"{mode:04o}")
        return text.splitlines()[0] if text else ""
    try:
        with open("/dev/tty"):
            pass
    except OSError:
        raise UsageError("privacy.cmd.passphrase_no_terminal") from None
    first = getpass.getpass(i18n.t("privacy.cmd.passphrase"))
    if confirm and getpass.getpass(i18n.t("privacy.cmd.passphrase_again")) != first:
        raise UsageError("privacy.cmd.passphrase_differs")
    return first


# ---- key -----------------------------------------------------------------------------------------

def cmd_key_init(args) -> int:
    ledger = open_ledger(args, write=True)
    _writable(ledger)
    if args.group_path:
        path, mode = Path(args.group_path).expanduser().resolve(), 0o640
    else:
        path = privacy.key_path(ledger)
        mode = 0o640 if ledger.git.config("bangfu.keyfile") else 0o600
    if path.exists():
        existing = KeyStore.open(path)  # refuses a world-readable or damaged file
        if not args.group_path or existing.ledger_id != ledger.config["ledger_id"]:
            raise KeyFileExists(path=str(path))
        ledger.git.set_config("bangfu.keyfile", str(path))  # a second copy of the ledger on the server
        out(i18n.t("privacy.cmd.key_using_existing", path=path))
        out(i18n.t("privacy.cmd.key_configured", path=path))
        return 0
    if not args.force and (count := privacy.sealed_values(ledger)):
        raise KeyInitWouldOrphan(count=count)
    keys = privacy.init_keys(ledger, path, mode=mode)
    if args.group_path:
        ledger.git.set_config("bangfu.keyfile", str(path))
    if output.JSON:
        data({"path": str(path), "mode": f"{mode:04o}", "key_id": keys.key_id})
        return 0
    out(i18n.t("privacy.cmd.key_created", key_id=keys.key_id, path=path, mode=f"{mode:04o}"))
    if args.group_path:
        out(i18n.t("privacy.cmd.key_configured", path=path))
    return 0


def _keys(ledger) -> KeyStore:
    if ledger.keys is None:
        raise KeyFileNotFound(path=str(privacy.key_path(ledger)))
    return privacy.fresh_keys(ledger)


def _repo_root(ledger) -> Path:
    return ledger.git.worktree or ledger.git.gitdir


def cmd_key_export(args) -> int:
    ledger = open_ledger(args)
    keys = _keys(ledger)
    target = Path(args.out).expanduser()
    with contextlib.suppress(ValueError):
        target.resolve().relative_to(_repo_root(ledger).resolve())
        raise KeyInRepository(path=str(target))
    if target.exists():
        raise UsageError("privacy.cmd.export_exists", path=str(target))
    gid = group_id(args.group) if args.group else None
    blob = keys.export_bytes(_passphrase(args, confirm=True))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UsageError("privacy.cmd.export_exists", path=str(target)) from None
    if gid is not None:   # another coordinator in the group imports it (the passphrase is handed over apart)
        os.fchown(fd, -1, gid)
        os.fchmod(fd, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(blob)
    if output.JSON:
        data({"path": str(target)})
    else:
        out(i18n.t("privacy.cmd.key_exported", path=target))
    return 0


def cmd_key_import(args) -> int:
    ledger = open_ledger(args)
    try:
        blob = Path(args.file).expanduser().read_bytes()
        theirs = json.loads(blob).get("ledger")
    except FileNotFoundError:
        raise UsageError("cli.no_such_file", path=args.file) from None
    except (OSError, ValueError, AttributeError):
        raise ExportCorrupt() from None
    mine = ledger.config["ledger_id"]
    if theirs != mine:  # keys of another ledger would open nothing here
        raise KeyMismatch(mine=mine, theirs=str(theirs))
    path = privacy.key_path(ledger)
    mode = 0o640 if ledger.git.config("bangfu.keyfile") else 0o600
    keys = KeyStore.import_bytes(blob, _passphrase(args, confirm=False), path, mode=mode,
                                 repo_root=_repo_root(ledger))
    ledger.keys = keys
    privacy.attach_keys(ledger)  # erasures recorded in the ledger apply to the imported keys too
    if output.JSON:
        data({"path": str(path), "key_id": ledger.keys.key_id})
    else:
        out(i18n.t("privacy.cmd.key_imported", path=path, key_id=ledger.keys.key_id))
    return 0


def cmd_key_status(args) -> int:
    ledger = open_ledger(args)
    info = privacy.status(ledger)
    if output.JSON:
        data(info)
    else:
        for line in privacy.describe_status(info):
            out(line)
    return 0


def cmd_key_rotate(args) -> int:
    ledger = open_ledger(args, write=True)
    _writable(ledger)
    _keys(ledger)
    done = privacy.rotate(ledger, args.reason)
    commit = (done.commits[0] if done.commits else "")[:10]
    if output.JSON:
        data({"old": done.old_key_ids, "new": done.new_key_id, "commits": done.commits, "values": done.values})
    else:
        out(i18n.t("privacy.cmd.key_rotated", old=", ".join(done.old_key_ids), new=done.new_key_id,
                   count=done.values, commit=commit))
    return 0


def cmd_key_scan(args) -> int:
    ledger = open_ledger(args)
    hits = privacy.scan_history(ledger)
    commits = len({h.commit for h in hits})
    if output.JSON:
        data([h._asdict() for h in hits])
    else:
        for h in hits:
            out(i18n.t("privacy.cmd.scan_hit", commit=h.commit[:10], path=h.path, kind=h.kind))
        out(i18n.t("privacy.cmd.scan_found", count=len(hits), commits=commits) if hits
            else i18n.t("privacy.cmd.scan_clean"))
    return 1 if hits else 0


# ---- reveal, erase, migrate --------------------------------------------------------------------

def cmd_reveal(args) -> int:
    ledger = open_ledger(args)
    field = fieldnames.resolve(ledger.schemas(), ids.type_of(ids.check_id(args.id)), args.field.strip())
    value = privacy.record_reveal(ledger, args.id, field, args.reason)
    if output.JSON:
        data({"id": args.id, "field": args.field, "value": value})
    else:
        out(value)
    return 0


def cmd_erase(args) -> int:
    ledger = open_ledger(args, write=True)
    _writable(ledger)
    record = ledger.get(args.id)
    if not args.yes and sys.stdin.isatty():
        answer = input(i18n.t("privacy.cmd.erase_confirm", record=args.id, label=label(record, ledger)))
        if answer.strip().lower() not in ("y", "yes", "是"):
            output.err(i18n.t("privacy.cmd.erase_cancelled"))
            return 1
    saved = privacy.erase(ledger, args.id, args.reason)
    if output.JSON:
        data({"id": args.id, "commit": saved.commit})
    else:
        out(i18n.t("privacy.cmd.erase_done", record=args.id, commit=(saved.commit or "")[:10]))
    return 0


def cmd_migrate(args) -> int:
    from store.privacy.migrate import migrate_identifiers

    ledger = open_ledger(args, write=True)
    _writable(ledger)
    done = migrate_identifiers(ledger)
    hits = privacy.scan_history(ledger)
    if output.JSON:
        data({"commit": done.commit, "records": {rid: [list(n) for n in notes] for rid, notes in done.records.items()},
              "left": [list(x) for x in done.left], "history_hits": len(hits)})
        return 0
    t = i18n.t
    if done.commit is None:
        out(t("privacy.cmd.migrate_none"))
    else:
        out(t("privacy.cmd.migrate_done", records=len(done.records), commit=done.commit[:10],
              count=sum(len(n) for n in done.records.values())))
        for rid, notes in done.records.items():
            for field, kind, what in notes:
                shown = {"masked": t("privacy.cmd.migrate_masked"), "sealed": t("privacy.cmd.migrate_sealed")}.get(
                    what) or t("privacy.cmd.migrate_moved", target=what)
                out(t("privacy.cmd.migrate_item", record=rid, field=field, kind=kind, what=shown))
    for rid, field, kind in done.left:
        output.err(t("privacy.cmd.migrate_left", record=rid, field=field, kind=kind))
    if hits:
        output.err(t("privacy.cmd.history_clear", count=len(hits), commits=len({h.commit for h in hits})))
    return 0
