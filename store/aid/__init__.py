"""Student aid as it is run: a student's situation by school year, recognition (认定) and its steps,
programmes and dated standards, payment batches, and 应助尽助 by programme.

Here: promotion of a school's students into the next school year (promotion), the public notice of
the recognitions under review (recognition), the upgrade of an older ledger's records (upgrade), the
entitlements of a term and the 应助尽助 / 精准 figures by programme built on them (duty), payment
batches made from those entitlements, reviewed, approved and paid in one commit (batches), and the
use notice of a donation paid out to students (donations).
The rules one record must satisfy (a payment against the situation
of its school year, its standard, its student's status) are in store/rules, which this builds on.

Above the privacy layer (a notice masks names), below the figures that show it: it may import
store.core, store.rules, store.ledger and store.privacy."""
