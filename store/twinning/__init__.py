"""School twinning as inspectors count it: the school calendar, targets and what counts toward them,
secondments by school year, measured targets, inspections and the locks they set.

Above the privacy layer, below the figures that show it: it may import store.core, store.rules,
store.ledger and store.privacy."""
