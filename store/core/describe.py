"""One line that says what a record is, for commit messages and lists."""
from __future__ import annotations

import re
from typing import Callable, Iterable, Protocol

from store.core import i18n
from store.core.money import yuan


class Lookup(Protocol):
    def find(self, record_type: str, **equal: object) -> list[dict]: ...


def _get(ledger, record_id: str) -> dict | None:
    """A record by id from a ledger (its index) or from anything else with a `get`."""
    index = getattr(ledger, "index", None)
    return (ledger if index is None else index).get(record_id)


def name_of(record_id: object, ledger) -> str:
    """What a reference is called where it is shown: a school's short name, a student's or plan's
    name, a standard by its one-line description; the id itself when no record has it (deleted)."""
    if not isinstance(record_id, str) or not record_id:
        return ""
    doc = _get(ledger, record_id)
    if not doc:
        return record_id
    return str(doc.get("short_name") or doc.get("name") or doc.get("title") or label(doc, ledger))


def school_name(school_id: str | None, ledger) -> str:
    if not school_id:
        return "?"
    doc = _get(ledger, school_id)
    if not doc:
        return school_id
    return doc.get("short_name") or doc.get("name") or school_id


def label(record: dict, ledger, word: Callable[[object], str] | None = None) -> str:
    """The record in one line. `word` shows its enumerated values (送教下乡, 小学): by default in the
    reader's language; a commit title keeps them as stored (`summary`)."""
    word = word or i18n.value
    money = (lambda fen: f"{yuan(fen)}元") if word("元") == "元" else (lambda fen: f"{yuan(fen)} yuan")
    t = record.get("type")
    if t == "visit":
        host = school_name(record.get("host_school"), ledger)
        guest = record.get("visiting_school")
        route = f"{school_name(guest, ledger)} → {host}" if guest else host
        return f"{record.get('date', '?')} {word(record.get('kind', '?'))} {route}"
    if t == "plan":
        return str(record.get("title", record.get("id")))
    if t == "school":
        return str(record.get("name", record.get("id")))
    if t == "student":
        return f"{record.get('name', '?')} {school_name(record.get('school'), ledger)} {record.get('grade', '')}".strip()
    if t == "aid":
        student = _get(ledger, record.get("student", ""))
        who = student.get("name") if student else record.get("student", "?")
        return (f"{who} {word(record.get('programme', '?'))} {record.get('term', '?')} "
                f"{money(int(record.get('amount_fen', 0)))}")
    if t == "standard":
        board = {True: word("寄宿"), False: word("走读")}.get(record.get("boarding"), "")
        level = f" {record['level']}" if record.get("level") else ""
        valid = f"{record.get('valid_from', '?')}—{record.get('valid_to', '')}"   # (two alike standards differ here)
        stage = word(record.get("stage", "")) if record.get("stage") else ""
        sep = "" if word("寄宿") == "寄宿" else " "
        return (f"{word(record.get('programme', '?'))} {stage}{sep if stage and board else ''}{board}{level} "
                f"{money(int(record.get('amount_fen', 0)))}/{word(record.get('unit', '?'))} {valid}")
    if t == "recognition":
        student = _get(ledger, record.get("student", ""))
        who = student.get("name") if student else record.get("student", "?")
        return f"{who} {record.get('school_year', '?')} {word('困难认定')}"
    if t == "posting":
        return f"{school_name(record.get('school'), ledger)} {record.get('school_year', '?')} {word('公示')} " \
               f"{record.get('start', '?')}—{record.get('end', '?')}"
    if t == "sponsorship":
        student = _get(ledger, record.get("student", ""))
        who = student.get("name") if student else record.get("student", "?")
        return f"{record.get('sponsor', '?')} → {who} {money(int(record.get('amount_fen', 0)))}/{word(record.get('unit', '?'))}"
    if t == "unit":
        return str(record.get("name", record.get("id")))
    if t == "teacher":
        return f"{record.get('name', '?')} {school_name(record.get('school'), ledger)}"
    if t == "calendar":
        return f"{word('校历')} {record.get('term', '?')}"
    if t == "batch":
        entries = record.get("entries") if isinstance(record.get("entries"), list) else []
        total = sum(e.get("amount_fen", 0) for e in entries if isinstance(e, dict) and type(e.get("amount_fen")) is int)
        where = school_name(record.get("school"), ledger) if record.get("school") else "*"
        return f"{where} {record.get('term', '?')} {word(record.get('programme', '?'))} ×{len(entries)} {money(total)}"
    if t == "event":
        return f"{word(record.get('action', '?'))} {record.get('subject', '')}".strip()
    if t == "adjustment":   # (its reason is what tells one from another)
        reason = " ".join(str(record.get("reason", "")).split())
        return f"{record.get('date', '?')} {reason if len(reason) <= 40 else reason[:39] + '…'}".strip()
    if t == "measurement":
        what = indicator(record, ledger, word)
        period = record.get("period") if isinstance(record.get("period"), dict) else {}
        where = school_name(record.get("school"), ledger) if record.get("school") else ""   # (a plan's own)
        return (f"{where} {what} {record.get('value', '?')} {word(record.get('unit', ''))} "
                f"{period.get('start', '?')}—{period.get('end', '?')}").strip()
    if t == "inspection":
        plan = _get(ledger, record.get("plan", ""))
        return f"{record.get('date', '?')} {(plan or {}).get('title') or record.get('plan', '?')} {word(record.get('result', ''))}".strip()
    return str(record.get("id", "?"))


def indicator(measurement: dict, ledger, word: Callable[[object], str] | None = None) -> str:
    """What a measurement measures, as its plan's target says it (教师优课率达30%; a target without
    words of its own by its metric, 辍学率); its 指标代号 itself when the plan has no such target."""
    word = word or i18n.value
    plan = _get(ledger, measurement.get("plan", "")) if isinstance(measurement.get("plan"), str) else None
    target = next((x for x in (plan or {}).get("targets") or []
                   if isinstance(x, dict) and x.get("key") == measurement.get("target")), {})
    return str(target.get("text") or word(target.get("metric") or measurement.get("target", "?")))


def indicator_code(measurement: dict, ledger) -> str:
    """A measurement's 指标代号 where it is shown as a field: the target's words with the code beside
    (the code is what `bangfu set` and an import take)."""
    code = str(measurement.get("target", "?"))
    name = indicator(measurement, ledger)
    return code if name == code else i18n.t("describe.indicator", name=name, code=code)


INDICATORS = {("measurement", ("target",)), ("inspection", ("findings", "target"))}   # (type, path without list positions)


def indicator_field(record: dict, path: tuple, value: object, ledger) -> str | None:
    """A 指标代号 where a record shows it as a field (a measurement's target, the target of one of an
    inspection's findings) as `indicator_code` says it, the plan's words with the code beside; None
    for any other field."""
    if not isinstance(value, str) or (record.get("type"), tuple(p for p in path if not isinstance(p, int))) \
            not in INDICATORS:
        return None
    return indicator_code({"plan": record.get("plan"), "target": value}, ledger)


def indicators_named(record: dict, ledger) -> dict:
    """The record with each 指标代号 it holds as `indicator_field` says it (its fields as shown to a
    person); a record without one as it is."""
    if record.get("type") == "measurement" and isinstance(record.get("target"), str):
        return {**record, "target": indicator_field(record, ("target",), record["target"], ledger)}
    if record.get("type") == "inspection" and isinstance(record.get("findings"), list):
        return {**record, "findings": [
            {**item, "target": indicator_field(record, ("findings", n, "target"), item["target"], ledger)}
            if isinstance(item, dict) and isinstance(item.get("target"), str) else item
            for n, item in enumerate(record["findings"])]}
    return record


def summary(record: dict, action: str, ledger) -> str:
    """A commit's title: the same in every language (the history is read by all)."""
    return f"{record.get('type', '?')}: {action} {label(record, ledger, word=str)}"


def readable(title: str, action: str = "") -> str:
    """A commit's title as a reader of the dashboard's language reads it: the record types and the
    action its trailers name in their words (`aid: add 张小花 …` → `资助 新增 张小花 …`); the rest is
    the record's own line. A title Bangfu did not write stays as it is."""
    head, sep, rest = title.partition(": ")
    types = head.split("/")
    if not sep or not all(i18n.has(f"audit.rtype.{t}") for t in types):
        return title
    words = "、".join(i18n.t(f"audit.rtype.{t}") for t in types) if i18n.lang() == "zh" else \
        "/".join(i18n.t(f"audit.rtype.{t}") for t in types)
    first, _, after = rest.partition(" ")
    if action and "-" in action and rest.startswith(action.replace("-", " ") + " "):
        first, after = action, rest[len(action) + 1:]      # (`ledger: close term 2025-2026-2`)
    if action and first == action and i18n.has(f"audit.trailer.{action}"):
        many = re.fullmatch(r"(\d+) records?(?: from (.+))?", after)
        if many:
            count, source = int(many.group(1)), many.group(2)
            after = i18n.t("audit.records_from", count=count, source=source) if source else \
                i18n.t("audit.records", count=count)
        merged = re.fullmatch(r"(.+): (\d+) records? in, (\d+) conflicts?", after) if action == "merge" else None
        if merged:   # (store/sync/integrate.py's title)
            after = i18n.t("audit.merged", remote=merged.group(1), records=int(merged.group(2)),
                           conflicts=int(merged.group(3)))
        if action == "resolve" and after.startswith("conflict "):   # (store/sync/conflicts.py's title)
            resolved, taken = after[len("conflict "):], _TAKEN.search(after)
            if taken:   # field by field: which field took which site's value, or one typed
                resolved = resolved[:taken.start() - len("conflict ")]
                fields = i18n.listing(i18n.t("audit.resolved_typed", field=name) if site == "typed" else
                                      i18n.t("audit.resolved_side", field=name, site=site)
                                      for name, site in _TAKEN_ONE.findall(taken.group(1)))
                after = i18n.t("audit.resolved_fields", label=resolved, fields=fields)
            else:
                after = i18n.t("audit.resolved", label=resolved)
        did = i18n.t(f"audit.trailer.{action}")
        # (a notice's step and its record share a word: 公示：公示 … is read once)
        rest = after if [did] == [i18n.t(f"audit.rtype.{t}") for t in types] else f"{did} {after}".rstrip()
        approver = _APPROVED_BY.search(rest)
        if approver:
            rest = rest[:approver.start()] + ": " + i18n.t("audit.approved_by", name=approver.group(1))
    if i18n.lang() == "en":
        return f"{words}: {_in_english(rest)}"
    # what the step did follows the record's line (`…元: 移除 马国庆`), in Chinese after a full-width colon
    return f"{words}：{'：'.join(rest.rsplit(': ', 1))}"


def action_words(names: Iterable[str], did: str = "") -> str:
    """A commit's Action trailers in the reader's words. None: the commit was made by hand (with
    `did`, what it did to the record)."""
    words = i18n.listing(_action_word(a) for a in names)
    return words or (f"{_action_word(did)}/{i18n.t('changes.hand')}" if did else i18n.t("changes.hand"))


def _action_word(action: str) -> str:
    return i18n.t(f"audit.trailer.{action}") if i18n.has(f"audit.trailer.{action}") else action


# a conflict resolved field by field: `: notes=沙河二小, hours=typed` (store/sync/conflicts.py)
_TAKEN = re.compile(r": ((?:[\w.\[\]*-]+=[^,]+)(?:, [\w.\[\]*-]+=[^,]+)*)$")
_TAKEN_ONE = re.compile(r"([\w.\[\]*-]+)=([^,]+)")
# the approver a batch's approval names (store/aid/batches.py)
_APPROVED_BY = re.compile(r": by (\S.*)$")
_AMOUNT = re.compile(r"(-?\d[\d,]*\.\d\d)元")
_BOARDING = ("寄宿", "走读")


def _in_english(line: str) -> str:
    """A record's line of a commit title (written with stored values, `summary`) as `label` shows
    it in English: amounts in yuan, enumerated values in words; names and terms as written."""
    line = _AMOUNT.sub(r"\1 yuan", line)
    return " ".join("/".join(_value_word(part) for part in word.split("/")) for word in line.split(" "))


def _value_word(word: str) -> str:
    if i18n.has(f"value.{word}"):
        return i18n.value(word)
    # a standard's stage and boarding are written together (小学寄宿)
    stage = word.removesuffix(_BOARDING[0]).removesuffix(_BOARDING[1])
    if stage != word and i18n.has(f"value.{stage}"):
        return f"{i18n.value(stage)} {i18n.value(word[len(stage):])}"
    return word
