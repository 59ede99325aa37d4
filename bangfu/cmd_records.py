"""Commands on records: init, add, show, list, set, edit, rm, validate, log, fmt."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from store.core import canonical, clock, i18n, ids
from store.core.describe import action_words, indicators_named, label, readable
from store.core.errors import BangfuError, Conflict, InvalidRecord, RecordNotFound, Referenced, UsageError
from store.core.findings import Finding
from store.core.diff import MISSING
from store.ledger.index import parse_value
from store.rules import calendar, fieldnames, formmodel as fm
from store.sync.merge import show_path
from store import NEW, Change, Ledger
from store.history.verify import check_history, check_tip
from store.ledger import adjustments

from . import output
from .events import event_card
from .commands import command
from .output import data, out


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    # (each type with its name: the bare list of eighteen codes ran past an 80-column terminal)
    types = i18n.listing(rtype if t(f"audit.rtype.{rtype}") == rtype else
                         t("cli.record_type_item", type=rtype, word=t(f"audit.rtype.{rtype}")) for rtype in ids.RECORD_TYPES)
    p = command(sub, "init", "cli.init")
    p.add_argument("path")
    p.add_argument("--worktree", action="store_true", help=t("cli.init_worktree"))
    p.add_argument("--bare", action="store_true", help=t("cli.init_bare"))
    p.add_argument("--shared", action="store_true", help=t("cli.init_shared"))
    p.add_argument("--group", help=t("cli.init_group"))
    p.add_argument("--from", dest="source", metavar="LEDGER", help=t("cli.init_from"))
    p.add_argument("--site", help=t("cli.init_site"))
    p.add_argument("--name", help=t("cli.init_name"))
    p.set_defaults(handler=cmd_init)

    p = command(sub, "add", "cli.add")
    p.add_argument("type", choices=ids.RECORD_TYPES, metavar="TYPE", help=t("cli.record_type", types=types))
    p.add_argument("file", nargs="?", default="-", help=t("cli.add_file"))
    p.set_defaults(handler=cmd_add)

    p = command(sub, "show", "cli.show")
    p.add_argument("id", help=t("cli.record_id"))
    p.set_defaults(handler=cmd_show)

    p = command(sub, "list", "cli.list")
    p.add_argument("type", choices=ids.RECORD_TYPES, metavar="TYPE", help=t("cli.record_type", types=types))
    p.add_argument("--where", action="append", default=[], metavar="FIELD=VALUE", help=t("cli.list_where"))
    p.add_argument("--text", help=t("cli.list_text"))
    p.add_argument("--year", metavar="YYYY-YYYY", help=t("cli.list_year"))
    p.add_argument("--limit", type=int, default=0, help=t("cli.list_limit"))
    p.set_defaults(handler=cmd_list)

    p = command(sub, "set", "cli.set")
    p.add_argument("id", help=t("cli.record_id"))
    p.add_argument("assignments", nargs="+", metavar="FIELD=VALUE")
    p.add_argument("--adjust", metavar="REASON", help=t("cli.set_adjust"))
    p.add_argument("--approver", metavar="NAME", help=t("cli.set_approver"))
    p.set_defaults(handler=cmd_set)

    p = command(sub, "edit", "cli.edit")
    p.add_argument("id", help=t("cli.record_id"))
    p.set_defaults(handler=cmd_edit)

    p = command(sub, "rm", "cli.rm")
    p.add_argument("id", help=t("cli.record_id"))
    p.add_argument("--reason", required=True, help=t("cli.rm_reason"))
    p.set_defaults(handler=cmd_rm)

    p = command(sub, "validate", "cli.validate")
    p.add_argument("--history", action="store_true", help=t("cli.validate_history"))
    p.set_defaults(handler=cmd_validate)

    p = command(sub, "log", "cli.log")
    p.add_argument("id", nargs="?", help=t("cli.log_id"))
    p.add_argument("-n", type=int, default=0, dest="limit", help=t("cli.list_limit"))
    p.set_defaults(handler=cmd_log)

    p = command(sub, "fmt", "cli.fmt")
    p.add_argument("--check", action="store_true", help=t("cli.fmt_check"))
    p.set_defaults(handler=cmd_fmt)

    p = command(sub, "schema-upgrade", "cli.schema_upgrade")
    p.add_argument("folder", nargs="?", help=t("cli.schema_upgrade_folder"))
    p.add_argument("--note", default="", help=t("cli.schema_upgrade_note"))
    p.set_defaults(handler=cmd_schema_upgrade)

    p = command(sub, "upgrade-layout", "cli.upgrade_layout")
    p.set_defaults(handler=cmd_upgrade_layout)


def open_ledger(args: argparse.Namespace, *, write: bool = False, keys: bool = True) -> Ledger:
    ledger = Ledger.open(args.ledger, read_only=args.read_only)
    args.opened = ledger    # (a refusal names its record as this ledger calls it)
    _guide_plain_clone(ledger)
    if keys:  # reading history shows masked values only: no key store, no index to open for it
        from store.privacy import acts as privacy
        privacy.attach_keys(ledger)
    return ledger


def _guide_plain_clone(ledger: Ledger) -> None:
    """A ledger cloned with plain git lacks what git does not copy (the record merge driver):
    its `git pull` would merge JSON as text, with <<<<<<< markers. Say so until it is set up."""
    from store.sync import remote

    if not remote.is_configured(ledger.git) and ledger.git.run("remote", check=False).strip():
        output.err(i18n.t("cli.plain_clone", path=str(ledger.path)))


def cmd_init(args: argparse.Namespace) -> int:
    if args.source:
        from store.sync.remote import publish
        if args.worktree:
            raise UsageError("cli.init_from_bare")
        with Ledger.open(args.source) as source:
            ledger = publish(args.path, source, shared=args.shared, group=args.group)
    else:
        ledger = Ledger.init(args.path, worktree=args.worktree, shared=args.shared, group=args.group,
                             site=args.site, name=args.name)
    if output.JSON:
        data({"path": str(Path(args.path).resolve()), "commit": ledger.tip})
    else:
        out(i18n.t("cli.init_done", path=Path(args.path).resolve()))
    return 0


def read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError("cli.no_such_file", path=source) from None
    except UnicodeDecodeError:
        raise BangfuError("cli.not_utf8", path=source) from None
    return parse_json(text, i18n.t("cli.stdin") if source == "-" else source)


def parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BangfuError("error.bad_json", source=source, line=exc.lineno, col=exc.colno,
                          detail=i18n.json_problem(exc.msg)) from None


def report_saved(saved, ledger: Ledger) -> None:
    if output.JSON:
        data([{"id": s.id, "commit": s.commit, "version": s.version,
               "warnings": [w.as_json() for w in s.warnings]} for s in saved])
        return
    for s in saved:
        out(s.id)
        if s.commit is None:
            output.err(i18n.t("cli.unchanged", record=s.id))
        for w in s.warnings:
            output.err(w.text())


def cmd_add(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    record = read_json(args.file)
    records = record if isinstance(record, list) else [record]
    if not records:
        raise InvalidRecord([Finding(args.file, (), "cli.add_empty")], record=args.file)
    changes = []
    for item in records:
        if not isinstance(item, dict):
            raise InvalidRecord([Finding(args.file, (), "schema.not_object")], record=args.file)
        item.setdefault("type", args.type)
        item.setdefault("schema_version", 1)
        if item["type"] != args.type:
            raise UsageError("cli.type_mismatch", expected=args.type, actual=item["type"])
        item["id"] = item.get("id") or ids.new_id(args.type)
        ids.check_id(item["id"])
        changes.append(Change(item["id"], item, NEW))
    try:
        saved = ledger.commit(changes, action="add")
    except Conflict:
        _say_kept("cli.conflict_kept", *_keep(ledger, records if len(records) > 1 else records[0], "add"))
        raise
    report_saved(saved, ledger)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    record = ledger.get(args.id)
    if output.JSON:
        data(record)
    else:
        out(card(ledger, record))
    return 0


def card(ledger, record: dict) -> str:
    """A record as a person reads it: titles in the chosen language, names of the records it refers
    to, money in yuan, identifiers masked (`--json` gives the record as stored)."""
    from rich.cells import cell_len

    from store.rules import formmodel as fm

    def named(rid: str) -> str:
        doc = ledger.index.get(rid)
        return label(doc, ledger) if doc else rid

    if record["type"] == "event":
        return "\n".join(event_card(ledger, record))
    form = fm.form_for(ledger.schemas(), record["type"])
    shown = indicators_named(record, ledger)
    titled = [(f.title, fm.show(f, shown[f.name], named)) for f in form.fields
              if record.get(f.name) not in (None, "", [], {})]
    width = max((cell_len(title) for title, _ in titled), default=0)
    lines = [label(record, ledger), record["id"]]
    lines += [f"{title}{' ' * (width - cell_len(title))}  {text}" for title, text in titled]
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    filters: dict[str, Any] = {}
    for item in args.where:
        field, sep, value = item.partition("=")
        if not sep or not field:
            raise UsageError("cli.bad_assignment", item=item)
        filters[fieldnames.resolve(ledger.schemas(), args.type, field.strip())] = parse_value(value)
    if args.year is not None:
        if args.type not in calendar.YEAR_FIELDS:
            raise UsageError("cli.list_no_year", type=args.type, types=", ".join(calendar.YEAR_FIELDS))
        try:
            filters.update(calendar.year_filters(args.type, args.year))
        except ValueError:
            raise UsageError("cli.bad_school_year", year=args.year) from None
    rows = sorted(ledger.query(args.type, text=args.text, **filters), key=lambda r: r["id"])
    if args.limit:
        rows = rows[: args.limit]
    if output.JSON:
        data(rows)
    else:
        output.table([[r["id"], label(r, ledger)] for r in rows], [i18n.t("cli.col_id"), i18n.t("cli.col_record")],
                     wrap=(1,))
        output.err(i18n.t("cli.count", count=len(rows)))
    output.unreadable(ledger, args.type)
    return 0


def assign(record: dict, path: str, value: Any) -> None:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in path.replace("[", ".").replace("]", "").split(".")]
    node: Any = record
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(node, list):
            if not isinstance(part, int) or part >= len(node):
                raise UsageError("cli.bad_path", path=path)
            node = node[part]
        else:
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last > len(node):
            raise UsageError("cli.bad_path", path=path)
        if last == len(node):
            node.append(value)
        else:
            node[last] = value
    elif value is None:
        node.pop(last, None)
    else:
        node[last] = value


def cmd_set(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    base = ledger.version(args.id)
    record = ledger.get(args.id)
    for item in args.assignments:
        field, sep, value = item.partition("=")
        if not sep or not field or field in ("id", "type"):
            raise UsageError("cli.bad_assignment", item=item)
        field = fieldnames.resolve(ledger.schemas(), record["type"], field.strip())
        if field in ("id", "type"):
            raise UsageError("cli.bad_assignment", item=item)
        assign(record, field, parse_value(value) if value != "" else None)
    if args.adjust or args.approver:
        # a locked record (an inspected plan, a closed term, an approved payment batch or its payments):
        # the change goes with an adjustment record
        if not (args.adjust and args.approver):
            raise UsageError("cli.set_adjust_both")
        saved = adjustments.adjust(ledger, [Change(args.id, record, base)], reason=args.adjust, approver=args.approver,
                             date=clock.today().isoformat())
        report_saved(saved, ledger)
        return 0
    return _save_edit(ledger, record, base)


def _save_edit(ledger: Ledger, record: dict, base: str | None, keep: bool = False) -> int:
    """Save an edit that started from version `base`. Another's change made meanwhile stays:
    fields the user did not touch take it; fields both changed are shown, theirs and mine,
    and nothing is saved (exit 3) until the user chooses (`bangfu set` with the value)."""
    from store.sync.rebase import Rebased, save
    outcome = save(ledger, record, base)
    if not isinstance(outcome, Rebased):
        report_saved([outcome], ledger)
        return 0
    if outcome.theirs is None:
        raise RecordNotFound(record=record["id"])
    fields = [{"field": show_path(c.path), "theirs": _value(c.theirs), "mine": _value(c.mine)}
              for c in outcome.conflicts]
    kept, masked = _keep(ledger, record, record["id"]) if keep else (None, False)
    if output.JSON:
        data({"error": "error.both_changed", "id": record["id"], "fields": fields,
              **({"kept": str(kept)} if kept else {})})
    else:
        output.err(i18n.t("cli.both_changed", record=record["id"], count=len(fields)))
        for f in fields:
            output.err(i18n.t("cli.both_changed_field", field=f["field"], theirs=fm.show(None, f["theirs"]),
                              mine=fm.show(None, f["mine"])))
        if kept:
            _say_kept("cli.edit_kept", kept, masked)
    return 3


def cmd_edit(args: argparse.Namespace) -> int:
    """Open the record in $EDITOR; on a mistake reopen it with the errors on top. What was
    typed is kept in a file until it is saved (its path is printed if it cannot be)."""
    from store.io.editor import edit_json, editor_command

    ledger = open_ledger(args, write=True)
    base = ledger.version(args.id)
    original = ledger.get(args.id)
    if editor_command() is None:
        output.err(i18n.t("cli.edit_in_vi"))   # no $EDITOR and no nano: vi, and how to leave it

    def problems(candidate: dict) -> list[str]:
        if candidate.get("id") != args.id:
            return [i18n.t("cli.edit_id_changed", record=args.id)]
        return [f.text() for f in ledger.check(candidate) if f.level == "error"]

    edited = edit_json(original, problems)
    if edited.kept is not None:
        _say_kept("cli.edit_kept", edited.kept, edited.masked)
        return 1
    if edited.record is None or edited.record == original:
        output.err(i18n.t("cli.edit_unchanged", record=args.id))
        return 0
    try:
        return _save_edit(ledger, edited.record, base, keep=True)
    except BangfuError as exc:
        kept = _keep(ledger, edited.record, args.id)
        output.err(output.named(exc, ledger))
        _say_kept("cli.edit_kept", *kept)
        return exc.exit_code


def _value(value: Any) -> Any:
    return None if value is MISSING else value


def _keep(ledger: Ledger, record: dict | list, rid: str) -> tuple[Path, bool]:
    """What the user typed, kept in a file only they can read: (its path, whether identifiers in
    it were masked). A clear ID number is never written to disk, not even for its typist."""
    from store.privacy.protect import masked_for_keeping

    schemas = ledger.schemas()
    kept = [masked_for_keeping(r, schemas) for r in record] if isinstance(record, list) else \
        masked_for_keeping(record, schemas)
    fd, name = tempfile.mkstemp(prefix=f"bangfu-{rid}-", suffix=".json")
    with os.fdopen(fd, "wb") as fh:
        fh.write(canonical.dumps(kept))
    return Path(name), kept != record


def _say_kept(key: str, path: Path, masked: bool) -> None:
    output.err(i18n.t(key, path=path))
    if masked:
        output.err(i18n.t("cli.kept_masked"))


REFERRERS_SHOWN = 30


def cmd_rm(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True)
    try:
        saved = ledger.delete(args.id, reason=args.reason)
    except Referenced as exc:
        if output.JSON:
            raise
        from store.rules.referring import referring

        found = referring(ledger, args.id)
        doc = ledger.index.get(args.id) or {}
        output.err(i18n.t("cli.rm_referenced", label=label(doc, ledger) if doc else args.id, count=len(found)))
        for referrer in found[:REFERRERS_SHOWN]:
            output.err("  " + referrer.line())
        if len(found) > REFERRERS_SHOWN:
            output.err("  " + i18n.t("forms.delete.more", count=len(found) - REFERRERS_SHOWN))
        return exc.exit_code
    if output.JSON:
        data({"id": saved.id, "commit": saved.commit})
    else:
        out(i18n.t("cli.deleted", record=saved.id, commit=(saved.commit or "")[:10]))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    ledger = open_ledger(args)
    located = [(None, f) for f in check_tip(ledger)]
    if args.history:
        located = [(loc.commit, loc.finding) for loc in check_history(ledger)]
        located += [(None, f) for f in check_tip(ledger) if f.rule.startswith("verify.")]
    bad = [x for x in located if x[1].level == "error"]
    if output.JSON:
        data({"ok": not bad, "findings": [{**f.as_json(), "commit": c} for c, f in located]})
    else:
        for commit, f in located:
            out((f"{commit[:10]} " if commit else "") + f.text())
        out(i18n.t("cli.validate_ok" if not bad else "cli.validate_bad", records=ledger.count(),
                   errors=len(bad), warnings=len(located) - len(bad)))
    return 0 if not bad else 1


def cmd_log(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    entries = ledger.history(args.id, limit=args.limit or None) if args.id else ledger.log(limit=args.limit or None)
    if output.JSON:
        data(entries)
        return 0
    for e in entries:
        # A commit without an Action trailer was made by hand, not with bangfu: say so.
        actions = e["trailers"].get("Action", [])
        action = action_words(actions)
        reason = ",".join(e["trailers"].get("Reason", []))
        # in the reader's words, as the dashboard's history shows it
        title = readable(e["title"], actions[0] if actions else "")
        if reason:
            title = i18n.t("changes.with_reason", message=title, reason=reason)
        out(f"{e['commit'][:10]}  {e['date'][:19].replace('T', ' ')}  {e['author']}  [{action}]  {title}")
    return 0


def cmd_fmt(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=not args.check)
    # A number written as 36800.0 or 3.68e4 where a whole number belongs is kept as written by
    # the canonical form: fmt cannot know it was meant as one, so it names it and changes nothing.
    schemas = ledger.schemas()
    unfit = [f for _rid, doc in sorted(ledger.index.docs.items()) for f in schemas.check(doc)
             if f.rule == "schema.integer"]
    if unfit:
        for f in unfit:
            output.err(f.text())
        output.err(i18n.t("cli.fmt_numbers", count=len(unfit)))
        return 1
    wrong = [rid for rid, doc in sorted(ledger.index.docs.items())
             if canonical.blob_id(canonical.dumps(doc)) != ledger.index.blobs[rid]]
    if args.check or not wrong:
        for rid in wrong:
            out(i18n.t("verify.not_canonical", path=ids.path_of(rid, ledger.layout)))
        out(i18n.t("cli.fmt_count", count=len(wrong)))
        return 1 if wrong and args.check else 0
    changes = [Change(rid, ledger.get(rid), ledger.version(rid)) for rid in wrong]
    saved = ledger.commit(changes, action="fmt", message=f"ledger: fmt {i18n.counted(len(changes), 'record')}")
    out(i18n.t("cli.fmt_done", count=len(changes), commit=(saved[0].commit or "")[:10]))
    return 0


def cmd_upgrade_layout(args: argparse.Namespace) -> int:
    """Every record to the newest folder layout in one commit that changes none (issue 18: at a
    million records the old folders made each sync rewrite big trees)."""
    from store.sync import hub

    ledger = open_ledger(args, write=True, keys=False)
    commit, count = hub.upgrade_layout(ledger)
    if output.JSON:
        data({"format": ledger.layout, "records": count, "commit": commit})
    elif commit is None:
        out(i18n.t("cli.upgrade_layout_none", format=ledger.layout))
    else:
        out(i18n.t("cli.upgrade_layout_done", count=count, format=ledger.layout, commit=commit[:10]))
    return 0


def cmd_schema_upgrade(args: argparse.Namespace) -> int:
    """The one way schemas change in a ledger shared between sites: every record is checked
    against the new schemas first, then one commit the hub and the other sites accept."""
    from store.aid import upgrade
    from store.sync import hub
    from store.rules.schema import PROJECT_SCHEMAS

    folder = Path(args.folder) if args.folder else PROJECT_SCHEMAS
    if not folder.is_dir() or not any(folder.glob("*.json")):
        raise UsageError("cli.schema_upgrade_empty", folder=str(folder))
    ledger = open_ledger(args, write=True, keys=False)
    version = int(ledger.config.get("schema_version", 1))
    changed = hub.schema_changes(ledger, folder)
    if not changed:
        if output.JSON:
            data({"schema_version": version, "changed": [], "commit": None})
        else:
            out(i18n.t("cli.schema_upgrade_none", version=version))
        return 0
    # From version 1 the records gain what version 2 adds (store/aid/upgrade.py), in the same commit.
    records = upgrade.data_step(ledger, clock.today()) if version < 2 else []
    commit = hub.schema_upgrade(ledger, folder, note=args.note, records=records)
    if output.JSON:
        data({"schema_version": version + 1, "changed": changed, "records": [r["id"] for r in records], "commit": commit})
    else:
        out(i18n.t("cli.schema_upgrade_done", version=version + 1, files="、".join(changed), commit=commit[:10]))
        if records:
            out(i18n.t("aid.upgrade.records", count=len(records)))
    return 0
