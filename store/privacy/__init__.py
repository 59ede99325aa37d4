"""Children's personal identifiers: the key file kept outside the repository (keystore), masking,
keyed hashes and sealing (protect), what the ledger does with them — attaching keys, sealing before a
write, reveal, erasure, key rotation (acts) — sealing identifiers an older ledger holds in clear
(migrate), and the public notice (notice), which shows no identifier at all.

It may import store.core, store.rules and store.ledger; it registers the sealing hook of the ledger."""
