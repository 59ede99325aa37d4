"""The history as the audit trail: commits read field by field (changes), who last set each field
(blame), the audit of the whole history or of what is new since the last one (audit), and checking the
tip or every commit against the schemas of its time (verify).

It reads git through store.ledger and may import every layer up to store.figures; never store.sync."""
