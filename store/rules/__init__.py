"""What makes a record valid: the JSON Schemas of the record types (schemas/, shipped with the
package), the rules beyond them (checks: references, periods, totals, aid against standards), the
resident ID number check (idcard), where personal identifiers sit in a record (protected), and the
form model the dashboard builds its forms from.

Rules read other records only through a source handed to them (the ledger's index), never git: they
may import store.core alone."""
