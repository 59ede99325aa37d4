"""Student aid as it is run: a student's situation by school year, recognition (认定) and its steps,
programmes and dated standards, payment batches, and 应助尽助 by programme.

Above the privacy layer (a notice masks names), below the figures that show it: it may import
store.core, store.rules, store.ledger and store.privacy."""
