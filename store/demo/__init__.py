"""The demo ledger built from the seed documents (records/, shipped with the package; build) and
synthetic ledgers of any size for the benches (generate).

The top layer: it may import every other."""
