"""Commands of the audit trail: diff, blame, changes, audit, signing, close-term.

`bangfu log ID` (in cmd_records) lists a record's versions; these show what each
version changed, who set each field, what changed in a period, and whether the
history can be trusted.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from store.history import audit, blame, changes
from store.core import canonical, i18n, ids
from store.core.describe import action_words, readable
from store.ledger import signing
from store.history.changes import describe, shown
from store.core.errors import BangfuError, UsageError
from store.core.findings import dotted
from store.ledger.gitstore import GitFailed

from . import output
from .commands import command
from .cmd_records import open_ledger
from .output import data, out


def register(sub: argparse._SubParsersAction) -> None:
    t = i18n.t
    p = command(sub, "diff", "audit.cli.diff")
    p.add_argument("id", help=t("cli.record_id"))
    p.add_argument("rev1", nargs="?", help=t("audit.cli.diff_rev1"))
    p.add_argument("rev2", nargs="?", help=t("audit.cli.diff_rev2"))
    p.set_defaults(handler=cmd_diff)

    p = command(sub, "blame", "audit.cli.blame")
    p.add_argument("id", help=t("cli.record_id"))
    p.set_defaults(handler=cmd_blame)

    p = command(sub, "changes", "audit.cli.changes")
    p.add_argument("--since", help=t("audit.cli.since"))
    p.add_argument("--until", help=t("audit.cli.until"))
    p.add_argument("--author", help=t("audit.cli.author"))
    p.add_argument("--type", action="append", default=[], choices=ids.RECORD_TYPES, metavar="TYPE",
                   help=t("audit.cli.type"))
    p.add_argument("--format", choices=("text", "json", "md"), default=None, help=t("audit.cli.format"))
    p.set_defaults(handler=cmd_changes)

    p = command(sub, "audit", "audit.cli.audit")
    p.add_argument("--since", help=t("audit.cli.audit_since"))
    p.add_argument("--format", choices=("text", "json"), default=None, help=t("audit.cli.audit_format"))
    p.add_argument("--strict", action="store_true", help=t("audit.cli.audit_strict"))
    p.add_argument("--kind", action="append", default=[], choices=audit.KINDS, metavar="KIND",
                   help=t("audit.cli.audit_kind", kinds=", ".join(audit.KINDS)))
    p.add_argument("--accept-rewrite", action="store_true", help=t("audit.cli.audit_accept"))
    p.add_argument("--no-remember", action="store_true", help=t("audit.cli.audit_no_remember"))
    p.set_defaults(handler=cmd_audit)

    p = command(sub, "signing", "audit.cli.signing")
    s = p.add_subparsers(dest="signing_command", metavar="COMMAND", required=True, parser_class=type(p))
    q = command(s, "enable", "audit.cli.signing_enable")
    q.add_argument("--key", required=True, help=t("audit.cli.signing_key"))
    q.add_argument("--principal", help=t("audit.cli.signing_principal"))
    q.set_defaults(handler=cmd_signing_enable)
    q = command(s, "add", "audit.cli.signing_add")
    q.add_argument("principal", help=t("audit.cli.signing_principal"))
    q.add_argument("pubkey", help=t("audit.cli.signing_pubkey"))
    q.set_defaults(handler=cmd_signing_add)
    q = command(s, "status", "audit.cli.signing_status")
    q.set_defaults(handler=cmd_signing_status)

    p = command(sub, "close-term", "audit.cli.close_term")
    p.add_argument("term", help=t("audit.cli.close_term_term"))
    p.set_defaults(handler=cmd_close_term)


def _json(args: argparse.Namespace) -> bool:
    return output.JSON or getattr(args, "format", None) == "json"


def _commit_line(commit: changes.Commit, did: str) -> str:
    actions = commit.trailers.get("Action", [])
    title = readable(commit.title, actions[0] if actions else "")
    return f"{commit.sha[:10]}  {commit.when}  {commit.author}  [{action_words(actions, did)}]  {title}"


def _worth_showing(change) -> list:
    """A new or deleted record's fields without its id, type and schema version (the line above says them)."""
    if change.action == "edit":
        return change.fields
    return [fc for fc in change.fields if fc.path not in (("id",), ("type",), ("schema_version",))]


def _field_lines(schemas, rtype: str, fields, names: changes.Names, indent: str = "  ",
                 record: dict | None = None) -> list[str]:
    lines = []
    for fc in fields:
        title, old, new = describe(schemas, rtype, fc, names, record)
        lines.append(indent + i18n.t("changes.field_line", title=title, old=old, new=new))
    return lines


# -- diff / blame ------------------------------------------------------------------------------

def cmd_diff(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    rid = ids.check_id(args.id)
    old, new, fields, version = blame.compare(ledger, rid, args.rev1, args.rev2)
    schemas = ledger.schemas()
    if _json(args):
        data({"record": rid, "from": args.rev1, "to": args.rev2 or (None if version else ledger.tip),
              "commit": version.commit.sha if version else None,
              "fields": [changes.field_json(schemas, ids.type_of(rid), fc, changes.names_in(ledger), new or old)
                         for fc in fields]})
        return 0
    out(rid)
    if version is not None:
        out(_commit_line(version.commit, version.action))
    else:
        out(i18n.t("changes.diff_head", record=rid, old=args.rev1, new=args.rev2 or ledger.tip[:10]))
    if not fields:
        out(i18n.t("changes.unchanged", record=rid))
    for line in _field_lines(schemas, ids.type_of(rid), fields, changes.names_in(ledger), record=new or old):
        out(line)
    return 0


def cmd_blame(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    rid = ids.check_id(args.id)
    rows = blame.blame(ledger, rid)
    schemas = ledger.schemas()
    rtype = ids.type_of(rid)
    names = changes.names_in(ledger)
    record = {b.path[0]: b.value for b in rows if len(b.path) == 1}    # (the version blamed, its top fields)
    if _json(args):
        data([{"field": dotted(b.path), "title": changes.title_of(schemas, rtype, b.path),
               "value": b.value, "text": shown(schemas, rtype, b.path, b.value, names, record),
               "commit": b.version.commit.sha if b.version else None,
               "author": b.version.commit.author if b.version else None,
               "date": b.version.commit.date if b.version else None} for b in rows])
        return 0
    table = []
    for b in rows:
        v = b.version
        table.append([changes.title_of(schemas, rtype, b.path),
                      shown(schemas, rtype, b.path, b.value, names, record).replace("\n", " "),
                      v.commit.sha[:10] if v else i18n.t("changes.before_history"),
                      v.commit.author if v else "", v.commit.day if v else ""])
    output.table(table, [i18n.t("changes.col_field"), i18n.t("changes.col_value"), i18n.t("changes.col_commit"),
                         i18n.t("changes.col_author"), i18n.t("changes.col_time")], fit=(1, 0), from_end=(0,))
    return 0


# -- changes -----------------------------------------------------------------------------------

def cmd_changes(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    found = changes.report(ledger, since=args.since, until=args.until, author=args.author, types=args.type)
    schemas = ledger.schemas()
    names = changes.names_in(ledger)
    fmt = "json" if _json(args) else (args.format or "text")
    if fmt == "json":
        data([changes.as_json(c, schemas, names) for c in found])
        return 0
    if fmt == "md":
        _markdown(found, schemas, args.since, ledger)
        return 0
    # (a commit that changed the ledger's settings, a term closed, changes no record: said where it falls)
    settings = [] if args.type else changes.settings_report(ledger, since=args.since, until=args.until,
                                                            author=args.author)
    commits = len({c.commit.sha for c in found} | {c.sha for c, _s in settings})
    last = None
    for c in found:
        while settings and settings[0][0].time < c.commit.time and settings[0][0].sha != c.commit.sha:
            _setting_lines(*settings.pop(0))
        if c.commit.sha != last:
            out(_commit_line(c.commit, c.action))
            last = c.commit.sha
        what = i18n.t(f"audit.action.{c.action}")
        out(f"  {changes.record_heading(c, ledger)}  [{what}]")
        for line in _field_lines(schemas, c.type, _worth_showing(c), names, "    ", c.new or c.old):
            out(line)
    for commit, lines in settings:
        _setting_lines(commit, lines, commit.sha == last)
    output.err(i18n.t("changes.count", commits=commits, records=len(found)) if commits else i18n.t("changes.none"))
    return 0


def _setting_lines(commit: changes.Commit, lines: list[tuple[str, str, str]], shown: bool = False) -> None:
    if not shown:
        out(_commit_line(commit, ""))
    out(f"  {i18n.t('audit.settings')}")
    for title, old, new in lines:
        out("    " + i18n.t("changes.field_line", title=title, old=old, new=new))


def _md(text: str) -> str:
    """A value inside a Markdown table cell: record text is data, never markup."""
    text = " ".join(str(text).split())
    for ch in "\\`*_{}[]<>()#+!|~":
        text = text.replace(ch, "\\" + ch)
    return text


def _markdown(found, schemas, since: str | None, ledger) -> None:
    names = changes.names_in(ledger)
    if since and len(since) == 40 and all(ch in "0123456789abcdef" for ch in since):
        since = since[:10]
    span = i18n.t("changes.range_since", since=since) if since else i18n.t("changes.range_all")
    out(f"# {_md(i18n.t('changes.title_md', range=span))}")
    out("")
    head = ["col_time", "col_commit", "col_author", "col_record", "col_action", "col_field", "col_old", "col_new"]
    out("| " + " | ".join(i18n.t(f"changes.{h}") for h in head) + " |")
    out("|" + "---|" * len(head))
    for c in found:
        action = i18n.t(f"audit.action.{c.action}")
        rows = [describe(schemas, c.type, fc, names, c.new or c.old) for fc in _worth_showing(c)] or [("", "", "")]
        for title, old, new in rows:
            cells = [c.commit.when, f"`{c.commit.sha[:10]}`", _md(c.commit.author),
                     _md(changes.record_heading(c, ledger)), action, _md(title), _md(old), _md(new)]
            out("| " + " | ".join(cells) + " |")


# -- audit -------------------------------------------------------------------------------------

def cmd_audit(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    result = audit.run(ledger, args.since, remember=not args.no_remember, accept_rewrite=args.accept_rewrite)
    if not ledger.git.has_commit_graph():
        ledger.git.write_commit_graph()   # a fresh clone: make record histories fast from now on
    _export_signers(ledger)
    findings = [f for f in result.findings if not args.kind or f.kind in args.kind]
    failed = any(f.level == "error" or args.strict for f in findings)
    if _json(args):
        data({"ok": not failed, "tip": result.tip, "since": result.since, "commits": result.commits,
              "signers": result.signers, "findings": [f.as_json() for f in findings]})
        return 1 if failed else 0
    for f in findings:
        out(f.text())
    for signer, count in sorted(result.signers.items()):
        out(i18n.t("audit.signed_by", signer=signer, count=count))
    errors = sum(1 for f in findings if f.level == "error")
    summary = i18n.t("audit.clean", commits=result.commits) if not findings else \
        i18n.t("audit.found", errors=errors, warnings=len(findings) - errors, commits=result.commits)
    if changes.is_date(args.since):
        summary += i18n.t("audit.since_date", since=args.since)
    elif result.since:
        summary += i18n.t("audit.since", since=result.since[:10])
    out(summary)
    return 1 if failed else 0


# -- signing -----------------------------------------------------------------------------------

def _signers_file(ledger) -> bytes:
    blob = ledger.git.lookup(ledger.git.commit_tree(ledger.tip), signing.ALLOWED_SIGNERS)
    return ledger.git.read_blob(blob) if blob else b""


def _add_signer(ledger, principal: str, pubkey: str) -> str | None:
    """Commit allowed_signers with the key added; None when it was there already."""
    if not principal or any(c.isspace() for c in principal):
        raise UsageError("audit.error.bad_principal", principal=principal)
    current = _signers_file(ledger)
    if any(p == principal and k == pubkey for p, k in signing.parse_signers(current)):
        return None
    text = current.decode("utf-8", "replace")
    if text and not text.endswith("\n"):
        text += "\n"
    text += signing.signer_line(principal, pubkey) + "\n"
    return ledger.commit_files({signing.ALLOWED_SIGNERS: text.encode("utf-8")}, f"signing: allow {principal}",
                               {"Action": "signing", "Signer": principal, "Site": ledger.site})


def _pubkey(path: str) -> str:
    try:
        return signing.public_key(path)
    except FileNotFoundError:
        raise UsageError("audit.error.no_key", keyfile=path) from None


def cmd_signing_enable(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True, keys=False)
    key = str(Path(args.key).expanduser().resolve())
    pubkey = _pubkey(key)
    principal = args.principal or ledger.author().email
    try:  # prove the key signs before the ledger starts to require it
        signing.sign(b"bangfu", key)
    except signing.SigningFailed as exc:
        raise BangfuError("audit.error.sign_failed", keyfile=key, detail=exc.detail) from None
    store = ledger.git
    for name, value in (("gpg.format", "ssh"), ("user.signingKey", key), ("bangfu.requireSigned", "true")):
        store.set_config(name, value)
    commit = _add_signer(ledger, principal, pubkey)
    _export_signers(ledger)
    out(i18n.t("audit.done.signing_enabled", principal=principal, keytype=pubkey.split()[0],
               commit=(commit or ledger.tip)[:10]))
    return 0


def _export_signers(ledger) -> None:
    """A copy of the ledger's allowed_signers for plain `git verify-commit` / `git log --show-signature`
    (a copy that cannot write it, read-only, still has bangfu's own checks)."""
    signers = _signers_file(ledger)
    if not signers:
        return
    path = ledger.git.gitdir / "bangfu" / "allowed_signers"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(signers)
        ledger.git.set_config("gpg.ssh.allowedSignersFile", str(path))
    except (OSError, GitFailed):
        pass


def cmd_signing_add(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True, keys=False)
    commit = _add_signer(ledger, args.principal, _pubkey(args.pubkey))
    if commit is None:
        out(i18n.t("audit.done.signer_present", principal=args.principal))
    else:
        _export_signers(ledger)
        out(i18n.t("audit.done.signer_added", principal=args.principal, commit=commit[:10]))
    return 0


def cmd_signing_status(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, keys=False)
    store = ledger.git
    _export_signers(ledger)
    signers = signing.parse_signers(_signers_file(ledger))
    verdict = None
    if signers:
        letter, signer, fingerprint = signing.verify(store, [ledger.tip], _signers_file(ledger)).get(
            ledger.tip, ("E", "", ""))
        verdict = i18n.t("audit.done.good", signer=signer) if letter == "G" else \
            i18n.t(audit._SIG_KEYS.get(letter, "audit.sig_unchecked"), fingerprint=fingerprint or "—", letter=letter)
    if _json(args):
        data({"required_here": signing.required(store), "key": signing.key_of(store),
              "allowed_signers": [{"principal": p, "key": k} for p, k in signers], "tip": ledger.tip,
              "tip_verdict": verdict})
        return 0
    state = i18n.t("audit.done.on" if signing.required(store) else "audit.done.off")
    out(i18n.t("audit.done.status_required", state=state, keyfile=signing.key_of(store) or "—"))
    if signers:
        out(i18n.t("audit.done.status_signers", count=len(signers)))
        for principal, key in signers:
            out(f"  {principal}  {key[:40]}…")
        out(i18n.t("audit.done.status_tip", commit=ledger.tip[:10], verdict=verdict))
    else:
        out(i18n.t("audit.done.status_none"))
    return 0


# -- closing a term ----------------------------------------------------------------------------

def cmd_close_term(args: argparse.Namespace) -> int:
    ledger = open_ledger(args, write=True, keys=False)
    if audit.term_end(args.term) is None:
        raise UsageError("audit.error.bad_term", term=args.term)
    config = dict(ledger.config)
    config["closed_through"] = args.term
    commit = ledger.commit_files({audit.CONFIG_FILE: canonical.dumps(config)}, f"ledger: close term {args.term}",
                                 {"Action": "close-term", "Term": args.term, "Site": ledger.site})
    if _json(args):
        data({"term": args.term, "commit": commit})
    else:
        out(i18n.t("audit.done.term_closed", term=args.term, commit=commit[:10]))
    return 0

