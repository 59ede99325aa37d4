"""Every rule that reads another record is declared from that record's side too (store/rules/checks.py
DEPENDENT, READERS), so that a change of the record read re-checks its readers: a save, a merge and the
hub's check of a push refuse a change that would leave another record invalid. A merge relies on it
(store/sync/merge.settle sends back the changed record that its own check says breaks another).

Found by running every rule of every record of the demo ledger (a school year of the whole process)
over a ledger that writes down what each rule reads: which records, of which type, which of their
fields. A rule reading only what names a record (its name, title, type) reads nothing a change could
break: those records cannot go while named (the deletion check)."""
from __future__ import annotations

from collections import defaultdict

from store.rules import checks

NAMES = frozenset({"id", "type", "name", "short_name", "title"})

# Reads that need no declaration, and why.
UNDECLARED = {
    # One rule seen from both sides: the record changed is checked by the same rule and finds the other.
    ("aid", "aid"): "one payment per student, programme and term; payments out of one donation within its cash",
    ("student", "student"): "one record per person (the keyed hash of the ID number)",
    ("recognition", "recognition"): "one recognition per student and school year",
    ("calendar", "calendar"): "one calendar per term and county, terms not overlapping",
    ("standard", "standard"): "standards of one programme and situation not overlapping in time",
    # Read for a warning alone, which never stops a save or a merge.
    ("visit", "calendar"): "a secondment shorter than its kind asks, counted in school days (a warning)",
    ("visit", "school"): "the county of the host school, for its calendar (the same warning)",
}
# Rules read from one side only, knowingly (store/rules/checks.py ONE_SIDED says why).
ONE_SIDED = {("aid", "_aid_standard_missing", "standard")}


class Reading(dict):
    """A record that writes down the fields read of it."""

    def __init__(self, doc: dict, seen: set):
        super().__init__(doc)
        self.seen = seen

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)

    def _all(self):
        self.seen.add("*")

    def items(self):
        self._all()
        return super().items()

    def keys(self):
        self._all()
        return super().keys()

    def values(self):
        self._all()
        return super().values()

    def __iter__(self):
        self._all()
        return super().__iter__()


class Recording:
    """The ledger as the rules read it, writing down (type read, fields) for each read."""

    def __init__(self, ledger):
        self.ledger = ledger
        self.reads: dict[str, set] = defaultdict(set)

    def _reading(self, doc):
        if not isinstance(doc, dict):
            return doc
        return Reading(doc, self.reads[str(doc.get("type"))])

    def get(self, record_id):
        return self._reading(self.ledger.get(record_id))

    def find(self, type, **equal):
        self.reads[type].update(equal)
        return [self._reading(d) for d in self.ledger.find(type, **equal)]


def _reads(ledger) -> dict[tuple[str, str, str], set]:
    """(reader type, rule, type read) -> the fields the rule read of records of that type."""
    schemas = ledger.schemas()
    out: dict[tuple[str, str, str], set] = defaultdict(set)
    for record_type in sorted(set(checks.RULES) | {"aid", "student", "plan", "visit"}):
        for record in ledger.scan(record_type):
            for rule in checks.COMMON + checks.RULES.get(record_type, ()):
                if rule is checks._referrers_kept:   # the reverse check itself
                    continue
                source = Recording(ledger)
                list(rule(checks._Ctx(record, source, schemas), record))
                for read_type, fields in source.reads.items():
                    if read_type != "None" and fields - NAMES:
                        out[(record_type, rule.__name__, read_type)] |= fields - NAMES
    return out


def test_every_record_a_rule_reads_re_checks_its_reader_when_it_changes(demo):
    declared = {(reader, rule.__name__, read) for read, pairs in checks.DEPENDENT.items() for reader, rule in pairs}
    declared |= {(reader, rule.__name__, read) for read, triples in checks.READERS.items()
                 for reader, _finder, rule in triples}
    reads = _reads(demo)
    missing = {f"{reader} {rule} reads {read} ({', '.join(sorted(fields))})"
               for (reader, rule, read), fields in reads.items()
               if (reader, rule, read) not in declared | ONE_SIDED and (reader, read) not in UNDECLARED}
    assert missing == set()

