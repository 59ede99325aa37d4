"""The ledger itself: git objects written in-process (gitstore), the Ledger that checks a record and
commits it with a compare-and-swap of the branch (ledger), the extension points the layers above plug
into (hooks: sealing identifiers, setting up sync), the index that answers queries (a cache keyed by
the tree id), the text search, remembered figures (memo) and commit signing.

It may import store.core and store.rules; what it must ask of the layers above goes through hooks."""
