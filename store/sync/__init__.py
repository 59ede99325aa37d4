"""Sites exchanging changes: the three-way merge of records field by field (merge), conflicts kept in
the ledger until a person picks (conflicts), the merge commit of a sync and git's merge driver for a
plain `git pull` (integrate), clone, fetch, push and sync with a hub (remote), and the hub's
pre-receive checks (hub).

It may import every layer up to store.figures, never store.history; it registers the set-up hook of
the ledger (merge driver, the hub's hook)."""
